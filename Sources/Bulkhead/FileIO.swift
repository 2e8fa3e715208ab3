#if canImport(Glibc)
import Glibc
#endif

/// Small helpers for kernel interface files (/proc, /sys): short reads and writes with errno.
struct SystemCallError: Error { let errno: Int32; let path: String }

/// - Parameter directory: an open directory a relative `path` starts from; a short walk from a held
///   directory is cheaper than a long path through /sys on every call.
func readSmallFile(_ path: String, in directory: Int32 = AT_FDCWD, limit: Int = 1 << 20) throws(SystemCallError) -> String {
    String(decoding: try readSmallBytes(path, in: directory, limit: limit), as: UTF8.self)
}

func readSmallBytes(_ path: String, in directory: Int32 = AT_FDCWD, limit: Int = 1 << 20) throws(SystemCallError) -> [UInt8] {
    let fd = openat(directory, path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw SystemCallError(errno: errno, path: path) }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while bytes.count < limit {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw SystemCallError(errno: errno, path: path)
        }
        if n == 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
        // Kernel files fill the whole buffer while they have more to give: a short read is the end, and
        // saves the system call that would return 0 (two per launch on the cgroup files).
        if n < chunk.count { break }
    }
    return bytes
}

/// The whole of a kernel file held open, read again from the start: /proc and /sys files are generated
/// afresh for a read at offset 0. nil on error.
func rereadSmallFile(_ fd: Int32, limit: Int = 1 << 20) -> [UInt8]? {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while bytes.count < limit {
        let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(bytes.count)) }
        if n < 0 {
            if errno == EINTR { continue }
            return nil
        }
        if n == 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
        // Kernel files fill the whole buffer while they have more to give: a short read is the end, and
        // saves the system call that would return 0 (two per launch on the cgroup files).
        if n < chunk.count { break }
    }
    return bytes
}

func writeSmallFile(_ path: String, in directory: Int32 = AT_FDCWD, _ text: String) throws(SystemCallError) {
    let fd = openat(directory, path, O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { throw SystemCallError(errno: errno, path: path) }
    defer { close(fd) }
    let ok = text.withCString { ptr -> Bool in write(fd, ptr, strlen(ptr)) == strlen(ptr) }
    guard ok else { throw SystemCallError(errno: errno, path: path) }
}

extension StringProtocol {
    /// Without leading and trailing white space; kernel files end in a newline.
    var trimmed: String {
        var s = Substring(String(self))
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}

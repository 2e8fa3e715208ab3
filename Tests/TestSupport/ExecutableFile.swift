#if canImport(Glibc)
import Glibc
#endif

/// Executables the tests write and then run. Written through close-on-exec descriptors and renamed into
/// place: a child another test spawns meanwhile must not inherit the file open for writing, or running
/// it fails with ETXTBSY for as long as that child lives.
public enum ExecutableFile {
    /// Writes `bytes` to `path` with `mode`; false on any error.
    @discardableResult
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o755) -> Bool {
        let temporary = path + ".partial"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { return false }
        let ok = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == bytes.count
        close(fd)
        guard ok, chmod(temporary, mode) == 0, rename(temporary, path) == 0 else { unlink(temporary); return false }
        return true
    }

    /// Copies the file at `source` to `target` the same way.
    public static func copy(_ source: String, to target: String, mode: mode_t = 0o755) -> Bool {
        let fd = open(source, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { return false }
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        return write(bytes, to: target, mode: mode)
    }
}

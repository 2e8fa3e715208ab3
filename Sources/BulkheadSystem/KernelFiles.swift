import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// A call on a file that failed: the path, and the errno.
public struct PathError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let errno: Errno

    public init(path: String, errno: Errno) { self.path = path; self.errno = errno }

    /// "PATH: No such file or directory (ENOENT)"
    public var description: String { "\(path): \(errno.text)" }
}

/// Kernel interface files (/proc, /sys): small, generated on read, written in one call.
public enum KernelFile {
    /// The whole file, at most `limit` bytes.
    /// - Parameter directory: an open directory a relative `path` starts from; a short walk from a held
    ///   directory is cheaper than a long path through /sys on every call.
    public static func read(_ path: String, in directory: Int32 = AT_FDCWD, limit: Int = 1 << 20) throws(PathError) -> [UInt8] {
        let fd = openat(directory, path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PathError(path: path, errno: .current) }
        defer { close(fd) }
        do throws(Errno) {
            return Array(try FileContents.read(fd, limit: limit, shortReadEnds: true).prefix(limit))
        } catch {
            throw PathError(path: path, errno: error)
        }
    }

    public static func text(_ path: String, in directory: Int32 = AT_FDCWD, limit: Int = 1 << 20) throws(PathError) -> String {
        String(decoding: try read(path, in: directory, limit: limit), as: UTF8.self)
    }

    /// The whole of a kernel file held open, read again from offset 0, where /proc and /sys files are
    /// generated afresh.
    public static func reread(_ fd: Int32, limit: Int = 1 << 20) throws(Errno) -> [UInt8] {
        Array(try FileContents.read(fd, limit: limit, shortReadEnds: true, offset: 0).prefix(limit))
    }

    /// Writes `text` in one write(2): a kernel file takes a value per write, so a split write would be two
    /// values.
    public static func write(_ path: String, in directory: Int32 = AT_FDCWD, _ text: String) throws(PathError) {
        let fd = openat(directory, path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PathError(path: path, errno: .current) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written: Int
        do throws(Errno) {
            written = try SystemCall.retrying { bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
        } catch {
            throw PathError(path: path, errno: error)
        }
        guard written == bytes.count else { throw PathError(path: path, errno: .ioError) }
    }
}

extension StringProtocol {
    /// Without leading and trailing white space; kernel files end in a newline.
    public var trimmed: String {
        var s = Substring(String(self))
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}

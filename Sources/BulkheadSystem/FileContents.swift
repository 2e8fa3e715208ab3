import CSystemCalls
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Whole-content reads and writes on a descriptor: the one read-to-end loop and the one write-all loop,
/// with EINTR retried and short counts continued.
public enum FileContents {
    /// Everything `fd` has until its end, but never more than `limit + 1` bytes: a result longer than
    /// `limit` says the file is larger (the caller decides whether that is an error).
    /// - Parameters:
    ///   - sizeHint: the expected size (st_size); the first read asks for exactly that plus one byte, so a
    ///     file whose size is known is read in one call and its end seen in a second.
    ///   - shortReadEnds: for /proc and /sys files, which fill the whole buffer while they have more to
    ///     give: a short read is the end, which saves the call that would return 0 (two per launch on the
    ///     cgroup files). Never for pipes or regular files that may be growing.
    ///   - offset: read with pread(2) from this offset instead of the file position (a kernel file held
    ///     open is generated afresh for a read at offset 0).
    public static func read(_ fd: Int32, limit: Int, sizeHint: Int = 0, shortReadEnds: Bool = false,
                            offset: Int? = nil) throws(Errno) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = sizeHint > 0 ? min(sizeHint, limit) + 1 : min(limit + 1, 16384)
        while bytes.count <= limit {
            let want = min(chunk, limit + 1 - bytes.count)
            let position = offset.map { $0 + bytes.count }
            var failure: Errno?
            let more = [UInt8](unsafeUninitializedCapacity: want) { buffer, count in
                do throws(Errno) {
                    count = try SystemCall.retrying {
                        if let position { return pread(fd, buffer.baseAddress, want, off_t(position)) }
                        return Glibc.read(fd, buffer.baseAddress, want)
                    }
                } catch {
                    failure = error
                    count = 0
                }
            }
            if let failure { throw failure }
            if more.isEmpty { break }
            if bytes.isEmpty { bytes = more } else { bytes += more }
            if shortReadEnds && more.count < want { break }
            chunk = 65536
        }
        return bytes
    }

    /// Writes all of `bytes` to `fd`, continuing after short writes. A write that makes no progress is EIO.
    public static func write<Bytes: Collection<UInt8>>(_ bytes: Bytes, to fd: Int32) throws(Errno) {
        var rest = Array(bytes)[...]
        while !rest.isEmpty {
            let n = try SystemCall.retrying { rest.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
            guard n > 0 else { throw Errno.ioError }
            rest = rest.dropFirst(n)
        }
    }

    /// The whole of a regular file, at most `limit` bytes.
    /// - Parameter privateOnly: also refuse the file unless it is owned by the effective uid, writable by
    ///   nobody else, and not a symbolic link: what a cache entry must be before bulkhead trusts it.
    public static func readFile(_ path: String, limit: Int, privateOnly: Bool = false) throws(FileReadError) -> [UInt8] {
        guard !path.isEmpty, !path.utf8.contains(0) else { throw .cannotOpen(.invalidArgument) }
        // O_NONBLOCK: opening a FIFO must not wait for a writer.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (privateOnly ? O_NOFOLLOW : 0))
        guard fd >= 0 else { throw .cannotOpen(.current) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .cannotRead(.current) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .notRegularFile(info.st_mode) }
        if privateOnly {
            guard info.st_uid == geteuid(), info.st_mode & 0o022 == 0 else { throw .notPrivate }
        }
        let bytes: [UInt8]
        do throws(Errno) { bytes = try read(fd, limit: limit, sizeHint: Int(max(info.st_size, 0))) } catch {
            throw .cannotRead(error)
        }
        guard bytes.count <= limit else { throw .tooLarge(limit: limit) }
        return bytes
    }
}

/// Why `FileContents.readFile` refused or failed.
public enum FileReadError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(Errno)
    case cannotRead(Errno)
    case notRegularFile(mode_t)
    /// Owned by another uid, or writable by group or others.
    case notPrivate
    case tooLarge(limit: Int)

    public var description: String {
        switch self {
        case .cannotOpen(let errno): return "cannot open: \(errno.text)"
        case .cannotRead(let errno): return "cannot read: \(errno.text)"
        case .notRegularFile(let mode): return "\(FileKind.describe(mode)), not a regular file"
        case .notPrivate: return "not owned by this user alone (owned by another uid, or writable by others)"
        case .tooLarge(let limit): return "larger than \(limit >= 1 << 20 ? "\(limit >> 20) MiB" : "\(limit) bytes")"
        }
    }
}

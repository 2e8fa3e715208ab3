import CSystemCalls
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Replaces a regular file whole or not at all: a new file with an unpredictable name in the same
/// directory, fsync, then rename(2) over the path. Every file bulkhead writes whole goes through
/// here: the reports (`AtomicFile`) and the caches (`PrivateFiles.writeAtomically`).
public enum AtomicReplacement {
    /// Writes `bytes` as the new content of `path`, created with `mode` (less the umask).
    ///
    /// Only a regular file or nothing is replaced. rename(2) would just as well replace a device node,
    /// a FIFO or a symlink with a regular file: as root, `/dev/null` would stop being the null device for
    /// every process on the machine. Those are refused here; `AtomicFile` writes into FIFOs and devices.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws(FileWriteError) {
        guard !path.isEmpty, !path.utf8.contains(0) else { throw FileWriteError(path: path, errno: .invalidArgument) }
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFREG else {
                throw FileWriteError(path: path, refused: "\(FileKind.describe(info.st_mode)), not a regular file: not replaced")
            }
        } else if Errno.current != .noSuchFileOrDirectory {
            throw FileWriteError(path: path, errno: .current)
        }
        let (fd, temporary) = try createTemporary(beside: path, mode: mode)
        var failure: Errno?
        do throws(Errno) { try FileContents.write(bytes, to: fd) } catch { failure = error }
        if failure == nil && fsync(fd) != 0 { failure = .current }
        if close(fd) != 0 && failure == nil { failure = .current }
        if failure == nil && rename(temporary, path) != 0 { failure = .current }
        if let failure {
            unlink(temporary)
            throw FileWriteError(path: path, errno: failure)
        }
    }

    /// How often a new name is drawn when the one drawn is taken (64 random bits: all but never).
    static let attempts = 8

    /// Creates `.<name>.<16 hex digits>.tmp` beside `path`. The name is random (getrandom(2)): a name
    /// derived from the pid, as before, could be created in advance by a task writing to the same
    /// directory (pids are small and visible), and O_EXCL would then fail the write.
    private static func createTemporary(beside path: String, mode: mode_t) throws(FileWriteError) -> (Int32, String) {
        let slash = path.utf8.lastIndex(of: UInt8(ascii: "/"))
        let directory = slash.map { String(Substring(path.utf8[...$0])) } ?? ""
        var base = slash.map { String(Substring(path.utf8[path.utf8.index(after: $0)...])) } ?? path
        // NAME_MAX is 255 bytes; the decoration takes 22. A long name gets a fixed stem instead of a cut one.
        if base.utf8.count > 200 { base = "bulkhead" }
        var lastError = Errno.fileExists
        for _ in 0..<attempts {
            var random: UInt64 = 0
            let got = withUnsafeMutableBytes(of: &random) { bh_random_bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), $0.count) }
            guard got == 0 else { throw FileWriteError(path: path, errno: .current) }
            let temporary = directory + "." + base + "." + Digits.hex(random) + ".tmp"
            // O_EXCL fails on anything already under the name, a symlink included (open(2)); O_NOFOLLOW
            // says so once more.
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            if fd >= 0 { return (fd, temporary) }
            lastError = .current
            if lastError == .interrupted { continue }
            guard lastError == .fileExists else { break }
        }
        throw FileWriteError(path: path, errno: lastError)
    }
}

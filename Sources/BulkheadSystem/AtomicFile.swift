import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Writes the files users name on the command line (`--report`, `--chart`, `bench --json`), by what is
/// at the path:
///
/// - a regular file, or nothing: replaced whole or not at all (`AtomicReplacement`: a temporary file
///   with a random name, fsync, rename(2));
/// - a FIFO or a character device: written straight into, never replaced (`/dev/null`, `/dev/tty`, a
///   FIFO another program reads). A FIFO without a reader is an error at once, not a wait;
/// - a symbolic link: never replaced (that would break it). Written through when it leads to a FIFO, or
///   to whatever this process's stdout or stderr is, a pipe, a terminal or a file (`/dev/stdout`; a
///   file is appended to, after what the task wrote there). Any other link is refused: a link can be
///   placed by the task itself in a directory it may write, and bulkhead, often root with
///   CAP_SYS_RAWIO and CAP_DAC_OVERRIDE the task lacks, would then write wherever it points
///   (`/etc/passwd`, `/dev/port`, `/dev/mem`);
/// - a directory, socket or block device: refused.
public enum AtomicFile {
    public typealias WriteError = FileWriteError

    public static func write(_ text: String, to path: String, mode: mode_t = 0o644) throws(WriteError) {
        let bytes = Array(text.utf8)
        guard !path.isEmpty, !path.utf8.contains(0) else { throw WriteError(path: path, errno: .invalidArgument) }
        var link = stat()
        guard lstat(path, &link) == 0 else {
            guard Errno.current == .noSuchFileOrDirectory else { throw WriteError(path: path, errno: .current) }
            return try AtomicReplacement.write(bytes, to: path, mode: mode)
        }
        switch link.st_mode & S_IFMT {
        case S_IFREG:
            try AtomicReplacement.write(bytes, to: path, mode: mode)
        case S_IFIFO, S_IFCHR:
            try writeInPlace(bytes, to: path, throughLink: false)
        case S_IFLNK:
            var target = stat()
            guard stat(path, &target) == 0 else {
                let err = Errno.current
                throw WriteError(path: path, errno: err, refused: err == .noSuchFileOrDirectory
                    ? "a symbolic link to nothing: refused (bulkhead does not create files through links)"
                    : "a symbolic link that cannot be followed: \(err.text)")
            }
            guard target.st_mode & S_IFMT == S_IFIFO || isStandardOutputOrError(target) else {
                throw WriteError(path: path, refused: "a symbolic link to \(FileKind.describe(target.st_mode)): refused "
                                 + "(links are followed only to a FIFO or to bulkhead's own stdout or stderr; name the target itself)")
            }
            try writeInPlace(bytes, to: path, throughLink: true)
        default:
            throw WriteError(path: path, refused: "\(FileKind.describe(link.st_mode)): refused "
                             + "(bulkhead writes to a regular file, a FIFO or a character device)")
        }
    }

    /// Writes into the FIFO or device at `path`, or through a link into a FIFO or bulkhead's own
    /// stdout or stderr, as it is, without creating, truncating or replacing anything.
    private static func writeInPlace(_ bytes: [UInt8], to path: String, throughLink: Bool) throws(WriteError) {
        // O_NONBLOCK: opening a FIFO for writing otherwise waits for a reader, for ever if none comes;
        // with it the open fails with ENXIO instead (fifo(7)). On a terminal it skips the carrier wait.
        // Without a link to follow, O_NOFOLLOW keeps a link swapped in since lstat from being followed.
        let fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (throughLink ? 0 : O_NOFOLLOW))
        guard fd >= 0 else {
            let err = Errno.current
            var info = stat()
            if err == .noSuchAddressOrDevice, stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFIFO {
                throw WriteError(path: path, errno: err, refused: "a FIFO without a reader: \(err.text)")
            }
            throw WriteError(path: path, errno: err)
        }
        defer { close(fd) }
        // Decide on what was opened, not on what the path named a moment before.
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw WriteError(path: path, errno: .current) }
        let type = info.st_mode & S_IFMT
        let accepted = throughLink ? type == S_IFIFO || isStandardOutputOrError(info) : type == S_IFIFO || type == S_IFCHR
        guard accepted else {
            throw WriteError(path: path, refused: "changed to \(FileKind.describe(info.st_mode)) while being opened: refused")
        }
        let isOutputFile = type == S_IFREG
        // Blocking again, so a slow reader gets the whole report; appending to a standard-output file,
        // so what the task wrote there stays.
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, (flags & ~O_NONBLOCK) | (isOutputFile ? O_APPEND : 0)) == 0 else {
            throw WriteError(path: path, errno: .current)
        }
        try withPipeSignalHeld { () throws(WriteError) in
            do throws(Errno) { try FileContents.write(bytes, to: fd) } catch { throw WriteError(path: path, errno: error) }
        }
    }

    /// Whether `file` is what this process has open as its stdout or stderr (what `/dev/stdout` leads to).
    private static func isStandardOutputOrError(_ file: stat) -> Bool {
        [Int32(1), 2].contains { descriptor in
            var info = stat()
            return fstat(descriptor, &info) == 0 && info.st_dev == file.st_dev && info.st_ino == file.st_ino
        }
    }

    /// Runs `body` with SIGPIPE blocked on this thread. A write into a pipe whose reader has gone raises
    /// SIGPIPE, which would kill bulkhead before it says why (pipe(7)); blocked, the write fails with
    /// EPIPE, and the signal it left pending is taken before the mask is restored.
    private static func withPipeSignalHeld(_ body: () throws(WriteError) -> Void) throws(WriteError) {
        var pipeSignal = sigset_t(), previous = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        defer {
            var pending = sigset_t()
            if sigismember(&previous, SIGPIPE) == 0, sigpending(&pending) == 0, sigismember(&pending, SIGPIPE) == 1 {
                var immediately = timespec()
                _ = sigtimedwait(&pipeSignal, nil, &immediately)
            }
            pthread_sigmask(SIG_SETMASK, &previous, nil)
        }
        try body()
    }
}

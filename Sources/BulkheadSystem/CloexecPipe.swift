import CSystemCalls
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// A pipe whose two ends are close-on-exec from the moment they exist (pipe2(2) with O_CLOEXEC): a
/// pipe made with pipe(2) and then fcntl leaves a window in which an exec on another thread (a
/// concurrent launch) inherits both ends, and a reader waiting for end-of-file then waits for that
/// unrelated process.
public struct CloexecPipe {
    public let readEnd: Int32
    public let writeEnd: Int32

    public init() throws(Errno) {
        var fds: [Int32] = [-1, -1]
        guard bh_cloexec_pipe(&fds) == 0 else { throw Errno.current }
        readEnd = fds[0]
        writeEnd = fds[1]
    }

    public func closeBoth() {
        close(readEnd)
        close(writeEnd)
    }
}

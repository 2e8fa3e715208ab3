import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// File descriptor numbers.
public enum Descriptors {
    /// `fd` itself when it is 3 or above, else a close-on-exec copy at 3 or above with `fd` closed: a
    /// descriptor a child must keep cannot sit on 0, 1 or 2, which the child's stdio takes over. On
    /// failure `fd` is closed too.
    public static func aboveStandardStreams(_ fd: Int32) throws(Errno) -> Int32 {
        guard fd < 3 else { return fd }
        let copy = fcntl(fd, F_DUPFD_CLOEXEC, 3)
        let err = Errno.current
        close(fd)
        guard copy >= 0 else { throw err }
        return copy
    }
}

import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// The one way Bulkhead calls the kernel from Swift: a call that returns -1 with errno becomes a thrown
/// `Errno`, and an interrupted call (EINTR) is made again. Modelled on swift-system's internal
/// `valueOrErrno(retryOnInterrupt:)`.
public enum SystemCall {
    /// `body`'s result, or the errno it left; made again while it fails with EINTR.
    @inlinable
    public static func retrying<Value: FixedWidthInteger>(_ body: () -> Value) throws(Errno) -> Value {
        while true {
            let value = body()
            if value != -1 { return value }
            let error = Errno.current
            if error != .interrupted { throw error }
        }
    }

    /// `body`'s result, or the errno it left (no retry: for calls whose interruption means something).
    @inlinable
    public static func once<Value: FixedWidthInteger>(_ body: () -> Value) throws(Errno) -> Value {
        let value = body()
        if value == -1 { throw Errno.current }
        return value
    }
}

extension Errno {
    /// The calling thread's errno now.
    @inlinable
    public static var current: Errno { Errno(rawValue: Glibc.errno) }
}

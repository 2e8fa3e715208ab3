import SystemPackage

/// Why bulkhead could not write a file: the path, and the failing call's errno or what stood at the
/// path instead of something bulkhead writes to.
public struct FileWriteError: Error, Sendable, CustomStringConvertible {
    public let path: String
    /// The errno of the call that failed; nil when bulkhead refused what it found at the path.
    public let errno: Errno?
    /// "No space left on device (ENOSPC)", or why the path was refused.
    public let reason: String

    public init(path: String, errno: Errno) {
        self.path = path
        self.errno = errno
        reason = errno.text
    }

    public init(path: String, errno: Errno? = nil, refused reason: String) {
        self.path = path
        self.errno = errno
        self.reason = reason
    }

    /// "PATH: REASON"
    public var description: String { "\(path): \(reason)" }
}

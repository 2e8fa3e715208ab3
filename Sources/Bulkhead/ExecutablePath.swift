#if canImport(Glibc)
import Glibc
#endif

/// The running bulkhead binary, for the commands that start it again (tasks, the demo's disposable
/// child) or look beside it (the benchmark's C baseline).
public enum ExecutablePath {
    /// The resolved /proc/self/exe, or nil when /proc is not mounted.
    public static func current() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The directory holding the running binary.
    public static func directory() -> String? {
        current().map { path in String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]) }
    }
}

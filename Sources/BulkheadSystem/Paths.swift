#if canImport(Glibc)
import Glibc
#endif

/// Path text: the few operations bulkhead needs, without Foundation (which a static launch would page in).
public enum Paths {
    /// The directory part of `path`, as dirname(1) prints it: "." when there is none, "/" for a file at
    /// the root. Trailing slashes of `path` are ignored.
    public static func directory(of path: String) -> String {
        var bytes = Array(path.utf8)
        while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        var end = slash
        while end > 0, bytes[end - 1] == UInt8(ascii: "/") { end -= 1 }
        return end == 0 ? "/" : String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// The working directory of this process, nil when it cannot be had (removed, or longer than PATH_MAX).
    public static func currentDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return nil }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// `path` made absolute against the working directory (not resolved: symlinks and ".." stay); nil
    /// when it is relative and the working directory cannot be had.
    public static func absolute(_ path: String) -> String? {
        if path.hasPrefix("/") { return path }
        guard let directory = currentDirectory() else { return nil }
        return directory == "/" ? "/" + path : directory + "/" + path
    }

    /// The canonical path of an existing file (realpath(3)); nil when it does not exist or cannot be resolved.
    public static func resolved(_ path: String) -> String? {
        guard !path.utf8.contains(0), let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

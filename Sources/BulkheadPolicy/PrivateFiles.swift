import BulkheadSystem
#if canImport(Glibc)
import Glibc
#endif

/// The files of the per-user caches: a directory only this uid can write, entries replaced whole, and
/// pruning of old entries. Reading an entry is `FileContents.readFile(_:limit:privateOnly:)`.
public enum PrivateFiles {
    /// $XDG_CACHE_HOME/bulkhead or $HOME/.cache/bulkhead, created 0700 when missing; nil unless it is a
    /// real directory owned by the effective uid and writable by nobody else (a cache another user can
    /// write could hand us a weaker filter).
    public static func cacheDirectory(environment: [String: String]) -> String? {
        cacheDirectory { environment[$0] }
    }

    /// The same, with variables looked up by `variable` (the process environment by default).
    public static func cacheDirectory(variable: (String) -> String? = { getenv($0).map { String(cString: $0) } }) -> String? {
        let base: String
        if let xdg = variable("XDG_CACHE_HOME"), xdg.hasPrefix("/") { base = xdg }
        else if let home = variable("HOME"), home.hasPrefix("/") { base = home + "/.cache" }
        else { return nil }
        return privateDirectory(base + "/bulkhead")
    }

    /// `path` when it is (or could be made) a directory owned by us and not group/other writable.
    public static func privateDirectory(_ path: String) -> String? {
        guard path.utf8.first == UInt8(ascii: "/"), !path.utf8.contains(0) else { return nil }
        var info = stat()
        if lstat(path, &info) != 0 {
            let parent = Paths.directory(of: path)
            if parent != "/" { mkdir(parent, 0o700) }
            mkdir(path, 0o700)
            guard lstat(path, &info) == 0 else { return nil }
        }
        guard info.st_mode & S_IFMT == S_IFDIR, info.st_uid == geteuid(), info.st_mode & 0o022 == 0 else { return nil }
        return path
    }

    /// Best effort, never throws: `path` replaced whole (mode 0600) by `AtomicReplacement`, which replaces
    /// only a regular file or nothing. Failure only costs the next run time.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) {
        try? AtomicReplacement.write(bytes, to: path, mode: 0o600)
    }

    public static func fnv1a(_ text: String) -> UInt64 {
        fnv1a(Array(text.utf8))
    }

    public static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
        return hash
    }

    /// Removes the regular files in `directory` whose names start with `prefix` and that were last
    /// written more than `days` ago. Best effort, like the caches themselves.
    public static func prune(_ directory: String, prefix: String, olderThanDays days: Int) {
        guard let dir = opendir(directory) else { return }
        defer { closedir(dir) }
        let descriptor = dirfd(dir)
        let cutoff = time(nil) - time_t(days * 86_400)
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.utf8.starts(with: prefix.utf8) else { continue }
            var info = stat()
            guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mode & S_IFMT == S_IFREG,
                  info.st_mtim.tv_sec < cutoff else { continue }
            unlinkat(descriptor, name, 0)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Small file helpers for caches: a directory only this uid can write, whole-file reads and atomic writes.
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
            let parent = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
            if !parent.isEmpty { mkdir(parent, 0o700) }
            mkdir(path, 0o700)
            guard lstat(path, &info) == 0 else { return nil }
        }
        guard info.st_mode & S_IFMT == S_IFDIR, info.st_uid == geteuid(), info.st_mode & 0o022 == 0 else { return nil }
        return path
    }

    /// The whole file as bytes; nil on any error or when larger than `limit`. With `privateOnly`, also nil
    /// unless the file is a regular file owned by the effective uid and not group/other writable.
    public static func readBytes(_ path: String, limit: Int, privateOnly: Bool = false) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (privateOnly ? O_NOFOLLOW : 0))
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        if privateOnly {
            guard info.st_mode & S_IFMT == S_IFREG, info.st_uid == geteuid(), info.st_mode & 0o022 == 0 else { return nil }
        }
        // Read at the file's size in one call (plus a byte to see the end); /proc files report size 0
        // and files may grow, so whatever is left is read in further chunks.
        var bytes: [UInt8] = []
        var chunk = min(max(Int(info.st_size), 0), limit) + 1
        while true {
            var failed = false
            let more = [UInt8](unsafeUninitializedCapacity: chunk) { buffer, count in
                while true {
                    let n = Glibc.read(fd, buffer.baseAddress, chunk)
                    if n < 0 && errno == EINTR { continue }
                    failed = n < 0
                    count = max(n, 0)
                    return
                }
            }
            if failed { return nil }
            if more.isEmpty { return bytes }
            if bytes.isEmpty { bytes = more } else { bytes += more }
            if bytes.count > limit { return nil }
            chunk = 65536
        }
    }

    public static func read(_ path: String, limit: Int, privateOnly: Bool = false) -> String? {
        readBytes(path, limit: limit, privateOnly: privateOnly).map { String(decoding: $0, as: UTF8.self) }
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

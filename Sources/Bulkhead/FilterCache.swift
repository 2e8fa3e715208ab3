import BulkheadPolicy
import CSeccomp
#if canImport(Glibc)
import Glibc
#endif

/// Compiled BPF programs kept on disk, so a launch does not pay for libseccomp again (pitfall 17: a
/// 300-syscall policy costs over a millisecond to compile, more than the launch itself).
///
/// The key is the exact text the compiler consumes (the resolved seccomp section, the compiler format
/// and the libseccomp version), stored inside the entry and compared in full on every hit: a stale or
/// colliding entry can only miss, never hand back another policy's filter. The directory must belong to
/// the effective uid and be writable by nobody else; otherwise the cache is not used at all.
public struct FilterCache: Sendable {
    public let directory: String

    /// $XDG_CACHE_HOME/bulkhead or $HOME/.cache/bulkhead, when that can be made private to this uid.
    public static func forCurrentUser(environment: [String: String] = ProcessEnvironment.current()) -> FilterCache? {
        let base: String
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { base = xdg }
        else if let home = environment["HOME"], home.hasPrefix("/") { base = home + "/.cache" }
        else { return nil }
        return FilterCache(directory: base + "/bulkhead")
    }

    public init?(directory: String) {
        guard directory.hasPrefix("/") else { return nil }
        let parent = String(directory[..<(directory.lastIndex(of: "/") ?? directory.startIndex)])
        if !parent.isEmpty { mkdir(parent, 0o700) }
        mkdir(directory, 0o700)
        var info = stat()
        guard lstat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR,
              info.st_uid == geteuid(), info.st_mode & 0o022 == 0 else { return nil }
        self.directory = directory
    }

    /// The compiled filter for `policy`, from the cache or compiled now and stored.
    public func filter(for policy: SeccompPolicy) throws(SeccompCompileError) -> CompiledFilter {
        let key = Self.key(for: policy)
        let path = directory + "/" + Self.hex(Self.fnv1a(key)) + ".bpf"
        if let cached = load(path: path, key: key) { return cached }
        let compiled = try SeccompCompiler.compile(policy)
        store(compiled, key: key, path: path)
        return compiled
    }

    private static let magic = "bulkhead-bpf-cache 1\n"

    private func load(path: String, key: String) -> CompiledFilter? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_uid == geteuid(), info.st_mode & 0o022 == 0,
              info.st_size > 0, info.st_size < 4 << 20 else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var filled = 0
        while filled < bytes.count {
            let n = bytes[filled...].withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            filled += n
        }
        let header = Array((Self.magic + key + "\n").utf8)
        guard bytes.count > header.count, bytes.starts(with: header) else { return nil }
        let program = Array(bytes[header.count...])
        guard !program.isEmpty, program.count % 8 == 0, program.count / 8 <= 4096 else { return nil }
        return CompiledFilter(bpf: program)
    }

    private func store(_ filter: CompiledFilter, key: String, path: String) {
        // Best effort: a cache that cannot be written only costs the next launch a compile.
        let temporary = path + ".\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return }
        let bytes = Array((Self.magic + key + "\n").utf8) + filter.bpf
        let ok = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count
        close(fd)
        if !ok || rename(temporary, path) != 0 { unlink(temporary) }
    }

    /// Everything the compiler's output depends on, as one line-free text.
    static func key(for policy: SeccompPolicy) -> String {
        var parts: [String] = []
        if let version = seccomp_version() {
            parts.append("libseccomp=\(version.pointee.major).\(version.pointee.minor).\(version.pointee.micro)")
        }
        parts.append("compiler=1 tree>\(SeccompCompiler.binaryTreeThreshold)")
        parts.append("default=\(policy.defaultAction)")
        parts.append("allow=" + policy.allow.joined(separator: ","))
        for rule in policy.rules {
            let conditions = rule.conditions.map { "\($0.index):\($0.comparison):\($0.low32)" }.joined(separator: "&")
            parts.append("rule=\(rule.syscall)|\(rule.action)|\(conditions)")
        }
        return parts.joined(separator: ";")
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
        return hash
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

import BulkheadSystem
import BulkheadPolicy
import CSeccomp
#if canImport(Glibc)
import Glibc
#endif

/// Compiled BPF programs kept on disk, so a launch does not pay for libseccomp again (a
/// 300-syscall policy costs over a millisecond to compile, more than the launch itself).
///
/// The key is the exact text the compiler consumes (the resolved seccomp section, the compiler format
/// and the libseccomp version), stored inside the entry and compared in full on every hit: a stale or
/// colliding entry can only miss, never hand back another policy's filter. The directory must belong to
/// the effective uid and be writable by nobody else; otherwise the cache is not used at all.
public struct FilterCache: Sendable {
    public let directory: String
    /// Entries are sealed like the policy cache's (`CacheSeal`): a task of the same uid can write them.
    private let seal: CacheSeal

    /// The per-user cache directory (`PrivateFiles.cacheDirectory`), when there is a usable one.
    public static func forCurrentUser(environment: [String: String] = ProcessEnvironment.current()) -> FilterCache? {
        PrivateFiles.cacheDirectory(environment: environment).flatMap { FilterCache(directory: $0) }
    }

    /// nil when `directory` is not private to this uid, or when there is no seal (no kernel keyring).
    public init?(directory: String, seal: CacheSeal? = CacheSeal.current()) {
        guard let seal, let checked = PrivateFiles.privateDirectory(directory) else { return nil }
        self.directory = checked
        self.seal = seal
    }

    /// The compiled filter for `policy`, from the cache or compiled now and stored.
    public func filter(for policy: SeccompPolicy) throws(SeccompCompileError) -> CompiledFilter {
        try filter(key: Self.key(for: policy)) { () throws(SeccompCompileError) in try SeccompCompiler.compile(policy) }
    }

    /// The task's filter when the supervisor holds its listener (`SeccompCompiler.compile(_:notifying:)`).
    func filter(for policy: SeccompPolicy, notifying notified: NotifiedRefusals) throws(SeccompCompileError) -> CompiledFilter {
        var key = Self.key(for: policy) + ";notify=" + (notified.kills ? "k" : "") + (notified.reportedErrnos ? "r" : "")
            + (notified.everyRefusal ? "w" : "") + ";reported="
        key += policy.rules.indices.filter { policy.rules[$0].report }.map(String.init).joined(separator: ",")
        return try filter(key: key) { () throws(SeccompCompileError) in try SeccompCompiler.compile(policy, notifying: notified) }
    }

    private func filter(key: String, compile: () throws(SeccompCompileError) -> CompiledFilter) throws(SeccompCompileError)
        -> CompiledFilter {
        let path = directory + "/bpf-" + Digits.hex(PrivateFiles.fnv1a(key))
        let header = Array((Self.magic + key + "\n").utf8)
        if let sealed = try? FileContents.readFile(path, limit: 4 << 20, privateOnly: true), let bytes = seal.open(sealed),
           bytes.count > header.count, bytes.starts(with: header) {
            if let cached = CompiledFilter(cachedBytes: Array(bytes.dropFirst(header.count))) { return cached }
        }
        let compiled = try compile()
        PrivateFiles.writeAtomically(seal.seal(header + compiled.bpf), to: path)
        PrivateFiles.prune(directory, prefix: "bpf-", olderThanDays: PolicyCache.keepDays)
        return compiled
    }

    private static let magic = "bulkhead-bpf-cache 2\n"

    /// Everything the compiler's output depends on, as one line-free text. Written out field by field:
    /// string interpolation of enums goes through reflection, which costs more than the lookup saves.
    static func key(for policy: SeccompPolicy) -> String {
        var text = SeccompCompiler.versionKey + ";default=" + action(policy.defaultAction) + ";allow="
        text += policy.allow.joined(separator: ",")
        for rule in policy.rules {
            text += ";rule=" + rule.syscall + "|" + action(rule.action) + "|"
            for condition in rule.conditions {
                text += String(condition.index) + ":" + comparison(condition.comparison) + (condition.low32 ? ":32&" : ":64&")
            }
        }
        return text
    }

    private static func action(_ action: SeccompAction) -> String {
        switch action {
        case .allow: return "allow"
        case .kill: return "kill"
        case .errno(let value): return "errno" + String(value)
        case .trap: return "trap"
        case .log: return "log"
        }
    }

    private static func comparison(_ comparison: ArgumentComparison) -> String {
        switch comparison {
        case .equal(let v): return "eq" + String(v)
        case .notEqual(let v): return "ne" + String(v)
        case .less(let v): return "lt" + String(v)
        case .lessOrEqual(let v): return "le" + String(v)
        case .greater(let v): return "gt" + String(v)
        case .greaterOrEqual(let v): return "ge" + String(v)
        case .maskedEqual(let mask, let value): return "me" + String(mask) + "/" + String(value)
        }
    }
}

import CSystemCalls
import SystemPackage
import BulkheadSystem
import BulkheadPolicy
import CSeccomp
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A seccomp-BPF program ready for `seccomp(SECCOMP_SET_MODE_FILTER)`.
public struct CompiledFilter: Sendable, Equatable {
    /// The raw `struct sock_filter` array in native byte order, 8 bytes per instruction.
    public let bpf: [UInt8]
    public var instructionCount: Int

    public init(bpf: [UInt8]) {
        self.bpf = bpf
        self.instructionCount = bpf.count / 8
    }
}

extension CompiledFilter {
    /// A filter read back from a cache; nil when the bytes cannot be a BPF program.
    package init?(cachedBytes bytes: [UInt8]) {
        guard !bytes.isEmpty, bytes.count % 8 == 0, bytes.count / 8 <= 4096 else { return nil }
        self.init(bpf: bytes)
    }
}

/// How libseccomp arranges the syscall dispatch in the BPF program.
public enum SeccompFilterLayout: Sendable, Equatable {
    /// Linear for small filters, binary tree above `SeccompCompiler.binaryTreeThreshold` syscalls.
    case automatic
    /// One comparison per syscall in priority order: smallest program, cost linear in the syscall count.
    case linear
    /// `SCMP_FLTATR_CTL_OPTIMIZE` = 2: a binary search on the syscall number; larger program, log cost.
    case binaryTree
}

/// Compiles a resolved `SeccompPolicy` with libseccomp and exports the BPF. The filter is exported and
/// handed to the launcher, never loaded here (no `seccomp_load`), and only for the native architecture:
/// any other architecture, i386 `int 0x80` and the x32 ABI included, kills the process.
public enum SeccompCompiler {
    /// Above this many syscalls the binary tree is cheaper for the task (`bulkhead bench --filters` measures both).
    public static let binaryTreeThreshold = 32

    /// What the compiler's output depends on besides the policy: the libseccomp version and this
    /// compiler's own choices. Caches of compiled filters include it in their keys.
    public static var versionKey: String {
        var text = ""
        if let version = seccomp_version() {
            let v = version.pointee
            text += "libseccomp=" + Digits.decimal(UInt64(v.major)) + "." + Digits.decimal(UInt64(v.minor))
                + "." + Digits.decimal(UInt64(v.micro)) + ";"
        }
        return text + "compiler=1 tree>" + Digits.decimal(UInt64(binaryTreeThreshold))
    }

    public static func compile(_ policy: SeccompPolicy) throws(SeccompCompileError) -> CompiledFilter {
        try compile(policy, layout: .automatic)
    }

    public static func compile(_ policy: SeccompPolicy, layout: SeccompFilterLayout)
        throws(SeccompCompileError) -> CompiledFilter {
        CompiledFilter(bpf: try export(policy, layout: layout, operation: "seccomp_export_bpf", seccomp_export_bpf))
    }

    /// The filter a task runs under when the supervisor holds its seccomp listener: the refusals `notified`
    /// names become SECCOMP_RET_USER_NOTIF, the rest is `compile(policy)`'s.
    static func compile(_ policy: SeccompPolicy, notifying notified: NotifiedRefusals) throws(SeccompCompileError) -> CompiledFilter {
        CompiledFilter(bpf: try export(policy, layout: .automatic, notified: notified, operation: "seccomp_export_bpf",
                                       seccomp_export_bpf))
    }

    /// Plans the rules, builds a libseccomp context and exports it in one of libseccomp's formats.
    private static func export(_ policy: SeccompPolicy, layout: SeccompFilterLayout, notified: NotifiedRefusals = .none,
                               operation: String,
                               _ exporter: (scmp_filter_ctx?, Int32) -> Int32) throws(SeccompCompileError) -> [UInt8] {
        let plan = try SeccompRulePlanner.plan(policy)
        let context = try SeccompContext(policy: policy, plan: plan, layout: layout, notified: notified)
        defer { context.release() }
        return try context.export(operation: operation, exporter)
    }

    /// libseccomp's pseudo filter code (PFC): a readable rendering of the same filter.
    public static func pseudoCode(_ policy: SeccompPolicy) throws(SeccompCompileError) -> String {
        try pseudoCode(policy, layout: .automatic)
    }

    public static func pseudoCode(_ policy: SeccompPolicy, layout: SeccompFilterLayout)
        throws(SeccompCompileError) -> String {
        let bytes = try export(policy, layout: layout, operation: "seccomp_export_pfc", seccomp_export_pfc)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Owns one libseccomp filter context. Call `release()` exactly once, on every path.
private struct SeccompContext {
    private let ctx: scmp_filter_ctx

    init(policy: SeccompPolicy, plan: SeccompRulePlanner.Plan, layout: SeccompFilterLayout, notified: NotifiedRefusals)
        throws(SeccompCompileError) {
        let defaultAction = notified.action(for: policy.defaultAction, report: false)
        guard let ctx = seccomp_init(defaultAction) else {
            throw .libseccomp(operation: "seccomp_init", syscall: nil, errno: .invalidArgument)
        }
        self.ctx = ctx
        do throws(SeccompCompileError) {
            try configure(layout: layout, syscallCount: plan.syscallCount,
                          badArchitecture: notified.action(for: .kill, report: false))
            // Rules the mapping made equal to the default add nothing, and libseccomp refuses them (EACCES).
            var added = Set<PlannedRule>()
            for var rule in plan.rules {
                let action = notified.action(for: rule.action, report: rule.report)
                guard action != defaultAction else { continue }
                rule.report = false
                if added.insert(rule).inserted { try add(rule, action: action) }
            }
        } catch {
            seccomp_release(ctx)
            throw error
        }
    }

    func release() { seccomp_release(ctx) }

    private func configure(layout: SeccompFilterLayout, syscallCount: Int, badArchitecture: UInt32) throws(SeccompCompileError) {
        // The launcher sets no_new_privs itself, in the child; the exported program must not depend on it.
        try attr(SCMP_FLTATR_CTL_NNP, 0, "SCMP_FLTATR_CTL_NNP")
        // seccomp_init adds the native architecture only. Any other one (i386 via int 0x80) is killed, and
        // libseccomp adds the x32 check (nr >= 0x40000000 → this action) because x32 is not in the filter.
        try attr(SCMP_FLTATR_ACT_BADARCH, badArchitecture, "SCMP_FLTATR_ACT_BADARCH")
        let tree: Bool
        switch layout {
        case .automatic: tree = syscallCount > SeccompCompiler.binaryTreeThreshold
        case .linear: tree = false
        case .binaryTree: tree = true
        }
        if tree { try attr(SCMP_FLTATR_CTL_OPTIMIZE, 2, "SCMP_FLTATR_CTL_OPTIMIZE") }
    }

    private func attr(_ attribute: scmp_filter_attr, _ value: UInt32, _ name: String) throws(SeccompCompileError) {
        let rc = seccomp_attr_set(ctx, attribute, value)
        if rc < 0 { throw .libseccomp(operation: "seccomp_attr_set(\(name))", syscall: nil, errno: Errno(rawValue: -rc)) }
    }

    private func add(_ rule: PlannedRule, action: UInt32) throws(SeccompCompileError) {
        let comparisons = rule.comparisons.map(\.cValue)
        // The exact variant: fail rather than let libseccomp rewrite the rule.
        let rc = comparisons.withUnsafeBufferPointer { buffer in
            seccomp_rule_add_exact_array(ctx, action, rule.number,
                                         UInt32(buffer.count), buffer.baseAddress)
        }
        if rc < 0 { throw .libseccomp(operation: "seccomp_rule_add(\(rule.action))", syscall: rule.syscall, errno: Errno(rawValue: -rc)) }
    }

    /// Runs an exporter into an anonymous memory file and reads the result back.
    func export(operation: String, _ exporter: (scmp_filter_ctx?, Int32) -> Int32) throws(SeccompCompileError) -> [UInt8] {
        let fd = bh_memfd_create("bulkhead-seccomp")
        if fd < 0 { throw .io(operation: "memfd_create", errno: .current) }
        defer { close(fd) }
        let rc = exporter(ctx, fd)
        if rc < 0 { throw .libseccomp(operation: operation, syscall: nil, errno: Errno(rawValue: -rc)) }
        if lseek(fd, 0, SEEK_SET) < 0 { throw .io(operation: "lseek", errno: .current) }
        do throws(Errno) { return try FileContents.read(fd, limit: 64 << 20) } catch {
            throw .io(operation: "read", errno: error)
        }
    }
}

import BulkheadPolicy
import BulkheadSystem
import CSeccomp

/// A policy's seccomp filter as an OCI seccomp profile, and what of the policy the profile cannot carry.
public struct OCIProfileExport: Sendable {
    /// The profile: `defaultAction`, `architectures`, `syscalls`.
    public var profile: JSONValue
    /// Policy settings outside seccomp that no seccomp profile carries, one line each ("limits (wall 10s, ...)").
    public var notExported: [String]
    /// Where a runtime may treat the profile differently from Bulkhead's own filter.
    public var notes: [String]
}

/// Writes the profile from the rules Bulkhead's filter is compiled from (`SeccompRulePlanner`), not from
/// the policy text: each planned libseccomp rule is one profile entry (its comparisons ANDed in `args`;
/// entries for one name are alternatives), so a runtime that builds its filter with libseccomp, as runc,
/// crun and containerd do, gets the same rules. Exceptions, `ne` on 32 bits and `@groups` arrive expanded.
public enum OCIProfileExporter {
    public static func export(_ policy: Policy) throws(SeccompCompileError) -> OCIProfileExport? {
        guard let seccomp = policy.seccomp else { return nil }
        let plan = try SeccompRulePlanner.plan(seccomp)
        let (defaultName, defaultErrno) = OCISeccompNames.action(seccomp.defaultAction)

        // Entries with the same action and comparisons share one `names` list, in the plan's order.
        var keys: [EntryKey] = []
        var names: [EntryKey: [String]] = [:]
        // A `report: true` rule may repeat the default action (it is there for the report only); libseccomp
        // refuses such a rule (EACCES), and a profile carries no reports.
        for rule in plan.rules where rule.action != seccomp.defaultAction {
            let key = EntryKey(action: rule.action, comparisons: rule.comparisons)
            if names[key] == nil { keys.append(key) }
            names[key, default: []].append(rule.syscall)
        }
        let syscalls = keys.map { key in entry(names: names[key] ?? [], key: key) }
        let native = OCISeccompNames.nativeArchitecture
        let profile = JSONValue.object([
            ("defaultAction", .string(defaultName)),
            ("defaultErrnoRet", defaultErrno.map { .int($0) }),
            // Only the native architecture: Bulkhead's filter kills every call made through another one
            // (i386 `int 0x80`, x32), so listing SCMP_ARCH_X86 or SCMP_ARCH_X32 here would let the profile's
            // allowed names through those entry points where Bulkhead's filter lets nothing through.
            ("architectures", .array(native.map { [.string($0)] } ?? [])),
            ("syscalls", .array(syscalls)),
        ])
        return OCIProfileExport(profile: profile, notExported: notExported(policy), notes: notes(native: native))
    }

    private struct EntryKey: Hashable {
        var action: SeccompAction
        var comparisons: [SeccompComparison]
    }

    private static func entry(names: [String], key: EntryKey) -> JSONValue {
        let (action, errnoRet) = OCISeccompNames.action(key.action)
        let args = key.comparisons.map { comparison -> JSONValue in
            let op = OCISeccompNames.operators.first { $0.op.rawValue == comparison.op }?.name ?? "SCMP_CMP_EQ"
            // libseccomp's (a, b): for SCMP_CMP_MASKED_EQ a is the mask and b the value, which is what runc
            // passes as `value` and `valueTwo`; every other operator compares with a alone.
            return .object([("index", .int(comparison.argument)), ("value", .uint(comparison.a)),
                            ("valueTwo", .uint(comparison.b)), ("op", .string(op))])
        }
        return .object([
            ("names", .array(names.map { .string($0) })),
            ("action", .string(action)),
            ("errnoRet", errnoRet.map { .int($0) }),
            ("args", args.isEmpty ? nil : .array(args)),
        ])
    }

    private static func notes(native: String?) -> [String] {
        var out = ["the profile cannot say what happens to calls through another architecture (i386 int 0x80, x32): "
                   + "Bulkhead's filter kills the process; a runtime applies its own choice (runc 1.1.5 kills it too: docs/oci.md)"]
        if native == nil { out.append("this machine's architecture has no OCI name: the profile lists no architecture") }
        return out
    }

    /// What the policy sets that a seccomp profile has no place for, each with where a runtime takes it instead.
    static func notExported(_ policy: Policy) -> [String] {
        var out: [String] = []
        if let seccomp = policy.seccomp {
            if seccomp.mode == .watch {
                out.append("seccomp.mode (watch): the profile enforces; for a log-only trial a runtime has SCMP_ACT_LOG")
            }
            let reported = Set(seccomp.rules.filter(\.report).map(\.syscall)).sorted()
            if !reported.isEmpty {
                out.append("report: true (\(reported.joined(separator: ", "))): the profile applies the errno without "
                           + "reporting it; only Bulkhead's listener counts refused calls")
            }
        }
        let keep = policy.capabilities.keep
        out.append("capabilities (" + (keep.isEmpty ? "keeps none" : "keeps " + keep.joined(separator: ", "))
                   + "): set process.capabilities, or docker --cap-drop ALL")
        let limits = LimitKind.allCases.compactMap { kind -> String? in
            switch kind {
            case .wall: return policy.limits.wall.map { "wall \(Units.formatDuration($0))" }
            case .cpu: return policy.limits.cpu.map { "cpu \(Units.formatDuration($0))" }
            case .processes, .openFiles: return policy.limits[amount: kind].map { "\(kind.rawValue) \($0)" }
            default: return policy.limits[amount: kind].map { "\(kind.rawValue) \(Units.formatSize($0))" }
            }
        }
        if !limits.isEmpty {
            out.append("limits (\(limits.joined(separator: ", "))): set process.rlimits and linux.resources")
        }
        if let namespaces = policy.namespaces {
            out.append("namespaces (\(namespaces.enabled.map(\.rawValue).joined(separator: ", "))): set linux.namespaces")
        }
        if policy.filesystem != nil { out.append("filesystem (Landlock grants): use the bundle's root and mounts") }
        switch policy.network {
        case .host: break
        case .none: out.append("network (none): give the container a network namespace of its own")
        case .rules: out.append("network (port and unix-socket rules, Landlock): no runtime equivalent")
        }
        if let user = policy.user { out.append("user (uid \(user.uid), gid \(user.gid)): set process.user") }
        let env = policy.environment
        if env.clear || !env.set.isEmpty || !env.pass.isEmpty {
            out.append("environment (" + (env.clear ? "cleared" : "inherited")
                       + (env.set.isEmpty ? "" : ", sets " + env.set.map(\.name).joined(separator: ", "))
                       + "): set process.env")
        }
        if let workdir = policy.workdir { out.append("workdir (\(workdir)): set process.cwd") }
        return out
    }
}

#if canImport(Glibc)
import Glibc
#endif
import CSeccomp
import Testing
@testable import BulkheadPolicy

/// The shipped policies must be expressible in libseccomp: every rule must be accepted by
/// `seccomp_rule_add_array`. This is a plain translation for checking, not the launcher's compiler
/// (which lives in the Bulkhead module); rules whose action equals the default are skipped, as
/// libseccomp refuses them.
@Suite struct LibseccompAcceptanceTests {
    static func action(_ a: SeccompAction) -> UInt32 {
        switch a {
        case .allow: return bh_act_allow()
        case .kill: return bh_act_kill_process()
        case .errno(let e): return bh_act_errno(UInt16(truncatingIfNeeded: e))
        case .trap: return bh_act_trap()
        case .log: return bh_act_log()
        }
    }

    static func comparison(_ c: ArgumentCondition) -> scmp_arg_cmp {
        let arg = UInt32(c.index)
        let m: UInt64 = c.low32 ? 0xffff_ffff : UInt64.max
        switch c.comparison {
        case .equal(let v): return bh_arg_cmp(arg, SCMP_CMP_MASKED_EQ, m, v)
        case .notEqual(let v): return bh_arg_cmp(arg, SCMP_CMP_NE, v, 0)
        case .less(let v): return bh_arg_cmp(arg, SCMP_CMP_LT, v, 0)
        case .lessOrEqual(let v): return bh_arg_cmp(arg, SCMP_CMP_LE, v, 0)
        case .greater(let v): return bh_arg_cmp(arg, SCMP_CMP_GT, v, 0)
        case .greaterOrEqual(let v): return bh_arg_cmp(arg, SCMP_CMP_GE, v, 0)
        case let .maskedEqual(mask, value): return bh_arg_cmp(arg, SCMP_CMP_MASKED_EQ, mask & m, value)
        }
    }

    /// Builds the filter; returns the failures as text, and the BPF bytes when asked for.
    static func build(_ s: SeccompPolicy, exportTo fd: Int32? = nil) -> [String] {
        guard let ctx = seccomp_init(action(s.defaultAction)) else { return ["seccomp_init failed"] }
        defer { seccomp_release(ctx) }
        var failures: [String] = []
        for name in s.allow {
            guard let nr = SyscallTable.number(of: name) else { failures.append("unknown \(name)"); continue }
            let rc = seccomp_rule_add_array(ctx, bh_act_allow(), nr, 0, nil)
            if rc != 0 { failures.append("allow \(name): \(rc)") }
        }
        for rule in s.rules where rule.action != s.defaultAction {
            guard let nr = SyscallTable.number(of: rule.syscall) else { failures.append("unknown \(rule.syscall)"); continue }
            var cmps = rule.conditions.map(comparison)
            let rc = seccomp_rule_add_array(ctx, action(rule.action), nr, UInt32(cmps.count), &cmps)
            if rc != 0 { failures.append("rule \(rule.syscall) \(rule.action) \(rule.conditions): \(rc)") }
        }
        if let fd, seccomp_export_bpf(ctx, fd) != 0 { failures.append("export failed") }
        return failures
    }

    @Test(arguments: ShippedPolicies.names)
    func libseccompAcceptsEveryRule(name: String) throws {
        let policy = try PolicyLoader.loadShipped(name: name)
        let seccomp = try #require(policy.seccomp)
        let devNull = open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer { if devNull >= 0 { close(devNull) } }
        #expect(Self.build(seccomp, exportTo: devNull) == [])
    }
}

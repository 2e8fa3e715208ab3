import BulkheadPolicy
import CSeccomp

/// One `seccomp_rule_add_exact_array` call: an action for a syscall when all comparisons hold.
struct PlannedRule: Equatable, Hashable {
    var syscall: String
    var number: Int32
    var action: SeccompAction
    var comparisons: [SeccompComparison]
    /// From `report: true`: a filter that notifies reported refusals hands these to the supervisor.
    var report = false
}

/// Turns a `SeccompPolicy` into the exact list of libseccomp rules, checking everything libseccomp
/// would otherwise get wrong silently. Measured with libseccomp 2.5.4:
/// - a rule whose action equals the default is refused with EACCES, conditional or not;
/// - an unconditional rule next to conditional rules of another action for the same syscall wins and the
///   conditional ones are dropped without an error, in either order; a second unconditional rule with
///   another action is ignored (returns 0);
/// - the same conditions with another action fail with EEXIST;
/// - two comparisons on one argument fail with EINVAL.
///
/// Semantics implemented (the policy model says rules are ORed; this resolves what OR leaves open):
/// - an unconditional rule for a syscall is its general case; conditional rules with another action are
///   exceptions to it and win where they match. One exception is supported: it compiles to the exception's
///   rule plus the general action under the exact complement of the exception's conditions (De Morgan:
///   one rule per negated condition). That is what makes "ioctl allowed, except TIOCSTI" expressible
///   even when the exception's action is the default one;
/// - without an unconditional rule, conditional rules whose action is the default add nothing (a call
///   that matches no rule gets the default anyway) and are dropped, but only after checking that no two
///   rules of different actions can match one call: if they may, the policy is ambiguous and refused.
enum SeccompRulePlanner {
    /// Upper bound on the libseccomp rules one policy rule may expand into (`low32` not-equal expands into
    /// up to 32 alternatives per condition).
    static let maxAlternatives = 1024

    struct Plan: Equatable {
        var rules: [PlannedRule]
        /// Distinct syscalls with at least one rule; decides the BPF layout.
        var syscallCount: Int
    }

    static func plan(_ policy: SeccompPolicy) throws(SeccompCompileError) -> Plan {
        let defaultAction = policy.defaultAction
        try validate(defaultAction, syscall: nil)

        var out: [PlannedRule] = []
        var seen = Set<PlannedRule>()
        func emit(_ rule: PlannedRule) {
            if (rule.action != defaultAction || rule.report) && seen.insert(rule).inserted { out.append(rule) }
        }

        // Rules, grouped by syscall in first-appearance order so the output is deterministic.
        var order: [String] = []
        var bySyscall: [String: [SyscallRule]] = [:]
        for rule in policy.rules {
            if bySyscall[rule.syscall] == nil { order.append(rule.syscall) }
            bySyscall[rule.syscall, default: []].append(rule)
        }
        for name in order {
            let number = try resolve(name)
            for rule in try planSyscall(name, number: number, rules: bySyscall[name] ?? [], defaultAction: defaultAction) {
                emit(rule)
            }
        }

        // A syscall that has rules takes its actions from them only, even if `allow` names it.
        for name in policy.allow where bySyscall[name] == nil {
            emit(PlannedRule(syscall: name, number: try resolve(name), action: .allow, comparisons: []))
        }
        return Plan(rules: out, syscallCount: Set(out.map(\.number)).count)
    }

    /// Resolves a name for the native architecture. libseccomp returns -1 for names it does not know and
    /// other negative "pseudo syscall" numbers for names of other architectures (adding those is a no-op).
    static func resolve(_ name: String) throws(SeccompCompileError) -> Int32 {
        let number = seccomp_syscall_resolve_name(name)
        if number == -1 { throw .unknownSyscall(name) }
        if number < 0 { throw .notNativeSyscall(name) }
        return number
    }

    static func validate(_ action: SeccompAction, syscall: String?) throws(SeccompCompileError) {
        if case .errno(let e) = action, !(1...4095).contains(e) { throw .invalidErrno(e, syscall: syscall) }
    }

    /// A rule after validation: its predicates keyed by argument index.
    private struct CheckedRule {
        var action: SeccompAction
        var report = false
        var predicates: [(index: Int, predicate: SeccompPredicate)]

        func isDisjoint(from other: CheckedRule) -> Bool {
            predicates.contains { mine in
                other.predicates.contains { $0.index == mine.index && $0.predicate.isDisjoint(from: mine.predicate) }
            }
        }
    }

    private static func check(_ rule: SyscallRule) throws(SeccompCompileError) -> CheckedRule {
        try validate(rule.action, syscall: rule.syscall)
        var predicates: [(index: Int, predicate: SeccompPredicate)] = []
        for condition in rule.conditions {
            guard (0...5).contains(condition.index) else {
                throw .invalidArgumentIndex(syscall: rule.syscall, index: condition.index)
            }
            if predicates.contains(where: { $0.index == condition.index }) {
                throw .duplicateArgument(syscall: rule.syscall, index: condition.index)
            }
            predicates.append((condition.index, try SeccompPredicate(condition, syscall: rule.syscall)))
        }
        return CheckedRule(action: rule.action, report: rule.report, predicates: predicates)
    }

    private static func planSyscall(_ name: String, number: Int32, rules: [SyscallRule],
                                    defaultAction: SeccompAction) throws(SeccompCompileError) -> [PlannedRule] {
        var checked: [CheckedRule] = []
        for rule in rules { checked.append(try check(rule)) }

        let unconditional = checked.filter { $0.predicates.isEmpty }
        let conditional = checked.filter { !$0.predicates.isEmpty }

        // The AND of the predicates as libseccomp rules: the product of each predicate's alternatives.
        func expand(_ predicates: [(index: Int, predicate: SeccompPredicate)], action: SeccompAction, report: Bool)
            throws(SeccompCompileError) -> [PlannedRule] {
            var product: [[SeccompComparison]] = [[]]
            for (index, predicate) in predicates {
                let alternatives = predicate.alternatives(argument: UInt32(index))
                let count = product.count * alternatives.count
                if count > maxAlternatives { throw .tooManyAlternatives(syscall: name, count: count) }
                product = product.flatMap { prefix in alternatives.map { prefix + [$0] } }
            }
            return product.map { PlannedRule(syscall: name, number: number, action: action, comparisons: $0, report: report) }
        }

        if let general = unconditional.first {
            if let other = unconditional.first(where: { $0.action != general.action }) {
                throw .conflictingActions(syscall: name, general.action, other.action)
            }
            let exceptions = conditional.filter { $0.action != general.action }
            guard exceptions.count <= 1 else { throw .unsupportedExceptions(syscall: name, count: exceptions.count) }
            guard let exception = exceptions.first else {
                // Conditional rules with the general action are subsumed by it.
                return [PlannedRule(syscall: name, number: number, action: general.action, comparisons: [], report: general.report)]
            }
            // exception → its action; NOT exception = OR of the negated conditions → the general action.
            var result = try expand(exception.predicates, action: exception.action, report: exception.report)
            for (index, predicate) in exception.predicates {
                result += try expand([(index, predicate.negated)], action: general.action, report: general.report)
            }
            return result
        }

        for (i, a) in conditional.enumerated() {
            for b in conditional[(i + 1)...] where a.action != b.action && !a.isDisjoint(from: b) {
                throw .ambiguousRules(syscall: name, a.action, b.action)
            }
        }
        var result: [PlannedRule] = []
        for rule in conditional where rule.action != defaultAction || rule.report {
            result += try expand(rule.predicates, action: rule.action, report: rule.report)
        }
        return result
    }
}

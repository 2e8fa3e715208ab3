/// Questions about one argument value, answered the way the filter compiles (`SeccompRulePlanner` in the
/// Bulkhead module): a syscall with rules takes its actions from them only; an unconditional rule is its
/// general case and one conditional rule with another action is an exception that wins where it
/// matches; without an unconditional rule a call no rule matches gets the default action. Conditions on
/// other arguments are taken as satisfiable (a task chooses its arguments), so "may" errs towards open.
extension SeccompPolicy {
    /// Whether some call to `syscall` whose argument `index` is `value` may be let through.
    public func mayPermit(_ syscall: String, argument index: Int, equalTo value: UInt64) -> Bool {
        let rules = self.rules.filter { $0.syscall == syscall }
        if rules.isEmpty { return allow.contains(syscall) || defaultAction.letsThrough }
        // The rule's conditions on this argument hold (the others can be made to).
        func mayMatch(_ rule: SyscallRule) -> Bool {
            rule.conditions.allSatisfy { $0.index != index || $0.holds(for: value) }
        }
        // Every call with this value matches the rule, whatever the other arguments.
        func mustMatch(_ rule: SyscallRule) -> Bool {
            rule.conditions.allSatisfy { $0.index == index && $0.holds(for: value) }
        }
        if let general = rules.first(where: { $0.conditions.isEmpty }) {
            let exceptions = rules.filter { !$0.conditions.isEmpty && $0.action != general.action }
            if exceptions.contains(where: { $0.action.letsThrough && mayMatch($0) }) { return true }
            return general.action.letsThrough && !exceptions.contains(where: mustMatch)
        }
        if rules.contains(where: { $0.action.letsThrough && mayMatch($0) }) { return true }
        return defaultAction.letsThrough && !rules.contains(where: mustMatch)
    }

    /// Whether `syscall` is let through with no rule looking at its arguments: allowed by name (directly
    /// or through a group), by the default action, or by an unconditional rule without an exception.
    public func permitsWithoutConditions(_ syscall: String) -> Bool {
        let rules = self.rules.filter { $0.syscall == syscall }
        if rules.isEmpty { return allow.contains(syscall) || defaultAction.letsThrough }
        guard let general = rules.first(where: { $0.conditions.isEmpty }) else { return false }
        return general.action.letsThrough && !rules.contains { !$0.conditions.isEmpty && $0.action != general.action }
    }
}

extension ArgumentCondition {
    /// Whether the condition holds for an argument register holding `value`. A 32-bit condition compares
    /// the low 32 bits for equality and masks, as the compiled filter does; ordered comparisons are 64-bit
    /// there too (`SeccompPredicate`).
    public func holds(for value: UInt64) -> Bool {
        let low: UInt64 = 0xffff_ffff
        switch comparison {
        case .equal(let v): return (low32 ? value & low : value) == v
        case .notEqual(let v): return (low32 ? value & low : value) != v
        case .maskedEqual(let mask, let v): return value & (low32 ? mask & low : mask) == v
        case .less(let v): return value < v
        case .lessOrEqual(let v): return value <= v
        case .greater(let v): return value > v
        case .greaterOrEqual(let v): return value >= v
        }
    }
}

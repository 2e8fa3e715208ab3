/// One rule of the linter and one item of the exposure score: it looks at the resolved policy and
/// returns a finding for each spot that breaks the rule, located through the context.
///
/// A check for a new policy key is a new type conforming to this and a line in `PolicyLinter.checks`;
/// its rule's weight then joins the score (which moves every score: pin them again).
public protocol PolicyLintCheck: Sendable {
    var rule: LintRule { get }
    func findings(in context: LintContext) -> [LintFinding]
}

/// What a check sees: the resolved policy (after `extends` and group expansion, as it compiles) and
/// where each key of the files it came from was written.
public struct LintContext {
    public let policy: Policy
    let sources: PolicySourceMap

    init(policy: Policy, sources: PolicySourceMap) { self.policy = policy; self.sources = sources }

    /// The start of the linted file, for what no file writes at all (a missing limit).
    public var top: LintLocation { sources.top }

    /// The key at `path` (`["limits"]`) in the nearest file that writes it.
    public func key(_ path: [String]) -> LintLocation? { sources.keys(path).first.map(sources.location) }

    /// The value at `path` in the nearest file that writes it.
    public func value(_ path: [String]) -> LintLocation? { sources.values(path).first.map(sources.location) }

    /// The first item of the list at `path` whose text `matches`, the nearest file's first.
    public func listItem(_ path: [String], where matches: (String) -> Bool) -> LintLocation? {
        sources.items(path).first { PolicySourceMap.text($0.node).map(matches) ?? false }.map(sources.location)
    }

    /// The spot that lets one of `syscalls` through: a rule naming it (or a group holding it) with an
    /// action that lets calls through, unconditional rules first; else an `allow` item naming it; else
    /// the default action; else `seccomp: none`; else the top of the file.
    public func permitting(_ syscalls: [String]) -> LintLocation {
        if policy.seccomp == nil { return seccompNone }
        let wanted = Set(syscalls)
        func names(_ node: YAMLNode?) -> Bool {
            guard let node, let name = PolicySourceMap.text(node) else { return false }
            let members = name.hasPrefix("@") ? SyscallGroups.expand(name) ?? [] : [name]
            return !wanted.isDisjoint(with: members)
        }
        let rules = sources.items(["seccomp", "rules"]).filter { spot in
            guard names(PolicySourceMap.child("syscall", of: spot.node)?.value) else { return false }
            // No action is `allow`; only allow and log let calls through.
            let action = PolicySourceMap.child("action", of: spot.node).flatMap { PolicySourceMap.text($0.value) } ?? "allow"
            let word = action.split(separator: " ").first.map { $0.lowercased() } ?? ""
            return word == "allow" || word == "log"
        }
        if let rule = rules.first(where: { PolicySourceMap.child("when", of: $0.node) == nil }) ?? rules.first {
            return sources.location(rule)
        }
        if let item = sources.items(["seccomp", "allow"]).first(where: { names($0.node) }) { return sources.location(item) }
        return value(["seccomp", "default"]) ?? value(["seccomp"]) ?? top
    }

    /// The `seccomp: none` that removed the filter (the nearest file's; a parent's filter may be above it).
    public var seccompNone: LintLocation {
        sources.values(["seccomp"]).first { PolicySourceMap.text($0.node) == "none" }.map(sources.location) ?? top
    }

    /// A finding of `rule` at `location`, with the rule's severity and fix unless given.
    public func finding(
        _ rule: LintRule, at location: LintLocation, _ message: String, severity: LintSeverity? = nil,
        fix: String? = nil, badness: Double = 1
    ) -> LintFinding {
        LintFinding(
            rule: rule.id, severity: severity ?? rule.severity, location: location, message: message,
            fix: fix ?? rule.fix, badness: badness)
    }
}

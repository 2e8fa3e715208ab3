/// Static findings about a policy and its exposure score (`bulkhead policy lint`).
///
/// Every check looks at the policy as it compiles (after `extends` and group expansion), and locates
/// what it finds in the file where it was written (`PolicySourceMap`).
public enum PolicyLinter {
    /// Every check, in report order: the score table's rows. Adding one changes every score.
    public static let checks: [any PolicyLintCheck] = seccompChecks + [CapabilityLintCheck()] + accessChecks + limitChecks

    public static var rules: [LintRule] { checks.map(\.rule) }

    /// Lints the policy a command argument names (a shipped name or a file).
    public static func lint(_ reference: PolicyReference) throws(PolicyError) -> PolicyLint {
        var sources: [PolicySourceText] = []
        let policy: Policy
        switch reference {
        case .shipped(let name): policy = try PolicyLoader.loadShipped(name: name, sources: &sources)
        case .file(let path): policy = try PolicyLoader.load(path: path, sources: &sources)
        }
        return try lint(policy, sources: sources)
    }

    /// Lints policy text; `file` names it in locations and anchors relative `extends`.
    public static func lint(text: String, file: String) throws(PolicyError) -> PolicyLint {
        var sources = [PolicySourceText(location: file, text: text)]
        let policy = try PolicyLoader.load(text: text, file: file, sources: &sources)
        return try lint(policy, sources: sources)
    }

    static func lint(_ policy: Policy, sources: [PolicySourceText]) throws(PolicyError) -> PolicyLint {
        let context = LintContext(policy: policy, sources: try PolicySourceMap(sources: sources))
        let findings = checks.flatMap { $0.findings(in: context) }
        return PolicyLint(
            file: context.top.file, policy: policy, findings: findings,
            score: ExposureScore(rules: rules, findings: findings))
    }
}

/// What linting one policy found.
public struct PolicyLint: Sendable {
    /// The linted file as named (a path, or `shipped:NAME`).
    public var file: String
    public var policy: Policy
    /// In the order of `PolicyLinter.checks`.
    public var findings: [LintFinding]
    public var score: ExposureScore

    /// Whether a finding is at or above `severity`.
    public func hasFinding(atLeast severity: LintSeverity) -> Bool { findings.contains { $0.severity >= severity } }
}

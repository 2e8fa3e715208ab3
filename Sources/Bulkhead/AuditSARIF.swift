/// The audit as SARIF 2.1.0 (the OASIS static-analysis results format GitHub code scanning reads): one
/// rule per probe, one result per broken promise, located at the policy file, so that an escape shows
/// on the policy in a pull request.
extension AuditReport {
    public static let sarifSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

    /// - Parameters:
    ///   - policyURI: the policy file as the repository names it (relative to its root), or the shipped
    ///     policy's name.
    ///   - line: the line results point at: the policy's `audit:` key when it has one, else 1.
    public func sarif(policyURI: String, line: Int = 1) -> JSONValue {
        let rules: [JSONValue] = results.map { result in
            .object([
                ("id", .string(result.probe.id)),
                ("name", .string(result.probe.id)),
                ("shortDescription", .object([("text", .string("The task can \(result.probe.tries)"))])),
                ("fullDescription", .object([("text", .string(
                    "Audit probe \(result.probe.id) (\(result.probe.family.rawValue)): \(result.probe.tries). "
                        + "The policy promises it is blocked unless its audit: section excepts it with a reason."))])),
                ("help", .object([("text", .string("bulkhead audit --list; docs/audit.md"))])),
                ("defaultConfiguration", .object([("level", .string("error"))])),
            ])
        }
        let broken = results.enumerated().filter { !$0.element.promiseHolds }
        let findings: [JSONValue] = broken.map { index, result in
            let what = result.verdict.state == .error ? "could not be run" : "escaped"
            return .object([
                ("ruleId", .string(result.probe.id)),
                ("ruleIndex", .int(index)),
                ("level", .string("error")),
                ("message", .object([("text", .string(
                    "Under policy \(policyName), probe \(result.probe.id) \(what): \(result.verdict.evidence). "
                        + "Refuse it in the policy, or list it under audit.exceptions with a reason."))])),
                ("locations", .array([.object([
                    ("physicalLocation", .object([
                        ("artifactLocation", .object([("uri", .string(policyURI))])),
                        ("region", .object([("startLine", .int(max(1, line)))])),
                    ])),
                ])])),
            ])
        }
        let driver: JSONValue = .object([
            ("name", .string("bulkhead audit")),
            ("rules", .array(rules)),
        ])
        return .object([
            ("$schema", .string(Self.sarifSchema)),
            ("version", .string("2.1.0")),
            ("runs", .array([.object([("tool", .object([("driver", driver)])), ("results", .array(findings))])])),
        ])
    }
}

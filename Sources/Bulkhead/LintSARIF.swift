import BulkheadPolicy

/// `bulkhead policy lint --format sarif`: SARIF 2.1.0 (OASIS), the format code-scanning services read,
/// so each finding shows on its line of the policy file. One run; the driver lists every rule of the
/// linter (`PolicyLinter.rules`) whether or not it fired, and each result names its rule by id and
/// index. Columns count Unicode code points, as libyaml does, which the run declares.
public enum LintSARIF {
    public static let version = "2.1.0"
    public static let schema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

    public static func document(_ lint: PolicyLint, rules: [LintRule] = PolicyLinter.rules) -> JSONValue {
        let driver = JSONValue.object([
            ("name", .string("bulkhead")),
            ("fullName", .string("bulkhead policy lint")),
            (
                "rules",
                .array(
                    rules.map { rule in
                        .object([
                            ("id", .string(rule.id)),
                            ("name", .string(pascalCase(rule.id))),
                            ("shortDescription", .object([("text", .string(rule.title))])),
                            ("help", .object([("text", .string(rule.fix))])),
                            ("defaultConfiguration", .object([("level", .string(level(rule.severity)))])),
                            ("properties", .object([("exposureWeight", .int(rule.weight))]))
                        ])
                    })
            )
        ])
        let results = lint.findings.map { f -> JSONValue in
            var text = "\(f.message). Fix: \(f.fix)."
            if let from = f.location.inheritedFrom { text += " Inherited from \(from)." }
            return .object([
                ("ruleId", .string(f.rule)),
                ("ruleIndex", rules.firstIndex { $0.id == f.rule }.map { JSONValue.int($0) }),
                ("level", .string(level(f.severity))),
                ("message", .object([("text", .string(text))])),
                (
                    "locations",
                    .array([
                        .object([
                            (
                                "physicalLocation",
                                .object([
                                    ("artifactLocation", .object([("uri", .string(uri(f.location.file)))])),
                                    (
                                        "region",
                                        .object([
                                            ("startLine", .int(f.location.line)),
                                            ("startColumn", .int(f.location.column))
                                        ])
                                    )
                                ])
                            )
                        ])
                    ])
                )
            ])
        }
        return .object([
            ("version", .string(version)),
            ("$schema", .string(schema)),
            (
                "runs",
                .array([
                    .object([
                        ("tool", .object([("driver", driver)])),
                        ("columnKind", .string("unicodeCodePoints")),
                        ("results", .array(results)),
                        (
                            "properties",
                            .object([
                                ("exposureScore", .double(lint.score.value)),
                                ("exposureRating", .string(lint.score.rating))
                            ])
                        )
                    ])
                ])
            )
        ])
    }

    /// SARIF's level for a severity: the same three words.
    static func level(_ severity: LintSeverity) -> String { severity.rawValue }

    /// `seccomp-default-allow` → `SeccompDefaultAllow`, SARIF's customary rule name form.
    static func pascalCase(_ id: String) -> String {
        id.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// A relative path stays relative (code scanning resolves it against the repository); an absolute one
    /// becomes a file: URI. Bytes outside RFC 3986's unreserved set and '/' are percent-encoded.
    static func uri(_ path: String) -> String {
        var out = path.hasPrefix("/") ? "file://" : ""
        for byte in path.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if c.isASCII && (c.isLetter || c.isNumber || "-._~/".contains(c)) {
                out.append(c)
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }
}

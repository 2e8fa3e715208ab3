import BulkheadPolicy

/// `bulkhead policy lint`'s text and JSON forms (the SARIF form is `LintSARIF`). Both list the findings
/// in the linter's table order and the exposure score with what adds to it; the JSON schema is in
/// docs/lint.md.
public enum LintReport {
    /// One line per finding, as compilers write them (`FILE:LINE:COL: SEVERITY: MESSAGE [RULE]`, then
    /// the fix), then the score and the rows of the score table that add to it.
    public static func text(_ lint: PolicyLint) -> String {
        var out = ""
        for f in lint.findings {
            out += "\(f.location): \(f.severity.rawValue): \(f.message) [\(f.rule)]\n"
            if let from = f.location.inheritedFrom { out += "    inherited from \(from)\n" }
            out += "    fix: \(f.fix)\n"
        }
        let counts = LintSeverity.allCases.reversed().map { s in plural(lint.findings.filter { $0.severity == s }.count, s.rawValue) }
        out += "\(lint.file): exposure \(lint.score.text) of 10 (\(lint.score.rating)); \(counts.joined(separator: ", "))\n"
        let adding = lint.score.items.filter { $0.adds > 0 }
        if !adding.isEmpty {
            out += "  adds  weight  rule\n"
            for item in adding {
                out += "  " + pad(fixed2(item.adds), 4) + "  " + pad(String(item.rule.weight), 6) + "  " + item.rule.id + "\n"
            }
        }
        let quiet = lint.score.items.count - adding.count
        out += "  (\(plural(quiet, "other rule")) add nothing)\n"
        return out
    }

    /// The JSON report (docs/lint.md, "JSON").
    public static func json(_ lint: PolicyLint) -> JSONValue {
        .object([
            ("file", .string(lint.file)),
            ("policy", lint.policy.name.map(JSONValue.string)),
            (
                "exposure",
                .object([
                    ("score", .double(lint.score.value)),
                    ("rating", .string(lint.score.rating)),
                    (
                        "items",
                        .array(
                            lint.score.items.map { item in
                                .object([
                                    ("rule", .string(item.rule.id)),
                                    ("weight", .int(item.rule.weight)),
                                    ("badness", .double(rounded(item.badness))),
                                    ("adds", .double(rounded(item.adds)))
                                ])
                            })
                    )
                ])
            ),
            (
                "summary",
                .object(
                    LintSeverity.allCases.reversed().map { s in
                        (s.rawValue, .int(lint.findings.filter { $0.severity == s }.count))
                    })
            ),
            (
                "findings",
                .array(
                    lint.findings.map { f in
                        .object([
                            ("rule", .string(f.rule)),
                            ("severity", .string(f.severity.rawValue)),
                            ("file", .string(f.location.file)),
                            ("line", .int(f.location.line)),
                            ("column", .int(f.location.column)),
                            ("inheritedFrom", f.location.inheritedFrom.map(JSONValue.string)),
                            ("message", .string(f.message)),
                            ("fix", .string(f.fix))
                        ])
                    })
            )
        ])
    }

    /// Two decimals, so JSON shows 0.29 rather than 0.2857142857142857.
    static func rounded(_ x: Double) -> Double { (x * 100).rounded() / 100 }

    private static func fixed2(_ x: Double) -> String {
        let hundredths = Int((x * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    private static func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }

    private static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
}

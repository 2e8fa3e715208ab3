import BulkheadSystem
import BulkheadPolicy

/// Everything one audit found: each probe's verdict beside the policy's promise for it. Renders as the
/// terminal's table, as JSON (schema in docs/audit.md) and as JUnit XML.
public struct AuditReport: Sendable {
    public var policy: Policy
    public var results: [AuditResult]
    /// The plan's notes (best-effort protections not applied here).
    public var warnings: [String]
    public var wallSeconds: Double

    public init(policy: Policy, results: [AuditResult], warnings: [String], wallSeconds: Double) {
        self.policy = policy; self.results = results; self.warnings = warnings; self.wallSeconds = wallSeconds
    }

    /// Every promise holds: `bulkhead audit` exits 0, else 1.
    public var promisesHold: Bool { results.allSatisfy(\.promiseHolds) }
    public var policyName: String { policy.name ?? "unnamed" }

    public func count(_ state: AuditVerdict.State) -> Int { results.filter { $0.verdict.state == state }.count }

    public static func verdictText(_ result: AuditResult) -> String {
        switch result.verdict.state {
        case .blocked: return "blocked"
        case .escaped: return result.exception == nil ? "ESCAPED" : "escaped (excepted)"
        case .notApplicable: return "not applicable here"
        case .error: return "ERROR"
        }
    }

    // MARK: text

    /// The table: probe, what it tried, verdict, layer; then the evidence of what escaped or failed.
    public var table: String {
        let header = ["probe", "tries", "verdict", "layer"]
        let rows = results.map { result in
            [result.probe.id, result.probe.tries, Self.verdictText(result), result.verdict.layer?.summary ?? "-"]
        }
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in i == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count) }
                .joined(separator: "  ")
        }
        var out = [line(header)] + rows.map(line)
        let notes = results.filter { $0.verdict.state != .blocked }
        if !notes.isEmpty {
            out.append("")
            for result in notes {
                var note = "\(result.probe.id): \(result.verdict.evidence)"
                if let exception = result.exception, result.verdict.state == .escaped { note += " -- excepted: \(exception.reason)" }
                out.append(note)
            }
        }
        out.append("")
        out.append("policy \(policyName): \(count(.blocked)) blocked, \(count(.escaped)) escaped, \(count(.notApplicable)) not applicable, "
                   + "\(count(.error)) errors in \(OutcomeText.decimal(wallSeconds, digits: 1)) s; "
                   + (promisesHold ? "every promise holds" : "\(results.filter { !$0.promiseHolds }.count) promise(s) broken"))
        return out.joined(separator: "\n") + "\n"
    }

    // MARK: JSON

    public static let schemaVersion = 1

    public var json: JSONValue {
        let counts: JSONValue = .object([
            ("blocked", .int(count(.blocked))), ("escaped", .int(count(.escaped))),
            ("notApplicable", .int(count(.notApplicable))), ("error", .int(count(.error))),
        ])
        let probes: [JSONValue] = results.map(Self.json)
        return .object([
            ("schemaVersion", .int(Self.schemaVersion)),
            ("policy", .string(policyName)),
            ("promisesHold", .bool(promisesHold)),
            ("wallSeconds", .double(wallSeconds)),
            ("counts", counts),
            ("warnings", .array(warnings.map(JSONValue.string))),
            ("probes", .array(probes)),
        ])
    }

    private static func json(_ result: AuditResult) -> JSONValue {
        let layer: JSONValue = result.verdict.layer.map { .string($0.rawValue) } ?? .null
        let exception: JSONValue = result.exception.map { .string($0.reason) } ?? .null
        return .object([
            ("id", .string(result.probe.id)),
            ("family", .string(result.probe.family.rawValue)),
            ("tries", .string(result.probe.tries)),
            ("verdict", .string(result.verdict.state.rawValue)),
            ("layer", layer),
            ("evidence", .string(result.verdict.evidence)),
            ("exception", exception),
            ("promiseHolds", .bool(result.promiseHolds)),
            ("wallSeconds", .double(result.wallSeconds)),
        ])
    }

    // MARK: JUnit

    /// One testsuite named for the policy, one testcase per probe (classname the policy's name): a
    /// broken promise is a failure carrying the evidence, a probe that cannot be tried here is skipped,
    /// an error is an error. The shape GitHub Actions' test reporters, GitLab and Jenkins read.
    public var junit: String {
        let failures = results.filter { !$0.promiseHolds && $0.verdict.state != .error }.count
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let totals = "tests=\"\(results.count)\" failures=\"\(failures)\" errors=\"\(count(.error))\" "
            + "skipped=\"\(count(.notApplicable))\" time=\"\(seconds(wallSeconds))\""
        out += "<testsuites name=\"bulkhead audit\" \(totals)>\n"
        out += "  <testsuite name=\"\(XMLText.escaped(policyName))\" \(totals)>\n"
        for result in results {
            out += "    <testcase classname=\"\(XMLText.escaped(policyName))\" name=\"\(XMLText.escaped(result.probe.id))\" "
                + "time=\"\(seconds(result.wallSeconds))\">\n"
            let evidence = XMLText.escaped(result.verdict.evidence)
            switch result.verdict.state {
            case .escaped where result.exception == nil:
                out += "      <failure message=\"escaped: \(XMLText.escaped(result.probe.tries))\" type=\"escaped\">\(evidence)</failure>\n"
            case .error:
                out += "      <error message=\"\(evidence)\" type=\"error\">\(evidence)</error>\n"
            case .notApplicable:
                out += "      <skipped message=\"\(evidence)\"/>\n"
            case .escaped:
                let reason = XMLText.escaped(result.exception?.reason ?? "")
                out += "      <system-out>escaped, excepted by the policy: \(reason): \(evidence)</system-out>\n"
            case .blocked:
                out += "      <system-out>blocked by \(XMLText.escaped(result.verdict.layer?.summary ?? "?")): \(evidence)</system-out>\n"
            }
            out += "    </testcase>\n"
        }
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }

    private func seconds(_ value: Double) -> String { OutcomeText.decimal(value, digits: 3) }
}

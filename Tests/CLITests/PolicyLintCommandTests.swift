import Foundation
import Testing

/// `bulkhead policy lint` end to end: exit codes, the three formats, SARIF's required fields.
@Suite struct PolicyLintCommandTests {
    private func write(_ text: String) throws -> String {
        let path = CLI.temporaryPath("lint.yaml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// ptrace allowed (an error) and no limit of any kind (three warnings).
    static let openPolicy = "version: 1\nseccomp:\n  default: kill\n  allow: [read, write, exit_group, ptrace]\n"

    @Test func shippedPoliciesPassWithTheirScores() throws {
        for (name, score) in [("default", "1.1"), ("strict", "0.3"), ("tasks", "0.6"), ("policies/tasks.yaml", "0.6"),
                              ("network-client", "1.1"), ("build", "0.6")] {
            let result = try CLI.bulkhead(["policy", "lint", name])
            #expect(result.status == 0, "\(name): \(result.stderr)")
            #expect(result.stdout.contains(": exposure \(score) of 10 ("), "\(name): \(result.stdout)")
        }
        // tasks.yaml on disk extends the shipped default: its missing limits point at its extends line.
        let tasks = try CLI.bulkhead(["policy", "lint", "policies/tasks.yaml", "--format", "json"])
        #expect(tasks.status == 0)
        #expect(tasks.stdout.contains("\"file\": \"policies/tasks.yaml\""))
    }

    @Test func exitCodeFollowsFailOn() throws {
        let path = try write(Self.openPolicy)
        defer { unlink(path) }
        let text = try CLI.bulkhead(["policy", "lint", path])
        #expect(text.status == 1, "\(text.stderr)")
        #expect(text.stdout.hasPrefix("\(path):4:36: error: ptrace may be let through"), "\(text.stdout)")
        #expect(text.stdout.contains("[syscall-ptrace]") && text.stdout.contains("    fix: "))
        #expect(text.stdout.contains("syscall-ptrace\n") && text.stdout.contains("adds  weight  rule"), "\(text.stdout)")
        #expect(try CLI.bulkhead(["policy", "lint", path, "--fail-on", "never"]).status == 0)

        let warnings = try write("version: 1\nseccomp:\n  allow: [read]\n")
        defer { unlink(warnings) }
        #expect(try CLI.bulkhead(["policy", "lint", warnings]).status == 0)
        #expect(try CLI.bulkhead(["policy", "lint", warnings, "--fail-on", "warning"]).status == 1)
        #expect(try CLI.bulkhead(["policy", "lint", "strict", "--fail-on", "note"]).status == 1)
        #expect(try CLI.bulkhead(["policy", "lint", "strict", "--fail-on", "warning"]).status == 1)
        let notes = try write(
            "version: 1\nseccomp: { allow: [read] }\nlimits: { memory: 1GiB, processes: 8, wall: 1s, best-effort: [memory] }\n")
        defer { unlink(notes) }
        #expect(try CLI.bulkhead(["policy", "lint", notes, "--fail-on", "warning"]).status == 0)
        #expect(try CLI.bulkhead(["policy", "lint", notes, "--fail-on", "note"]).status == 1)
    }

    @Test func aPolicyThatDoesNotLoadIs125WithTheLocatedError() throws {
        let path = try write("version: 1\nseccomp:\n  allow: [ptrac]\n")
        defer { unlink(path) }
        for format in ["text", "json", "sarif"] {
            let result = try CLI.bulkhead(["policy", "lint", path, "--format", format])
            #expect(result.status == 125)
            #expect(result.stderr.hasPrefix("\(path):3:11: error: unknown syscall 'ptrac'"), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        #expect(try CLI.bulkhead(["policy", "lint", "/nonexistent.yaml"]).status == 125)
        #expect(try CLI.bulkhead(["policy", "lint", "default", "--format", "xml"]).status == 125)
        #expect(try CLI.bulkhead(["policy", "lint", "default", "--fail-on", "fatal"]).status == 125)
    }

    @Test func jsonListsFindingsAndTheScoreTable() throws {
        let path = try write(Self.openPolicy)
        defer { unlink(path) }
        let result = try CLI.bulkhead(["policy", "lint", path, "--format", "json"])
        #expect(result.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["file"] as? String == path)
        let findings = try #require(json["findings"] as? [[String: Any]])
        #expect(findings.map { $0["rule"] as? String } == ["syscall-ptrace", "no-memory-limit", "no-process-limit", "no-time-limit"])
        #expect(findings.first?["line"] as? Int == 4 && findings.first?["column"] as? Int == 36)
        #expect(findings.allSatisfy { $0["severity"] is String && $0["message"] is String && $0["fix"] is String })
        let summary = try #require(json["summary"] as? [String: Int])
        #expect(summary == ["error": 1, "warning": 3, "note": 0])
        let exposure = try #require(json["exposure"] as? [String: Any])
        let items = try #require(exposure["items"] as? [[String: Any]])
        let score = try #require(exposure["score"] as? Double)
        let sum = items.compactMap { $0["adds"] as? Double }.reduce(0, +)
        #expect(abs(sum - score) < 0.06 && score > 0, "\(score) \(sum)")
        #expect(items.first { $0["rule"] as? String == "syscall-ptrace" }?["badness"] as? Double == 1)
    }

    /// The properties SARIF 2.1.0's schema requires (sarifLog: version, runs; run: tool; tool: driver;
    /// toolComponent: name; reportingDescriptor: id; result: message; message: text), and what code
    /// scanning needs to show a result on its line.
    @Test func sarifHasTheSchemasRequiredFields() throws {
        let path = try write(Self.openPolicy + "capabilities: { keep: [sys_admin] }\n")
        defer { unlink(path) }
        let result = try CLI.bulkhead(["policy", "lint", path, "--format", "sarif"])
        #expect(result.status == 1)
        let log = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        #expect((log["$schema"] as? String)?.hasSuffix("sarif-schema-2.1.0.json") == true)
        let runs = try #require(log["runs"] as? [[String: Any]])
        #expect(runs.count == 1)
        let run = try #require(runs.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "bulkhead")
        let rules = try #require(driver["rules"] as? [[String: Any]])
        let ids = rules.compactMap { $0["id"] as? String }
        #expect(ids.count == rules.count && Set(ids).count == ids.count && ids.contains("syscall-ptrace"))
        for rule in rules {
            #expect((rule["shortDescription"] as? [String: Any])?["text"] is String)
            let level = (rule["defaultConfiguration"] as? [String: Any])?["level"] as? String
            #expect(["none", "note", "warning", "error"].contains(level ?? ""))
        }
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == 5)
        for item in results {
            let ruleId = try #require(item["ruleId"] as? String)
            let index = try #require(item["ruleIndex"] as? Int)
            #expect(ids.indices.contains(index) && ids[index] == ruleId)
            #expect(["none", "note", "warning", "error"].contains(item["level"] as? String ?? ""))
            #expect(((item["message"] as? [String: Any])?["text"] as? String)?.isEmpty == false)
            let locations = try #require(item["locations"] as? [[String: Any]])
            let physical = try #require(locations.first?["physicalLocation"] as? [String: Any])
            #expect((physical["artifactLocation"] as? [String: Any])?["uri"] as? String == "file://" + path)
            let region = try #require(physical["region"] as? [String: Any])
            #expect((region["startLine"] as? Int ?? 0) >= 1 && (region["startColumn"] as? Int ?? 0) >= 1)
        }
        let first = try #require(results.first)
        #expect(first["ruleId"] as? String == "syscall-ptrace" && first["level"] as? String == "error")
        let capability = try #require(results.first { $0["ruleId"] as? String == "dangerous-capability" })
        let region =
            ((capability["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["region"] as? [String: Any]
        #expect(region?["startLine"] as? Int == 5 && region?["startColumn"] as? Int == 24)
    }

    @Test func lintWorksUnprivileged() throws {
        guard CLI.canDropToNobody else { return }
        let result = try CLI.bulkheadAsNobody(["policy", "lint", "strict"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("shipped:strict: exposure 0.3 of 10 (tight)"), "\(result.stdout)")
    }
}

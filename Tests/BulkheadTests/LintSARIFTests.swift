import Testing
import BulkheadPolicy
@testable import Bulkhead

/// What the SARIF writer does to a policy path, which code scanning must resolve to the file.
@Suite struct LintSARIFTests {
    @Test func pathsBecomeURIReferences() {
        #expect(LintSARIF.uri("policies/build.yaml") == "policies/build.yaml")
        #expect(LintSARIF.uri("/srv/ci/my policy.yaml") == "file:///srv/ci/my%20policy.yaml")
        #expect(LintSARIF.uri("ci/é#1.yaml") == "ci/%C3%A9%231.yaml")
    }

    @Test func rulesAreNamedInPascalCaseAndResultsPointAtTheirRule() throws {
        #expect(LintSARIF.pascalCase("seccomp-default-allow") == "SeccompDefaultAllow")
        let lint = try PolicyLinter.lint(
            text: "version: 1\nseccomp: { default: kill, allow: [read, bpf] }\nlimits: { memory: 1G, processes: 1, cpu: 1s }\n",
            file: "p.yaml")
        let text = LintSARIF.document(lint).rendered()
        let index = try #require(PolicyLinter.rules.firstIndex { $0.id == "syscall-bpf" })
        #expect(text.contains("\"ruleId\": \"syscall-bpf\",\n          \"ruleIndex\": \(index),"), "\(text)")
        #expect(text.contains("\"startLine\": 2,\n                  \"startColumn\": 41"), "\(text)")
    }
}

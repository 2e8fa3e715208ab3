import Bulkhead
import BulkheadPolicy
import Foundation
import Testing

/// `RunRequest`: the decisions of `bulkhead run`, made by the library.
@Suite struct RunRequestTests {
    static func request(policy: String?, timeout: String? = nil) -> RunRequest {
        var request = RunRequest(policy: policy, timeout: timeout)
        // Not the test process's business: subreaping would adopt every other test's orphans.
        request.sweepsOrphans = false
        request.usesCache = false
        return request
    }

    @Test func aShippedNameRunsTheShippedPolicy() throws {
        let prepared = try Self.request(policy: "strict", timeout: "10s").prepare()
        defer { prepared.close() }
        #expect(prepared.reference == .shipped("strict"))
        #expect(prepared.policy.name == "strict")
        #expect(prepared.options.timeout == 10)
        #expect(prepared.notes.isEmpty)
        let result = try prepared.run([Array("/bin/true".utf8)])
        #expect(result.outcome == .exited(code: 0))
    }

    @Test func noPolicyIsTheEmbeddedDefault() throws {
        let prepared = try Self.request(policy: nil).prepare()
        defer { prepared.close() }
        #expect(prepared.reference == .shipped("default"))
        #expect(prepared.options.timeout == nil)
    }

    @Test func aBadTimeoutIsRefusedWithTheFormItExpects() throws {
        #expect {
            _ = try Self.request(policy: "strict", timeout: "soon").prepare()
        } throws: { error in
            guard case .timeout = error as? RunRequestError else { return false }
            return "\(error)".contains("--timeout soon") && "\(error)".contains("expected a duration")
        }
        #expect(throws: RunRequestError.self) { _ = try RunRequest.seconds("0s") }
        #expect(try RunRequest.seconds("1.5m") == 90)
        #expect(try RunRequest.seconds(nil) == nil)
    }

    /// The policy is reported first: it is what the user most likely got wrong, and the timeout of a
    /// policy that does not load means nothing.
    @Test func aBrokenPolicyIsLocatedAndComesBeforeTheTimeout() throws {
        let path = NSTemporaryDirectory() + "bulkhead-request-\(UUID().uuidString).yaml"
        try "version: 1\nname: broken\nlimits:\n  wal: 1s\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        #expect {
            _ = try Self.request(policy: path, timeout: "soon").prepare()
        } throws: { error in
            guard case .policy(let policyError) = error as? RunRequestError else { return false }
            return policyError.file == path && policyError.line == 4
        }
    }
}

import Testing
import TestSupport

@testable import BulkheadPolicy

/// The `audit:` key: what a policy promises `bulkhead audit`.
@Suite struct AuditPromiseTests {
    @Test func exceptionsLoadInFileOrder() throws {
        let policy = mustLoad("""
            version: 1
            audit:
              expect: blocked
              exceptions:
                - { probe: net-tcp4-loopback, reason: the build fetches dependencies }
                - probe: proc-see
                  reason: no pid namespace on this host
            """)
        #expect(policy.audit.expect == .blocked)
        #expect(policy.audit.exceptions == [
            .init(probe: "net-tcp4-loopback", reason: "the build fetches dependencies"),
            .init(probe: "proc-see", reason: "no pid namespace on this host"),
        ])
        #expect(policy.audit.exception(for: "proc-see")?.reason == "no pid namespace on this host")
        #expect(policy.audit.exception(for: "kern-bpf") == nil)
    }

    @Test func withoutTheKeyEveryProbeMustBeBlocked() {
        #expect(mustLoad("version: 1\n").audit == AuditPromise(expect: .blocked, exceptions: []))
    }

    @Test func anUnknownProbeIsALocatedErrorWithASuggestion() {
        let error = loadError("""
            version: 1
            audit:
              exceptions:
                - { probe: net-tcp4-loopbak, reason: x }
            """)
        #expect(error == "p.yaml:4:16: error: unknown probe 'net-tcp4-loopbak' (did you mean 'net-tcp4-loopback'?)")
    }

    @Test func badShapesAreLocatedErrors() {
        #expect(loadError("version: 1\naudit: { expect: escaped }\n")?
            .hasPrefix("p.yaml:2:18: error: unknown audit expectation 'escaped'") == true)
        #expect(loadError("version: 1\naudit: { exceptions: [{ probe: proc-see }] }\n")?
            .hasPrefix("p.yaml:2:23: error: the exception for 'proc-see' gives no reason") == true)
        #expect(loadError("version: 1\naudit: { exceptions: [{ reason: x }] }\n")?.contains("names no probe") == true)
        #expect(loadError("version: 1\naudit: { exceptions: [{ probe: proc-see, reason: \"  \" }] }\n")?.contains("empty reason") == true)
        #expect(loadError("version: 1\naudit: { exceptions: [{ probe: proc-see, reason: a }, { probe: proc-see, reason: b }] }\n")?
            .contains("excepted twice") == true)
        #expect(loadError("version: 1\naudit: { expekt: blocked }\n")?.contains("unknown key 'expekt'") == true)
    }

    @Test func aChildAddsExceptionsAndReplacesTheParentsForAProbe() throws {
        let dir = temporaryDirectory()
        writeFile(dir + "/base.yaml", """
            version: 1
            audit: { exceptions: [{ probe: proc-see, reason: parent }, { probe: kern-bpf, reason: parent }] }
            """)
        let policy = mustLoad("""
            version: 1
            extends: ./base.yaml
            audit: { exceptions: [{ probe: proc-see, reason: child }, { probe: res-cpu-spin, reason: child }] }
            """, file: dir + "/child.yaml")
        #expect(policy.audit.exceptions == [
            .init(probe: "proc-see", reason: "child"), .init(probe: "kern-bpf", reason: "parent"),
            .init(probe: "res-cpu-spin", reason: "child"),
        ])
    }

    @Test func printedAndCachedFormsLoadBackEqual() throws {
        let policy = mustLoad("""
            version: 1
            audit: { exceptions: [{ probe: proc-see, reason: "no pid namespace: \\"see\\" it" }] }
            """)
        #expect(try PolicyLoader.load(text: PolicyPrinter.yaml(policy), file: "x") == policy)
        #expect(PolicyCodec.decode(PolicyCodec.encode(policy)) == policy)
    }

    @Test func theShippedPoliciesPromiseEverythingBlocked() throws {
        for name in ["default", "strict"] {
            #expect(try PolicyReference.of(name).load().policy.audit == AuditPromise())
        }
    }
}

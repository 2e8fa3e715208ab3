import SystemPackage
@testable import Bulkhead
import BulkheadPolicy
import CLaunch
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The namespace probe's forked helper reports what failed and where, or nothing when all worked.
@Suite struct HostProbeTests {
    @Test func aPlainChildWorks() {
        #expect(HostCheck.probe(0) == nil)
    }

    @Test func aRefusedCloneNamesTheStepAndErrno() throws {
        // clone(2): CLONE_NEWUSER together with CLONE_FS is EINVAL, for every caller.
        let failure = try #require(HostCheck.probe(0x1000_0000 | 0x0000_0200))
        #expect(failure.errno == .invalidArgument)
        #expect(failure.text.hasSuffix("at clone"), "\(failure.text)")
        #expect(failure.killedBy == nil)
    }

    @Test func droppingToAnotherUidNeedsRoot() throws {
        let failure = HostCheck.probe(0, as: (65534, 65534))
        if geteuid() == 0 && Capabilities.holds(Capabilities.current().effective, CapabilityNames.setuid) {
            #expect(failure == nil)
        } else {
            #expect(failure?.errno == .notPermitted)
            #expect(failure?.text.hasSuffix("dropping to the probe's uid") == true)
        }
    }

    @Test func everyFindingHasAnIDOnce() {
        let report = HostCheck.run()
        let ids = report.findings.map(\.id)
        #expect(Set(ids).count == ids.count)
        #expect(report.policies.map(\.name) == ShippedPolicies.names)
        #expect(report.exitCode == (report.policies.allSatisfy(\.canRun) ? 0 : 1))
    }
}

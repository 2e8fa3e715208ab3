@testable import Bulkhead
import BulkheadPolicy
import Foundation
import Testing

/// A sweep that cannot list bulkhead's children must say so: before, a listing that failed (EMFILE,
/// after a task lowered bulkhead's descriptor limit) read as "no children", and a setsid'd descendant
/// outlived bulkhead. These sweepers read files of the test's own instead of a children list, so they
/// never kill anything; the test process is not made a subreaper.
@Suite struct OrphanSweeperTests {
    private func sweeper(reading text: String) throws -> (OrphanSweeper, Int32) {
        let path = NSTemporaryDirectory() + "bulkhead-children-\(UUID().uuidString)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        unlink(path)
        return (OrphanSweeper(childrenDescriptor: fd), fd)
    }

    @Test func anEmptyListIsACleanSweep() throws {
        let (sweeper, fd) = try sweeper(reading: "")
        defer { close(fd) }
        #expect(try sweeper.sweep().get() == 0)
    }

    @Test func aListThatCannotBeReadIsAFailure() throws {
        let closed = OrphanSweeper(childrenDescriptor: -1)
        guard case .failure(let failure) = closed.sweep() else { Issue.record("a sweep without a list succeeded"); return }
        #expect(failure.description.contains("EBADF"))
        let (garbled, fd) = try sweeper(reading: "12 x4\n")
        defer { close(fd) }
        guard case .failure = garbled.sweep() else { Issue.record("an unreadable list was taken for a list"); return }
    }

    @Test func aFailedSweepMakesTheRunAFailure() throws {
        var policy = Policy()
        policy.environment = EnvironmentPolicy(clear: true, set: [EnvironmentVariable(name: "PATH", value: "/usr/bin:/bin")])
        let plan = try SandboxPlan(policy: policy, launcherEnvironment: [:])
        let result = try plan.run(["/bin/true"], options: RunOptions(sweepOrphans: OrphanSweeper(childrenDescriptor: -1)))
        #expect(result.outcome == .exited(code: 0))
        #expect(result.cleanupError?.contains("cannot list") == true)
        #expect(result.exitCode == ExitCodes.launcherFailed)
        let report = RunReport(result: result, policy: policy, policySource: "test", command: ["/bin/true"]).json.rendered()
        #expect(report.contains("\"cleanupError\""))
    }
}

import Bulkhead
import BulkheadPolicy
import Foundation
import SystemPackage
import Testing

/// Pid namespace launches through the library, from a multi-threaded process: the launch waits on its
/// pipe instead of CLONE_VFORK, and several run at once from several threads.
@Suite struct PidNamespaceLaunchTests {
    static func policy(_ kinds: [NamespaceKind]) -> Policy {
        var policy = TaskRunner.bare()
        policy.namespaces = NamespacePolicy(enabled: kinds)
        return policy
    }

    @Test func theTaskIsPidTwoAndItsEndingIsItsOwn() throws {
        let ran = try TaskRunner.run(["sh", "-c", "echo $$; exit 9"], policy: Self.policy([.pid]))
        #expect(ran.output == "2\n")
        #expect(ran.result.outcome == .exited(code: 9))
        #expect(ran.result.namespaces.contains("pid") && ran.result.namespaces.contains("mount"))
        let killed = try TaskRunner.run(["sh", "-c", "kill -KILL $$"], policy: Self.policy([.pid]))
        #expect(killed.result.outcome == .signaled(signal: SIGKILL, coreDumped: false))
        let timedOut = try TaskRunner.run(["sleep", "30"], policy: Self.policy([.pid]), timeout: 0.3)
        #expect(timedOut.result.outcome == .timedOut(limitSeconds: 0.3))
    }

    @Test func aSetupFailureOfTheTaskNamesItsStage() throws {
        var policy = Self.policy([.pid, .uts])
        policy.workdir = "/nonexistent-bulkhead-dir"
        let result = try TaskRunner.run(["true"], policy: policy)
        #expect(result.result.outcome == .setupFailed(stage: .workdir, errno: .noSuchFileOrDirectory))
        let missing = try TaskRunner.run(["/nonexistent-bulkhead-command"], policy: Self.policy([.pid]))
        #expect(missing.result.outcome == .setupFailed(stage: .exec, errno: .noSuchFileOrDirectory))
        let notExecutable = try TaskRunner.run(["/etc/passwd"], policy: Self.policy([.pid]))
        #expect(notExecutable.result.outcome == .setupFailed(stage: .exec, errno: .permissionDenied))
    }

    @Test func launchesFromSeveralThreadsAtOnce() async throws {
        let plan = try SandboxPlan(policy: Self.policy([.pid, .net, .uts]), launcherEnvironment: [String: String]())
        let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
            for index in 0..<8 {
                group.addTask { try plan.run(["/bin/sh", "-c", "exit \(index)"]).outcome }
            }
            var all: [Outcome] = []
            for try await outcome in group { all.append(outcome) }
            return all
        }
        #expect(Set(outcomes.map(\.exitCode)) == Set(0..<8))
    }

    @Test func aFileSystemViewIsBuiltInTheNamespaceInit() throws {
        // The view is made by init, before the task is forked: its /proc is the pid namespace's.
        let exec = ["/usr", "/bin", "/lib", "/lib64"].filter { FileManager.default.fileExists(atPath: $0) }
        let plan = try SandboxPlan(policy: Self.policy([.pid]), launcherEnvironment: [[UInt8]](), mountView: MountView(exec: exec))
        let script = "echo $$; ls /proc | grep -cE '^[0-9]+$'; test -e /root || echo hidden"
        let (result, output) = try TaskRunner.run(bytes: [Array("/bin/sh".utf8), Array("-c".utf8), Array(script.utf8)], plan: plan)
        #expect(result.outcome == .exited(code: 0))
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
        #expect(lines.first == "2")
        #expect(lines.count == 3 && (Int(lines[1]) ?? 99) <= 5 && lines[2] == "hidden", "\(lines)")
    }
}

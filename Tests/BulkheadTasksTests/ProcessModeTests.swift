import Bulkhead
import BulkheadPolicy
import BulkheadTasks
import Foundation
import TestSupport
import Testing

/// Process mode in the test process: every task is `bulkhead __task SPEC` under the shipped `tasks`
/// policy, so faults stay in their own process and the runner just reports them.
@Suite struct ProcessModeTests {
    static func run(_ tasks: [String], timeout: Double? = nil) throws -> [TaskResult] {
        let plan = try SandboxPlan(policy: try PolicyLoader.loadShipped(name: "tasks"),
                                   launcherEnvironment: ProcessEnvironment.current())
        defer { plan.close() }
        let results = try ProcessModeRunner.run(tasks, plan: plan, executable: BuiltBinaries.bulkhead, timeout: timeout)
        #expect(results.map(\.name) == tasks, "results come back in input order")
        #expect(results.allSatisfy { $0.mode == .process && $0.outcome != nil })
        return results
    }

    #if arch(x86_64)
    static let trapSignal = SIGILL
    #else
    static let trapSignal = SIGTRAP
    #endif

    @Test(arguments: [("crash-segv", Outcome.signaled(signal: SIGSEGV, coreDumped: false)),
                      ("crash-abort", .signaled(signal: SIGABRT, coreDumped: false)),
                      ("crash-trap", .signaled(signal: trapSignal, coreDumped: false)),
                      ("stack-overflow", .signaled(signal: SIGSEGV, coreDumped: false)),
                      ("exit-early", .exited(code: 3))])
    func aFaultStaysInItsProcess(fault: String, outcome: Outcome) throws {
        let results = try Self.run(["compute", fault, "sleep:0.2"])
        #expect(results[0].succeeded && results[0].summary == "ok: 17984 primes below 200000", "\(results[0])")
        #expect(results[1].outcome == outcome, "\(results[1])")
        #expect(!results[1].succeeded)
        #expect(results[2].succeeded)
    }

    @Test func hangEndsAtTheTimeout() throws {
        let results = try Self.run(["hang", "sleep:0.1"], timeout: 1)
        #expect(results[0].outcome == .timedOut(limitSeconds: 1), "\(results[0])")
        #expect(results[0].summary.contains("timed out"))
        #expect(results[1].succeeded)
    }

    @Test func memoryHogIsStoppedByTheLimit() throws {
        let results = try Self.run(["memory-hog", "compute"])
        let hog = results[0]
        if case .limitExceeded(.memory, _) = hog.outcome! {
            // A memory cgroup (root, or delegated controllers): the OOM kill is the limit.
        } else {
            // No cgroup: RLIMIT_AS (best-effort) refuses the allocation and the task reports it.
            #expect(hog.outcome == .exited(code: 1), "\(hog)")
            #expect(hog.summary.contains("allocation refused"), "\(hog)")
        }
        #expect(!hog.succeeded)
        #expect((hog.peakRSSBytes ?? 0) < 400 << 20, "held near the 256 MiB limit: \(hog)")
        #expect(results[1].succeeded)
    }

    @Test func forkBombIsContained() throws {
        let results = try Self.run(["fork-bomb", "compute"])
        #expect(results[0].summary.contains("refused after"), "\(results[0])")
        #expect(!results[0].succeeded)
        #expect(results[1].succeeded)
    }

    @Test func fdLeakIsContained() throws {
        let results = try Self.run(["fd-leak", "file-roundtrip"])
        #expect(results[0].outcome == .exited(code: 1))
        #expect(results[0].summary.contains("open refused after 25"), "\(results[0])")   // open-files: 256
        #expect(results[1].succeeded, "\(results[1])")
    }

    @Test func sharedStateFaultsChangeOnlyTheirOwnProcess() throws {
        let results = try Self.run(["scribble", "chdir", "setenv", "umask", "close-fds", "compute", "file-roundtrip", "hash-file"])
        for fault in results[0..<5] {
            #expect(fault.outcome == .exited(code: 1) && !fault.succeeded, "\(fault)")
        }
        #expect(results[4].summary.contains("closed 0 descriptors"), "nothing to take in its own process: \(results[4])")
        for workload in results[5...] {
            #expect(workload.succeeded, "\(workload)")
        }
    }

    @Test func theReportShowsTheOutcomeKind() throws {
        let results = try Self.run(["crash-segv", "compute"])
        let json = TaskTable.json(results, mode: .process, policy: "tasks").rendered()
        let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        let tasks = decoded["tasks"] as! [[String: Any]]
        #expect((tasks[0]["outcome"] as? [String: Any])?["kind"] as? String == "signaled")
        #expect(tasks[1]["succeeded"] as? Bool == true)
        #expect(tasks[1]["peakRSSBytes"] is NSNumber)
        let table = TaskTable.render(results)
        #expect(table.contains("FAILED killed by SIGSEGV") && table.contains("ok: 17984 primes"))
    }
}

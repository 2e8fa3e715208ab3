import Bulkhead
import BulkheadTasks
import Testing
import TestSupport

/// `TaskRun`: the decisions of `bulkhead task run`, made by the library.
@Suite struct TaskRunTests {
    static func refusal(_ run: TaskRun) -> String? {
        do { _ = try run.run(); return nil } catch {
            guard case .refused(let message) = error else { return "not a refusal: \(error)" }
            return message
        }
    }

    @Test func argumentsAreCheckedBeforeAnyTaskRuns() {
        #expect(Self.refusal(TaskRun(tasks: [], mode: .thread))?.contains("no task given") == true)
        #expect(Self.refusal(TaskRun(tasks: ["compute", "comptue"], mode: .process))?.contains("did you mean 'compute'?") == true)
        #expect(Self.refusal(TaskRun(tasks: ["compute"], mode: .thread, policy: "tasks"))?.contains("--mode process only") == true)
        #expect(Self.refusal(TaskRun(tasks: ["compute"], mode: .thread, timeout: "0s"))?.contains("must be more than zero") == true)
    }

    @Test func aMissingPolicyFileIsAPolicyError() {
        #expect {
            _ = try TaskRun(tasks: ["compute"], mode: .process, policy: "./no-such-policy.yaml",
                            executable: BuiltBinaries.bulkhead).run()
        } throws: { error in
            guard case .policy(let policyError) = error as? TaskRunError else { return false }
            return policyError.file.hasSuffix("no-such-policy.yaml")
        }
    }

    @Test func processModeRunsEveryTaskUnderTheTasksPolicy() throws {
        var seen: [String] = []
        let finished = try TaskRun(tasks: ["compute", "exit-early"], mode: .process, timeout: "20s",
                                   executable: BuiltBinaries.bulkhead).run(progress: { seen.append($0.name) })
        #expect(finished.policyName == "tasks")
        #expect(finished.results.map(\.name) == ["compute", "exit-early"])
        #expect(finished.results[0].succeeded)
        #expect(finished.results[1].outcome == .exited(code: 3))
        #expect(!finished.allSucceeded)
        #expect(seen == ["compute", "exit-early"])
    }

    @Test func threadModeReportsEachTaskAsItFinishes() throws {
        var seen: [String] = []
        let finished = try TaskRun(tasks: ["compute"], mode: .thread).run(progress: { seen.append($0.name) })
        #expect(finished.policyName == nil)
        #expect(finished.allSucceeded)
        #expect(seen == ["compute"])
    }
}

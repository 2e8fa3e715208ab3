import Foundation
import Testing

/// `bulkhead task ...` and the examples, through the built binary.
@Suite struct TaskCommandTests {
    @Test func listShowsEveryTaskWithItsKind() throws {
        let result = try CLI.bulkhead(["task", "list"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("crash-segv") && result.stdout.contains("shared-state"))
        #expect(result.stdout.split(separator: "\n").count >= 18)
    }

    @Test func unknownTaskIsRefusedWithASuggestion() throws {
        let result = try CLI.bulkhead(["task", "run", "compuet", "--mode", "process"])
        #expect(result.status == 125)
        #expect(result.stderr.contains("did you mean 'compute'"), "\(result.stderr)")
    }

    @Test func hiddenEntryPointRunsOneTask() throws {
        let ok = try CLI.bulkhead(["__task", "compute:1000"])
        #expect(ok.status == 0 && ok.stdout.contains("168 primes below 1000"), "\(ok.stdout)")
        let segv = try CLI.bulkhead(["__task", "crash-segv"])
        #expect(segv.status == 128 + SIGSEGV)
        let help = try CLI.bulkhead(["--help"])
        #expect(!help.stdout.contains("__task"))
    }

    @Test func processModeTableExitCodeAndReport() throws {
        let report = NSTemporaryDirectory() + "bulkhead-tasks-report-\(getpid()).json"
        defer { try? FileManager.default.removeItem(atPath: report) }
        let good = try CLI.bulkhead(["task", "run", "compute", "sleep:0.1", "--mode", "process"])
        #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
        #expect(good.stdout.contains("PEAK RSS") && good.stdout.contains("ok: 17984 primes below 200000"))
        let bad = try CLI.bulkhead(["task", "run", "compute", "crash-segv", "--mode", "process", "--report", report])
        #expect(bad.status == 1, "\(bad.stdout)\(bad.stderr)")
        #expect(bad.stdout.contains("killed by SIGSEGV"))
        let decoded = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as! [String: Any]
        let tasks = decoded["tasks"] as! [[String: Any]]
        #expect(tasks.map { $0["name"] as? String } == ["compute", "crash-segv"])
        #expect((tasks[1]["outcome"] as? [String: Any])?["kind"] as? String == "signaled")
    }

    @Test func threadModeReportSurvivesAChdir() throws {
        let report = "bulkhead-tasks-thread-report-\(getpid()).json"   // relative: resolved before chdir runs
        defer { try? FileManager.default.removeItem(atPath: CLI.packageDirectory + "/" + report) }
        let result = try CLI.bulkhead(["task", "run", "chdir", "compute", "--mode", "thread", "--report", report])
        #expect(result.status == 1)
        let data = try Data(contentsOf: URL(fileURLWithPath: CLI.packageDirectory + "/" + report))
        let decoded = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        #expect((decoded["tasks"] as! [[String: Any]]).count == 2)
        #expect(decoded["mode"] as? String == "thread")
    }

    @Test(arguments: [("default", "fork.py", 0), ("default", "threads.py", 0), ("strict", "threads.py", 0), ("strict", "fork.py", 159)])
    func examplesUnderPolicies(policy: String, example: String, status: Int32) throws {
        let result = try CLI.bulkhead(["run", "--quiet", "--policy", policy, "--", "python3", "examples/" + example])
        #expect(result.status == status, "\(result.stdout)\(result.stderr)")
        if example == "threads.py" { #expect(result.stdout.contains("joined worker-0, worker-1, worker-2")) }
        if example == "fork.py", status == 0 { #expect(result.stdout.contains("child ")) }
        if status == 159 { #expect(result.stdout.hasPrefix("parent ") && !result.stdout.contains("child ")) }
    }
}

import Bulkhead
import BulkheadTasks
import Foundation
import TestSupport
import Testing

/// Child output as the task commands print it (the contract of `bulkhead task run`).
private enum Canned {
    static let tasks = ContainmentRun.demoTasks
    static let threadStdout = """
    task-done compute ok sum of 1e6 squares in 12ms
    some other line the child printed
    task-done hash-file ok sha256 9f86d081 in 3ms
    task-d
    """
    static let processReport = """
    {"tasks": [
      {"name": "compute", "mode": "process", "succeeded": true, "summary": "exited with code 0", \
    "wallSeconds": 0.01, "peakRSSBytes": 1000, "outcomeKind": "exited"},
      {"name": "hash-file", "mode": "process", "succeeded": true, "summary": "exited with code 0", \
    "wallSeconds": 0.01, "peakRSSBytes": 1000, "outcomeKind": "exited"},
      {"name": "crash-segv", "mode": "process", "succeeded": false, "summary": "killed by SIGSEGV (core dumped) \\u2014 wall 5ms", \
    "wallSeconds": 0.005, "peakRSSBytes": 1000, "outcomeKind": "signaled"},
      {"name": "sleep:0.2", "mode": "process", "succeeded": true, "summary": "exited with code 0", \
    "wallSeconds": 0.2, "peakRSSBytes": 1000, "outcomeKind": "exited"},
      {"name": "allocate:16", "mode": "process", "succeeded": true, "summary": "exited with code 0", \
    "wallSeconds": 0.02, "peakRSSBytes": 17000000, "outcomeKind": "exited"},
      {"name": "compute", "mode": "process", "succeeded": true, "summary": "exited with code 0", \
    "wallSeconds": 0.01, "peakRSSBytes": 1000, "outcomeKind": "exited"}
    ]}
    """
}

@Suite("Containment output parsing")
struct ContainmentParsingTests {
    @Test func progressLinesSkipNoiseAndACutOffLine() {
        let lines = ContainmentParser.progressLines(Canned.threadStdout)
        #expect(lines.map(\.name) == ["compute", "hash-file"])
        #expect(lines.allSatisfy { $0.succeeded })
        #expect(lines[0].summary == "sum of 1e6 squares in 12ms")
        #expect(ContainmentParser.progressLines("task-done x failed boom\ntask-done y maybe\n")
                == [.init(name: "x", succeeded: false, summary: "boom")])
    }

    @Test func threadModeCrashLosesTheRest() {
        let run = ContainmentRun.fromThreadMode(tasks: Canned.tasks, stdout: "task-done compute ok fine\n", stderr: "",
                                                exitCode: nil, signal: SIGSEGV, wallSeconds: 0.1)
        #expect(run.sentence == "host process killed by SIGSEGV after 1 of 6 tasks; 5 results lost")
        #expect(!run.contained && run.lost == 5)
    }

    @Test func processModeContainsTheCrash() throws {
        let run = ContainmentRun.fromProcessMode(tasks: Canned.tasks, report: Canned.processReport, stderr: "",
                                                 exitCode: 1, signal: nil, wallSeconds: 0.4)
        #expect(run.unavailable == nil)
        #expect(run.results.count == 6 && run.succeeded == 5)
        #expect(run.results[2].outcomeKind == "signaled")
        #expect(run.sentence == "6 tasks, 5 succeeded, 1 killed by SIGSEGV, contained")
        #expect(run.contained)
    }

    @Test func missingTaskCommandsAreReportedNotGuessed() {
        let thread = ContainmentRun.fromThreadMode(tasks: Canned.tasks, stdout: "",
                                                   stderr: "bulkhead: Error: Unknown option '--mode'\nUsage...",
                                                   exitCode: 125, signal: nil, wallSeconds: 0.01)
        #expect(thread.unavailable == "this bulkhead has no task commands (bulkhead: Error: Unknown option '--mode')")
        let process = ContainmentRun.fromProcessMode(tasks: Canned.tasks, report: nil, stderr: "", exitCode: 125, signal: nil,
                                                     wallSeconds: 0.01)
        #expect(process.unavailable != nil)
        #expect(ContainmentRun.rows(thread: thread, process: process).isEmpty)
    }

    @Test func independenceRowsFromBothRuns() {
        let thread = ContainmentRun.fromThreadMode(tasks: Canned.tasks, stdout: "task-done compute ok fine\n", stderr: "",
                                                   exitCode: nil, signal: SIGSEGV, wallSeconds: 0.1)
        let process = ContainmentRun.fromProcessMode(tasks: Canned.tasks, report: Canned.processReport, stderr: "",
                                                     exitCode: 1, signal: nil, wallSeconds: 0.4)
        let rows = ContainmentRun.rows(thread: thread, process: process)
        #expect(rows.count == 2 && rows.allSatisfy { $0.topic == .independence })
        guard case .yesNo(false)? = rows[0].thread, case .yesNo(true)? = rows[0].process else {
            Issue.record("survival row: \(rows[0])"); return
        }
        guard case .text("1 of 6")? = rows[1].thread else { Issue.record("results row: \(rows[1])"); return }
    }

    @Test func jsonReaderReadsWhatJSONValueWrites() throws {
        let value = JSONValue.object([("a", .array([.int(1), .double(2.5), .bool(true), .null])), ("s", .string("q\"\\\n\u{1}µ"))])
        let node = try #require(JSONNode.parse(value.rendered()))
        #expect(node["a"]?.array == [.number(1), .number(2.5), .bool(true), .null])
        #expect(node["s"]?.string == "q\"\\\n\u{1}µ")
        #expect(JSONNode.parse("{\"a\": [1, 2}") == nil)
        #expect(JSONNode.parse("{} trailing") == nil)
    }
}

/// `bulkhead demo` run as a child of the test, as a user would run it.
private enum DemoBinary {
    /// Runs `bulkhead demo --quick` with a report and a chart; returns the parsed report, the SVG and stdout.
    static func runDemo() throws -> (report: [String: Any], svg: String, stdout: String) {
        let base = NSTemporaryDirectory() + "bulkhead-demo-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: base + ".json"); try? FileManager.default.removeItem(atPath: base + ".svg") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltBinaries.bulkhead)
        process.arguments = ["demo", "--quick", "--report", base + ".json", "--chart", base + ".svg"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "bulkhead demo failed:\n\(stdout)")
        let data = try Data(contentsOf: URL(fileURLWithPath: base + ".json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (report, try String(contentsOfFile: base + ".svg", encoding: .utf8), stdout)
    }
}

@Suite("bulkhead demo report", .serialized)
struct DemoReportTests {
    @Test func everyMeasuredRowIsInTheReportWithUnitsAndPositiveMedians() throws {
        let (report, svg, stdout) = try DemoBinary.runDemo()
        let rows = try #require(report["rows"] as? [[String: Any]])
        let labels = rows.compactMap { $0["label"] as? String }
        for expected in ["start a unit and wait for it", "fork+exec+wait /bin/true", "posix_spawn+wait /bin/true",
                         "bulkhead sandboxed launch of /bin/true (strict)", "bulkhead run --policy strict -- /bin/true",
                         "switch: 1-byte pipe ping-pong on one CPU", "pass 1 MiB through shared memory",
                         "pass 1 MiB through a pipe", "a write to private memory is seen by the other unit"] {
            #expect(labels.contains(expected), "missing row \(expected)")
        }
        for row in rows {
            let unit = try #require(row["unit"] as? String)
            #expect(!unit.isEmpty)
            for side in ["thread", "process"] {
                guard let figure = row[side] as? [String: Any] else { continue }   // null: no counterpart
                if let median = figure["median"] as? Double {
                    let p10 = try #require(figure["p10"] as? Double), p90 = try #require(figure["p90"] as? Double)
                    #expect(median > 0 && p10 <= median && median <= p90, "\(row["label"] ?? "?") \(side)")
                    #expect(["ns", "µs", "ms", "s"].contains(unit))
                } else {
                    #expect(figure["answer"] is String, "\(row["label"] ?? "?") \(side): neither a figure nor an answer")
                }
            }
        }
        #expect((report["containment"] as? [[String: Any]])?.count == 2)
        #expect(svg.contains("<svg") && svg.contains("class=\"row\""))
        #expect(stdout.contains("Threads vs processes"))
    }

    @Test
    func containmentRunsAndAddsIndependenceRows() throws {
        let (report, _, stdout) = try DemoBinary.runDemo()
        let containment = try #require(report["containment"] as? [[String: Any]])
        let thread = try #require(containment.first { $0["mode"] as? String == "thread" })
        let process = try #require(containment.first { $0["mode"] as? String == "process" })
        #expect(thread["available"] as? Bool == true && process["available"] as? Bool == true)
        #expect(thread["hostSignal"] as? String == "SIGSEGV")
        #expect((thread["lost"] as? Int ?? 0) > 0)
        #expect(process["contained"] as? Bool == true)
        #expect(process["succeeded"] as? Int == ContainmentRun.demoTasks.count - 1)
        let rows = try #require(report["rows"] as? [[String: Any]])
        #expect(rows.filter { $0["topic"] as? String == "independence" }.count == 2)
        #expect(stdout.contains("host process killed by SIGSEGV"))
    }
}

/// The spawning half of the containment demo, against a shell script that keeps the task commands'
/// contract: thread mode prints a progress line and dies by SIGSEGV, process mode writes the report and
/// exits 1. Exercises the spawn, the signal decoding and the report reading without the other branch.
@Suite("Containment runs against a stand-in bulkhead")
struct ContainmentStandInTests {
    static func standIn() throws -> String {
        let path = NSTemporaryDirectory() + "bulkhead-standin-\(getpid())-\(UUID().uuidString.prefix(8)).sh"
        let script = """
        #!/bin/sh
        mode=""; report=""
        while [ $# -gt 0 ]; do
          case "$1" in --mode) mode=$2; shift;; --report) report=$2; shift;; esac
          shift
        done
        if [ "$mode" = thread ]; then echo "task-done compute ok fine"; kill -SEGV $$; fi
        cat > "$report" <<'JSON'
        \(Canned.processReport)
        JSON
        echo "a table for people"
        exit 1
        """
        try #require(ExecutableFile.write(Array(script.utf8), to: path))
        return path
    }

    @Test func threadModeChildDiesBySIGSEGV() throws {
        let script = try Self.standIn()
        defer { unlink(script) }
        let run = ContainmentRun.runThreadMode(bulkhead: script)
        #expect(run.hostSignal == SIGSEGV)
        #expect(run.results.map(\.name) == ["compute"])
        #expect(run.sentence == "host process killed by SIGSEGV after 1 of 6 tasks; 5 results lost")
    }

    @Test func processModeReportIsReadAndRemoved() throws {
        let script = try Self.standIn()
        defer { unlink(script) }
        let run = ContainmentRun.runProcessMode(bulkhead: script)
        #expect(run.unavailable == nil)
        #expect(run.hostExitCode == 1)
        #expect(run.sentence == "6 tasks, 5 succeeded, 1 killed by SIGSEGV, contained")
    }

    @Test func aMissingExecutableIsUnavailable() {
        let run = ContainmentRun.runThreadMode(bulkhead: "/nonexistent/bulkhead")
        #expect(run.unavailable != nil)
    }
}

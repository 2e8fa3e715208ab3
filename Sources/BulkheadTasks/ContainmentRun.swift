import BulkheadSystem
import Bulkhead
#if canImport(Glibc)
import Glibc
#endif

/// The same task list run once as threads of one disposable bulkhead and once as sandboxed processes,
/// and what became of it: the story behind the "independence" rows of the comparison.
public struct ContainmentRun: Sendable {
    public enum Mode: String, Sendable { case thread, process }

    /// A mix of ordinary tasks with one crasher in the middle: in thread mode everything after (and
    /// alongside) the crash is lost, in process mode only the crasher fails.
    public static let demoTasks = ["compute", "hash-file", "crash-segv:0.1", "sleep:0.3", "allocate:16", "compute:1000000"]

    public var mode: Mode
    public var tasks: [String]
    /// The tasks that reported a result, in the order they reported.
    public var results: [ContainmentParser.TaskLine]
    /// How the child bulkhead itself ended: an exit code, or the signal that killed it.
    public var hostExitCode: Int32?
    public var hostSignal: Int32?
    public var wallSeconds: Double
    /// Set when the run could not happen (e.g. a bulkhead without the task commands); the rest is empty.
    public var unavailable: String?

    public init(mode: Mode, tasks: [String], results: [ContainmentParser.TaskLine], hostExitCode: Int32?, hostSignal: Int32?,
                wallSeconds: Double, unavailable: String? = nil) {
        self.mode = mode; self.tasks = tasks; self.results = results
        self.hostExitCode = hostExitCode; self.hostSignal = hostSignal
        self.wallSeconds = wallSeconds; self.unavailable = unavailable
    }

    public var succeeded: Int { results.filter(\.succeeded).count }
    public var failed: Int { results.count - succeeded }
    public var lost: Int { max(0, tasks.count - results.count) }
    /// Every task reported and the host survived: a failure stayed inside its task.
    public var contained: Bool { unavailable == nil && hostSignal == nil && lost == 0 }

    /// "host process killed by SIGSEGV after 1 of 6 tasks; 5 results lost" or
    /// "6 tasks, 5 succeeded, 1 killed by SIGSEGV, contained".
    public var sentence: String {
        if let unavailable { return "not run: \(unavailable)" }
        if let signal = hostSignal {
            return "host process killed by \(SignalNames.name(of: signal)) after \(results.count) of \(tasks.count) tasks; "
                + "\(lost) result\(lost == 1 ? "" : "s") lost"
        }
        var parts = ["\(tasks.count) tasks", "\(succeeded) succeeded"]
        var failures: [(String, Int)] = []
        for line in results where !line.succeeded {
            let what = Self.failureDescription(line)
            if let i = failures.firstIndex(where: { $0.0 == what }) { failures[i].1 += 1 } else { failures.append((what, 1)) }
        }
        parts += failures.map { "\($0.1) \($0.0)" }
        if lost > 0 { parts.append("\(lost) never reported") }
        if contained { parts.append("contained") }
        return parts.joined(separator: ", ")
    }

    /// "killed by SIGSEGV" when the summary names a signal, else the outcome kind, else "failed".
    static func failureDescription(_ line: ContainmentParser.TaskLine) -> String {
        let words = line.summary.split { " ,;:()".contains($0) }
        if let signal = words.first(where: { $0.hasPrefix("SIG") && $0.count > 3 }) { return "killed by \(signal)" }
        return line.outcomeKind.map { $0 == "exited" ? "failed" : $0 } ?? "failed"
    }

    // MARK: interpreting a child's output (pure, tested on canned output)

    /// Thread mode: `task-done` lines on stdout, and the child's fate.
    public static func fromThreadMode(tasks: [String], stdout: String, stderr: String, exitCode: Int32?, signal: Int32?,
                                      wallSeconds: Double) -> ContainmentRun {
        let lines = ContainmentParser.progressLines(stdout)
        if lines.isEmpty, signal == nil, let code = exitCode, code != 0 {
            return ContainmentRun(mode: .thread, tasks: tasks, results: [], hostExitCode: code, hostSignal: nil,
                                  wallSeconds: wallSeconds, unavailable: refusal(stderr, exitCode: code))
        }
        return ContainmentRun(mode: .thread, tasks: tasks, results: lines, hostExitCode: exitCode, hostSignal: signal,
                              wallSeconds: wallSeconds)
    }

    /// Process mode: the JSON report the child wrote (nil when it wrote none), and the child's fate.
    public static func fromProcessMode(tasks: [String], report: String?, stderr: String, exitCode: Int32?, signal: Int32?,
                                       wallSeconds: Double) -> ContainmentRun {
        guard let report, let lines = ContainmentParser.processReport(report) else {
            let why = signal.map { "bulkhead task run was killed by \(SignalNames.name(of: $0))" }
                ?? refusal(stderr, exitCode: exitCode ?? -1)
            return ContainmentRun(mode: .process, tasks: tasks, results: [], hostExitCode: exitCode, hostSignal: signal,
                                  wallSeconds: wallSeconds, unavailable: why)
        }
        return ContainmentRun(mode: .process, tasks: tasks, results: lines, hostExitCode: exitCode, hostSignal: signal,
                              wallSeconds: wallSeconds)
    }

    /// Why a child produced nothing: a bulkhead that does not know `task run` says so on stderr.
    static func refusal(_ stderr: String, exitCode: Int32) -> String {
        let first = stderr.split(separator: "\n").first.map(String.init) ?? "bulkhead task run exited with \(exitCode) and no results"
        let unknown = first.contains("Unknown option") || first.contains("Unexpected argument") || first.contains("unknown subcommand")
        return unknown ? "this bulkhead has no task commands (\(first))" : first
    }

    // MARK: running it

    /// `bulkhead task run TASKS... --mode thread --progress` in a disposable child bulkhead.
    public static func runThreadMode(bulkhead: String, tasks: [String] = demoTasks, timeout: Double = 60) -> ContainmentRun {
        let child = ChildCommand(arguments: [bulkhead, "task", "run"] + tasks + ["--mode", "thread", "--progress"], timeout: timeout)
        guard let result = child.run() else {
            return ContainmentRun(mode: .thread, tasks: tasks, results: [], hostExitCode: nil, hostSignal: nil, wallSeconds: 0,
                                  unavailable: "cannot start \(bulkhead)")
        }
        if result.timedOut {
            return ContainmentRun(mode: .thread, tasks: tasks, results: ContainmentParser.progressLines(result.stdout), hostExitCode: nil,
                                  hostSignal: nil, wallSeconds: result.wallSeconds, unavailable: "timed out after \(Int(timeout)) s")
        }
        return fromThreadMode(tasks: tasks, stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode,
                              signal: result.signal, wallSeconds: result.wallSeconds)
    }

    /// `bulkhead task run TASKS... --mode process --report FILE`: each task a sandboxed process.
    public static func runProcessMode(bulkhead: String, tasks: [String] = demoTasks, timeout: Double = 60) -> ContainmentRun {
        let reportPath = "/tmp/bulkhead-demo-\(getpid())-process-mode.json"
        defer { unlink(reportPath) }
        let child = ChildCommand(arguments: [bulkhead, "task", "run"] + tasks + ["--mode", "process", "--report", reportPath],
                                 timeout: timeout)
        guard let result = child.run() else {
            return ContainmentRun(mode: .process, tasks: tasks, results: [], hostExitCode: nil, hostSignal: nil, wallSeconds: 0,
                                  unavailable: "cannot start \(bulkhead)")
        }
        return fromProcessMode(tasks: tasks, report: readText(reportPath), stderr: result.stderr, exitCode: result.exitCode,
                               signal: result.signal, wallSeconds: result.wallSeconds)
    }

    /// The "independence" rows: what a crash in one task did to the others, threads against processes.
    /// Empty when either run did not happen: a row of guesses would be worse than none.
    public static func rows(thread: ContainmentRun, process: ContainmentRun) -> [ComparisonRow] {
        guard thread.unavailable == nil, process.unavailable == nil else { return [] }
        let crash = thread.hostSignal.map { SignalNames.name(of: $0) } ?? "a crash"
        return [
            ComparisonRow(topic: .independence, label: "one task crashes: the host and the other tasks survive", unit: "yes/no",
                          thread: .yesNo(thread.contained), process: .yesNo(process.contained),
                          note: "thread mode: \(thread.sentence); process mode: \(process.sentence)"),
            ComparisonRow(topic: .independence, label: "tasks with a result after \(crash)", unit: "tasks",
                          thread: .text("\(thread.results.count) of \(thread.tasks.count)"),
                          process: .text("\(process.results.count) of \(process.tasks.count) (\(process.succeeded) ok)")),
        ]
    }

    /// A small text file, or nil; Sources avoid Foundation, so no String(contentsOfFile:).
    static func readText(_ path: String, limit: Int = 4 << 20) -> String? {
        (try? FileContents.readFile(path, limit: limit)).map { String(decoding: $0, as: UTF8.self) }
    }
}

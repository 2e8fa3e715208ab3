import BulkheadSystem
import ArgumentParser
import Bulkhead
import BulkheadPolicy
import BulkheadTasks
#if canImport(Glibc)
import Glibc
#endif

/// `bulkhead task ...`: the built-in tasks, as threads or as sandboxed processes.
struct TaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Run built-in tasks (workloads and faults) as threads or as sandboxed processes.",
        discussion: """
        Shows why the process is the unit of isolation: the same tasks, run as threads of one process \
        (a crash kills everything, shared state is corrupted) or as sandboxed processes (each fault stays \
        in its own process). A task takes one optional argument as NAME:ARG, e.g. allocate:64, sleep:0.5.
        """,
        subcommands: [TaskListCommand.self, TaskRunCommand.self])
}

struct TaskListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the built-in tasks.")

    func run() throws {
        let width = TaskCatalog.all.map(\.name.count).max() ?? 0
        var text = ""
        for task in TaskCatalog.all {
            let kind = task.kind.rawValue
            text += task.name + String(repeating: " ", count: width - task.name.count + 2)
                + kind + String(repeating: " ", count: 14 - kind.count) + task.summary + "\n"
        }
        StandardOutput.write(text)
    }
}

extension TaskMode: ExpressibleByArgument {}

struct TaskRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run tasks concurrently and print how each ended.",
        discussion: """
        --mode process (the default) runs each task as its own sandboxed process under the shipped `tasks` \
        policy (or --policy): faults stay in their process. Exit code 0 only when every task succeeded \
        (a fault never does), else 1.

        --mode thread is DELIBERATELY UNSAFE: every task is a thread of this bulkhead process, sharing \
        memory, descriptors, working directory, environment and umask. A crashing task kills bulkhead with \
        its signal (exit 139 for SIGSEGV), exit-early ends everything with code 3, memory-hog and fork-bomb \
        stop only at their safety caps, and shared-state faults corrupt the other tasks' results. A hung \
        thread cannot be stopped: use --timeout.
        """)

    @Argument(help: "Task names (see `bulkhead task list`), each optionally NAME:ARG.")
    var tasks: [String] = []

    @Option(name: .long, help: "thread or process.")
    var mode: TaskMode = .process

    @Option(name: .long, help: """
        Process mode: a shipped name (always the shipped policy) or a policy file (./tasks for a file of that name); \
        default: tasks.
        """)
    var policy: String?

    @Option(name: .long, help: "Wall-clock limit per task such as 2s; in thread mode, for all tasks.")
    var timeout: String?

    @Option(name: .long, help: "Write the results as JSON to this file (replaced atomically), FIFO or character device (e.g. /dev/stdout).")
    var report: String?

    @Flag(name: .long, help: "Print `task-done NAME ok|failed SUMMARY` as each task finishes (flushed at once).")
    var progress = false

    func run() throws {
        // Thread-mode tasks may change the working directory: fix the report's path first.
        let reportPath = report.map { Paths.absolute($0) ?? $0 }
        let printProgress = progress
        let finished: TaskRun.Finished
        do throws(TaskRunError) {
            finished = try TaskRun(tasks: tasks, mode: mode, policy: policy, timeout: timeout).run(
                warn: { FileHandleStderr.write("bulkhead: warning: \($0)\n") },
                progress: { if printProgress { StandardOutput.write(Self.progressLine($0)) } })
        } catch {
            if case .policy(let policyError) = error { throw CLIError(located: policyError.description) }
            throw CLIError(error.description)
        }
        StandardOutput.write(TaskTable.render(finished.results))
        if let reportPath {
            do {
                try AtomicFile.write(TaskTable.json(finished.results, mode: mode, policy: finished.policyName).rendered(), to: reportPath)
            } catch {
                FileHandleStderr.write("bulkhead: error: cannot write report \(reportPath): \(error.reason)\n")
                throw ExitCode(ExitCodes.launcherFailed)
            }
        }
        throw ExitCode(finished.allSucceeded ? 0 : 1)
    }

    static func progressLine(_ result: TaskResult) -> String {
        "task-done \(result.name) \(result.succeeded ? "ok" : "failed") \(result.summary)\n"
    }

}

/// `bulkhead __task SPEC`: one task in this process (process mode's child side). Hidden: it is the
/// entry point ProcessModeRunner launches, not something to type. main() dispatches it before
/// ArgumentParser; this declaration keeps `bulkhead __task --help` and odd spellings working.
struct TaskEntryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "__task", shouldDisplay: false)

    @Argument var spec: String

    func run() throws {
        throw ExitCode(TaskEntryPoint.main(spec))
    }
}

/// Unbuffered stdout: progress lines must be out before a crashing task kills the process.
enum StandardOutput {
    static func write(_ text: String) {
        // A closed or broken stdout loses the line; the task's own result is what matters.
        try? FileContents.write(text.utf8, to: 1)
    }
}

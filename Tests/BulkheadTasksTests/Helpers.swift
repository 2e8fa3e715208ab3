import Foundation
import TestSupport
import Testing

/// The built `bulkhead` binary and a way to run it as a child process: thread-mode faults kill the
/// process they run in, so they must never run inside the test runner.
enum BulkheadBinary {
    /// What a run printed and how it ended, with the progress lines `task run --progress` writes.
    typealias Result = CapturedRun

    /// Runs bulkhead with `arguments`; the status is the exit code, or 128+N for a death by signal N.
    /// `openFiles` lowers RLIMIT_NOFILE first (through sh's ulimit), for a fault that fills the table.
    static func run(_ arguments: [String], openFiles: Int? = nil) throws -> Result {
        if let openFiles {
            return try CapturedRun.run("/bin/sh",
                                       ["-c", "ulimit -n \(openFiles) && exec \"$0\" \"$@\"", BuiltBinaries.bulkhead] + arguments,
                                       directory: BuiltBinaries.packageDirectory)
        }
        return try CapturedRun.run(BuiltBinaries.bulkhead, arguments, directory: BuiltBinaries.packageDirectory)
    }

    static func threadMode(_ tasks: [String], timeout: String? = nil, openFiles: Int? = nil) throws -> Result {
        try run(["task", "run", "--mode", "thread", "--progress"] + (timeout.map { ["--timeout", $0] } ?? []) + tasks,
                openFiles: openFiles)
    }
}

extension CapturedRun {
    var progressLines: [String] { stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix("task-done ") } }
    func line(for task: String) -> String? { progressLines.first { $0.hasPrefix("task-done \(task) ") } }
}

import BulkheadSystem
import Bulkhead

/// `bulkhead demo` without the command line: the containment story, then the measured comparison.
public enum DemoRun {
    public struct Result: Sendable {
        public var repetitions: Int
        /// nil when no bulkhead executable was given (the library alone cannot spawn one).
        public var thread: ContainmentRun?
        public var process: ContainmentRun?
        public var measured: [ComparisonRow]
        public var measurementSeconds: Double

        /// The independence rows (when both containment runs happened) before the measured ones.
        public var allRows: [ComparisonRow] {
            guard let thread, let process else { return measured }
            return ContainmentRun.rows(thread: thread, process: process) + measured
        }
    }

    /// Repetitions for `--quick`: enough for a median and a spread, a few seconds in all.
    public static let quickRepetitions = 15

    /// - Parameters:
    ///   - bulkhead: the bulkhead executable to run the tasks with (and to time whole commands).
    ///   - say: receives each step's story as it happens, so a person watching sees progress.
    public static func run(bulkhead: String?, repetitions: Int, tasks: [String] = ContainmentRun.demoTasks,
                           say: (String) -> Void = { _ in }) -> Result {
        var thread: ContainmentRun?, process: ContainmentRun?
        if let bulkhead {
            say("1. The same \(tasks.count) tasks (\(tasks.joined(separator: ", "))), as threads and as processes")
            let t = ContainmentRun.runThreadMode(bulkhead: bulkhead, tasks: tasks)
            say("   threads of one process:    " + t.sentence)
            let p = ContainmentRun.runProcessMode(bulkhead: bulkhead, tasks: tasks)
            say("   sandboxed processes:       " + p.sentence)
            thread = t; process = p
        } else {
            say("1. Containment: skipped (no bulkhead executable to run the tasks with)")
        }
        say("2. Measuring threads against processes (\(repetitions) repetitions per figure)...")
        let start = MonotonicClock.seconds()
        let rows = ProcessThreadComparison.measure(repetitions: repetitions, bulkheadExecutable: bulkhead)
        let seconds = MonotonicClock.seconds() - start
        return Result(repetitions: repetitions, thread: thread, process: process, measured: rows, measurementSeconds: seconds)
    }
}

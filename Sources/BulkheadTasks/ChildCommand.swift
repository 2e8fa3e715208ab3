import BulkheadSystem
import CMeasure
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command as a plain child (`HelperProcess`), captures its stdout and stderr, and reports how it
/// ended. Used to run a disposable bulkhead whose crash must not take the
/// demo down with it.
struct ChildCommand {
    struct Result: Sendable {
        var stdout: String
        var stderr: String
        /// Exit code when it exited, nil when a signal ended it.
        var exitCode: Int32?
        var signal: Int32?
        var timedOut: Bool
        var wallSeconds: Double
    }

    var arguments: [String]
    var timeout: Double = 60

    func run() -> Result? {
        let start = MonotonicClock.seconds()
        guard let running = try? HelperProcess(arguments, stdout: .capture, stderr: .capture).start() else { return nil }
        // The crash is the point of the demo: no core file for it. Set after the spawn (posix_spawn cannot
        // set limits); the child spends milliseconds starting up before any task runs, long before it crashes.
        _ = bh_measure_no_core_dumps(running.pid)
        let finished = running.wait(timeout: timeout)
        return Result(stdout: String(decoding: finished.stdout, as: UTF8.self), stderr: String(decoding: finished.stderr, as: UTF8.self),
                      exitCode: finished.exitCode, signal: finished.signal, timedOut: finished.timedOut,
                      wallSeconds: MonotonicClock.seconds() - start)
    }
}

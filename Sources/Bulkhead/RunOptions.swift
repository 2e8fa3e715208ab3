#if canImport(Glibc)
import Glibc
#endif

/// Per-run settings that are not part of the policy.
public struct RunOptions: Sendable {
    /// Overrides `limits.wall` (seconds).
    public var timeout: Double?
    /// Descriptors to use as the task's stdin, stdout and stderr; nil keeps the launcher's own.
    public var stdin: Int32?
    public var stdout: Int32?
    public var stderr: Int32?
    /// Signals that end the task when bulkhead receives them. The caller must have blocked them in every
    /// thread (the CLI does so first thing in main), so that they queue on a signalfd instead of killing
    /// bulkhead before it can clean up.
    public var stopSignals: [Int32]
    /// After the task ends, kill and reap every child of this process: descendants that escaped the
    /// process group land here once `OrphanSweeper.adoptOrphans()` made this process a subreaper. Only
    /// for a launcher running one task at a time.
    public var sweepOrphans: OrphanSweeper?
    /// Leave the run's scratch directory (`filesystem.scratch`) in place instead of removing it.
    public var keepScratch = false

    public init(timeout: Double? = nil, stdin: Int32? = nil, stdout: Int32? = nil, stderr: Int32? = nil,
                stopSignals: [Int32] = [], sweepOrphans: OrphanSweeper? = nil) {
        self.timeout = timeout; self.stdin = stdin; self.stdout = stdout; self.stderr = stderr
        self.stopSignals = stopSignals; self.sweepOrphans = sweepOrphans
    }
}

import Bulkhead

/// One task's ending, in either mode.
public struct TaskResult: Sendable {
    public var name: String
    public var mode: TaskMode
    /// The task ran to completion and its own check passed. A fault never succeeds.
    public var succeeded: Bool
    /// e.g. "ok: 9592 primes below 100000", "killed by SIGSEGV", "result corrupted: ..."
    public var summary: String
    public var wallSeconds: Double
    /// The task's own peak RSS in process mode; nil in thread mode, where memory is not per task.
    public var peakRSSBytes: UInt64?
    /// Process mode: the sandbox outcome.
    public var outcome: Outcome?

    public init(name: String, mode: TaskMode, succeeded: Bool, summary: String, wallSeconds: Double,
                peakRSSBytes: UInt64? = nil, outcome: Outcome? = nil) {
        self.name = name; self.mode = mode; self.succeeded = succeeded; self.summary = summary
        self.wallSeconds = wallSeconds; self.peakRSSBytes = peakRSSBytes; self.outcome = outcome
    }
}

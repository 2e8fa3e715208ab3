import SystemPackage
import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

/// How a task ended. Exactly one of these; resource usage travels beside it in `RunResult`.
public enum Outcome: Sendable, Equatable {
    case exited(code: Int32)
    case signaled(signal: Int32, coreDumped: Bool)
    /// Killed by the seccomp filter (SIGSYS from a `kill` action). `syscall` is known only when the
    /// kernel or a notifier told us; a SIGSYS kill alone does not say which call it was.
    case violation(signal: Int32, syscall: String?)
    case timedOut(limitSeconds: Double)
    case limitExceeded(LimitKind, signal: Int32?)
    case setupFailed(stage: LaunchStage, errno: Errno)

    public var kind: String {
        switch self {
        case .exited: return "exited"
        case .signaled: return "signaled"
        case .violation: return "violation"
        case .timedOut: return "timedOut"
        case .limitExceeded: return "limitExceeded"
        case .setupFailed: return "setupFailed"
        }
    }

    /// The exit code `bulkhead run` returns, following the shell and coreutils `timeout`/`env` conventions.
    public var exitCode: Int32 {
        switch self {
        case .exited(let code): return code
        case .signaled(let signal, _): return 128 + signal
        case .violation(let signal, _): return 128 + signal
        case .timedOut: return ExitCodes.timedOut
        case .limitExceeded(_, let signal): return 128 + (signal ?? SIGKILL)
        case .setupFailed(let stage, let err):
            guard stage == .exec else { return ExitCodes.launcherFailed }
            return err == .noSuchFileOrDirectory ? ExitCodes.notFound : ExitCodes.cannotExecute
        }
    }

    /// True only for a task that ran to completion and exited 0.
    public var succeeded: Bool { self == .exited(code: 0) }
}

/// Exit codes of `bulkhead` itself; the others are the task's own.
public enum ExitCodes {
    public static let timedOut: Int32 = 124
    /// Bulkhead refused or failed: bad policy, bad arguments, a protection that could not be applied.
    public static let launcherFailed: Int32 = 125
    public static let cannotExecute: Int32 = 126
    public static let notFound: Int32 = 127
}

/// Resource usage of the task tree.
public struct Usage: Sendable, Equatable {
    public var wallSeconds: Double
    public var userSeconds: Double
    public var systemSeconds: Double
    /// Peak resident set size in bytes: that of the largest single process of the tree (the kernel's
    /// ru_maxrss for the task and the descendants it reaped), not the tree's sum.
    public var peakRSSBytes: UInt64

    public init(wallSeconds: Double = 0, userSeconds: Double = 0, systemSeconds: Double = 0, peakRSSBytes: UInt64 = 0) {
        self.wallSeconds = wallSeconds; self.userSeconds = userSeconds
        self.systemSeconds = systemSeconds; self.peakRSSBytes = peakRSSBytes
    }
}

/// Everything known about one finished run.
public struct RunResult: Sendable, Equatable {
    public var outcome: Outcome
    public var usage: Usage
    /// Limits the task ran into without being ended by them (e.g. a fork that failed at `processes`).
    public var limitsReached: [LimitKind]
    /// Set when bulkhead ended the task because it was itself told to stop (SIGINT, SIGTERM, SIGHUP).
    public var interruptedBy: Int32?
    /// Protections that were requested as best-effort and could not be applied, and similar notes.
    public var warnings: [String]
    /// Set when bulkhead could not make sure that nothing of the task is left running (the sweep for
    /// descendants failed). The run then counts as a failure of bulkhead's, whatever the task did.
    public var cleanupError: String?
    /// The namespaces the task ran in (`NamespaceKind` names), those the policy asked for and bulkhead's own.
    public var namespaces: [String] = []
    /// What the policy's `filesystem:` and `network:` came to on this machine (`AppliedAccess`).
    public var access: AppliedAccess?
    /// The refused calls the supervisor saw (`ViolationListener`): the one that killed the task, reported
    /// `errno` refusals, and in watch mode every call that would have been refused; one entry per syscall
    /// and outcome, with a count.
    public var violations: [ViolationEvent] = []
    /// Watch mode: how many calls would have been refused (violations) under enforcement.
    public var watchedCalls = 0
    /// The run was in watch mode (`SeccompMode.watch`): nothing was refused.
    public var policyWatched = false
    /// `policy learn`: what the run did, call by call, as its base judged it (`PolicyLearning`).
    public var learned: LearnedEvidence?

    public init(outcome: Outcome, usage: Usage, limitsReached: [LimitKind] = [], interruptedBy: Int32? = nil, warnings: [String] = []) {
        self.outcome = outcome; self.usage = usage; self.limitsReached = limitsReached
        self.interruptedBy = interruptedBy; self.warnings = warnings
    }

    public var exitCode: Int32 {
        if cleanupError != nil { return ExitCodes.launcherFailed }
        if let signal = interruptedBy, case .signaled = outcome { return 128 + signal }
        return outcome.exitCode
    }
}

import BulkheadPolicy
import BulkheadSystem

/// One call the policy refuses, or in watch mode would refuse, as the supervisor saw it through seccomp
/// user notification. The same record serves the run's report and whatever learns a policy from a run.
public struct ViolationEvent: Sendable, Equatable {
    /// How the call entered the kernel.
    public enum Entry: String, Sendable {
        case native, i386, x32
    }

    /// What became of the call.
    public enum Disposition: Sendable, Equatable {
        /// The task was killed (a `kill` action).
        case killed
        /// The call failed with this errno (`errno` with `report: true`); the task went on.
        case failed(errno: Int32)
        /// Watch mode: the call ran; the policy would have answered it with `wouldBe`.
        case watched(wouldBe: SeccompAction)

        public var name: String {
            switch self {
            case .killed: return "killed"
            case .failed: return "errno"
            case .watched: return "watched"
            }
        }
    }

    /// The syscall's name in the table of its entry point, or "syscall N".
    public var syscall: String
    /// Its number at that entry point (without the x32 bit).
    public var number: Int32
    public var entry: Entry
    /// The six argument registers, as the kernel passed them to the filter.
    public var arguments: [UInt64]
    /// Each argument as the terminal line shows it: a name (AF_INET, CLONE_NEWUSER|SIGCHLD), a path read
    /// from the task's memory when it could be (for the report only: no decision depends on it), or the
    /// number. Only as many as the call takes, where that is known.
    public var decoded: [String]
    /// The process and thread inside the task's pid namespace (nil when /proc did not say).
    public var pid: Int32?
    public var tid: Int32?
    /// The thread as bulkhead's pid namespace numbers it.
    public var hostTID: Int32
    /// /proc/PID/exe and /proc/PID/comm of the calling process, when readable.
    public var executable: String?
    public var command: String?
    public var disposition: Disposition
    /// Calls of this syscall with this outcome, this one included.
    public var count: Int

    /// `socket(AF_INET, SOCK_STREAM, 0)`, with the entry point when it is not the native one.
    public var call: String {
        syscall + "(" + decoded.joined(separator: ", ") + ")" + (entry == .native ? "" : " [\(entry.rawValue) entry]")
    }

    /// `socket(AF_INET, SOCK_STREAM, 0) by pid 7 (python3) — killed`
    public var line: String {
        var text = call + " by pid " + (pid.map(String.init) ?? "?")
        if let tid, tid != pid { text += " thread \(tid)" }
        if let command { text += " (\(command))" }
        switch disposition {
        case .killed: text += " — killed"
        case .failed(let e): text += " — failed with " + (ErrnoNames.name(of: e) ?? "errno \(e)")
        case .watched(let action): text += " — let through (watch; the policy says \(action))"
        }
        if count > 1 { text += ", \(count) times" }
        return text
    }
}

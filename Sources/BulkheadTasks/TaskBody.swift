import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

/// How a task that returned (rather than crashed or exited) ended: its own verdict and a one-line summary.
public enum TaskEnding: Sendable, Equatable {
    case ok(String)
    case failed(String)

    public var succeeded: Bool { if case .ok = self { return true } else { return false } }
    public var summary: String {
        switch self {
        case .ok(let text): return "ok: " + text
        case .failed(let text): return text
        }
    }
}

/// Runs a task's body on the calling thread. The same code runs in both modes: what differs is only
/// what the task shares with the others (everything as a thread, nothing as a process).
public enum TaskBody {
    public static func run(_ spec: TaskSpec) -> TaskEnding { run(spec, turn: .alone) }

    /// - Parameter turn: where the task stands among the others of its process (see `FaultOrder`).
    static func run(_ spec: TaskSpec, turn: TaskTurn) -> TaskEnding {
        switch spec.name {
        case "compute":
            turn.waitForFaults()
            return Workloads.compute(spec.argument)
        case "hash-file": return Workloads.hashFile(spec.argument, turn: turn)
        case "sleep": return Workloads.sleep(spec.argument)
        case "allocate": return Workloads.allocate(spec.argument)
        case "file-roundtrip":
            turn.waitForFaults()
            return Workloads.fileRoundtrip(spec.argument)
        case "crash-segv", "crash-abort", "crash-trap":
            // An optional delay in seconds lets quicker tasks finish first, which makes the demo's point:
            // their results are lost all the same when the crash takes the process down.
            if let text = spec.argument {
                guard let seconds = Double(text), seconds >= 0, seconds <= 60 else {
                    return .failed("invalid argument '\(text)': expected a delay in seconds, 0...60")
                }
                usleep(UInt32(seconds * 1_000_000))
            }
            switch spec.name {
            case "crash-segv": Faults.crashSegv()
            case "crash-abort": Faults.crashAbort()
            default: Faults.crashTrap()
            }
        case "stack-overflow": Faults.stackOverflow()
        case "exit-early": Faults.exitEarly()
        case "hang": Faults.hang()
        case "memory-hog": return Faults.memoryHog(spec.argument)
        case "fork-bomb": return Faults.forkBomb(spec.argument)
        case "fd-leak": return Faults.fdLeak(spec.argument, turn: turn)
        case "scribble": return SharedStateFaults.scribble()
        case "chdir": return SharedStateFaults.changeDirectory()
        case "setenv": return SharedStateFaults.changeEnvironment()
        case "umask": return SharedStateFaults.changeUmask()
        case "close-fds": return SharedStateFaults.closeForeignDescriptors(turn: turn)
        default: return .failed("no such task '\(spec.name)'")
        }
    }

    /// Tasks that need the scratch workspace (see `TaskWorkspace`).
    static func needsWorkspace(_ specs: [TaskSpec]) -> Bool { specs.contains { $0.name == "file-roundtrip" } }
}

/// Reading a task's optional argument; a bad one is the task's failure, not a crash.
enum TaskArgument {
    static func integer(_ text: String?, default value: Int, in range: ClosedRange<Int>) -> Result<Int, ArgumentError> {
        guard let text else { return .success(value) }
        guard let n = Int(text), range.contains(n) else {
            return .failure(ArgumentError(message: "invalid argument '\(text)': "
                                              + "expected a whole number in \(range.lowerBound)...\(range.upperBound)"))
        }
        return .success(n)
    }

    static func seconds(_ text: String?, default value: Double) -> Result<Double, ArgumentError> {
        guard let text else { return .success(value) }
        guard let n = Double(text), n >= 0, n <= 86400 else {
            return .failure(ArgumentError(message: "invalid argument '\(text)': expected seconds between 0 and 86400"))
        }
        return .success(n)
    }

    struct ArgumentError: Error { let message: String }
}

import BulkheadPolicy

/// One `bulkhead run` as the library makes it: which policy the argument means, the sealed policy cache
/// and the filter compiled into it, the wall-clock limit, adopting the task's orphans, and keeping the
/// supervisor out of the task's reach. The command line parses its arguments into a request and prints
/// what comes back; a program that embeds Bulkhead gets the very same decisions.
public struct RunRequest: Sendable {
    /// The policy argument as given (`--policy`): nil is the embedded default (`PolicyReference.of`).
    public var policy: String?
    /// The wall-clock limit as the user wrote it ("10s", "1.5m"); overrides `limits.wall`.
    public var timeout: String?
    /// Reads the policy, and the filter compiled from it, through the per-user sealed cache (a launch
    /// that need not parse YAML or compile BPF saves about a millisecond).
    public var usesCache = true
    /// Makes this process the subreaper of the task's orphans and sweeps them after the task
    /// (`OrphanSweeper`): for a process that runs one task at a time, from its main thread.
    public var sweepsOrphans = true
    /// Leave the scratch directory (`filesystem.scratch`) in place after the run.
    public var keepsScratch = false
    /// `--watch`: the policy's seccomp section in watch mode (`SeccompMode.watch`), whatever it says.
    public var watch = false

    public init(policy: String? = nil, timeout: String? = nil) {
        self.policy = policy
        self.timeout = timeout
    }

    /// Loads the policy and plans the run, in the order the command line reports problems: the policy
    /// first, then the timeout, then what the plan cannot apply.
    public func prepare() throws(RunRequestError) -> PreparedRun {
        let reference = PolicyReference.of(policy)
        let cache = usesCache ? PrivateFiles.cacheDirectory().flatMap { PolicyCache(directory: $0) } : nil
        let loaded: CachedPolicy
        do throws(PolicyError) { loaded = try reference.load(cache: cache, artifact: .seccompFilter) } catch {
            throw .policy(error)
        }
        let seconds = try Self.seconds(timeout)
        var notes: [String] = []
        var options = RunOptions(timeout: seconds, stopSignals: StopSignals.all,
                                 sweepOrphans: sweepsOrphans ? OrphanSweeper.adoptOrphans() : nil)
        options.keepScratch = keepsScratch
        if sweepsOrphans, options.sweepOrphans == nil {
            // Not a refusal (no policy asks for it), but no silence either: nothing catches descendants
            // that leave the process group outside a cgroup.
            notes.append("cannot adopt the task's orphans (PR_SET_CHILD_SUBREAPER or /proc unavailable): "
                + "descendants that leave its process group are not cleaned up")
        }
        // The task may run as our uid: keep it from ptracing or reading the supervisor (runc CVE-2016-9962).
        SupervisorHardening.makeNonDumpable()
        var policy = loaded.policy
        if watch {
            guard policy.seccomp != nil else {
                throw .launch(LaunchError(stage: .plan, message: "--watch: the policy has no seccomp section to watch"))
            }
            // The mode changes only which refusals the task's filter hands over, not the policy's filter.
            policy.seccomp?.mode = .watch
        }
        do throws(LaunchError) {
            let plan = try SandboxPlan(policy: policy,
                                       launcherEnvironment: ProcessEnvironment.entries(for: policy.environment),
                                       compiledFilter: loaded.artifact.flatMap(CompiledFilter.init(cachedBytes:)),
                                       filterCache: usesCache ? PrivateFiles.cacheDirectory().flatMap { FilterCache(directory: $0) } : nil)
            return PreparedRun(policy: policy, reference: reference, plan: plan, options: options, notes: notes)
        } catch {
            throw .launch(error)
        }
    }

    /// A `--timeout` argument in seconds; nil stays nil. Shared by every command that takes one.
    public static func seconds(_ timeout: String?) throws(RunRequestError) -> Double? {
        guard let timeout else { return nil }
        switch Units.parseTimeout(timeout) {
        case .success(let value): return value
        case .failure(let error): throw .timeout(error)
        }
    }
}

/// Why a `RunRequest` could not become a run.
public enum RunRequestError: Error, CustomStringConvertible {
    /// The policy could not be read or is malformed: located ("FILE:LINE:COL: error: ...").
    case policy(PolicyError)
    case timeout(Units.ParseError)
    /// The plan cannot apply what the policy asks for here.
    case launch(LaunchError)

    public var description: String {
        switch self {
        case .policy(let error): return error.description
        case .timeout(let error): return "error: " + error.description
        case .launch(let error): return error.description
        }
    }
}

/// A planned run: the policy, where it came from, and everything needed to start the task.
public struct PreparedRun {
    public let policy: Policy
    public let reference: PolicyReference
    public let plan: SandboxPlan
    public let options: RunOptions
    /// What the run will lack that no policy asked for, to say before it starts.
    public let notes: [String]

    /// Runs `command` (the exact bytes of each argument) and waits for it.
    public func run(_ command: [[UInt8]]) throws(LaunchError) -> RunResult {
        try plan.run(command, options: options)
    }

    /// Lets go of the plan's cgroup slots. A process that ends with exit() runs no deinitialisers.
    public func close() { plan.close() }
}

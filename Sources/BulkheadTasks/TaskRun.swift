import Bulkhead
import BulkheadPolicy

/// `bulkhead task run` as the library makes it: the named built-in tasks run concurrently, as threads of
/// this process or each as its own sandboxed process, and every result comes back. The command line
/// parses its arguments into a `TaskRun` and prints the results.
public struct TaskRun {
    public var tasks: [String]
    public var mode: TaskMode
    /// Process mode only: a shipped name or a policy file (`PolicyReference`); nil is the shipped `tasks`.
    public var policy: String?
    /// As the user wrote it ("2s"): per task in process mode, for all tasks in thread mode.
    public var timeout: String?
    /// Process mode: the `bulkhead` executable whose hidden `__task` entry point runs one task; nil is
    /// this very binary (/proc/self/exe).
    public var executable: String?

    public init(tasks: [String], mode: TaskMode, policy: String? = nil, timeout: String? = nil, executable: String? = nil) {
        self.tasks = tasks; self.mode = mode; self.policy = policy; self.timeout = timeout; self.executable = executable
    }

    public struct Finished {
        public var results: [TaskResult]
        /// The policy's own name (or the argument naming it) in process mode; nil in thread mode.
        public var policyName: String?
        public var allSucceeded: Bool { results.allSatisfy(\.succeeded) }
    }

    /// Checks every argument, then runs the tasks. `warn` hears, before any task starts, what the sandbox
    /// plan cannot apply that the policy marked best-effort. `progress` sees each result as it comes: as
    /// each thread finishes in thread mode (a crashing task may end the process right after), all
    /// together at the end in process mode.
    public func run(warn: (String) -> Void = { _ in }, progress: (TaskResult) -> Void = { _ in }) throws(TaskRunError) -> Finished {
        guard !tasks.isEmpty else { throw .refused("no task given: bulkhead task run NAME... (see `bulkhead task list`)") }
        for task in tasks {
            do throws(TaskSpecError) { _ = try TaskSpec.parse(task) } catch { throw .refused(error.description) }
        }
        let seconds: Double?
        do throws(RunRequestError) { seconds = try RunRequest.seconds(timeout) } catch { throw .refused(error.description) }
        switch mode {
        case .thread:
            if policy != nil { throw .refused("--policy applies to --mode process only: threads cannot be sandboxed apart") }
            return Finished(results: ThreadModeRunner.run(tasks, timeout: seconds, progress: progress), policyName: nil)
        case .process:
            return try runAsProcesses(timeout: seconds, warn: warn, progress: progress)
        }
    }

    private func runAsProcesses(timeout seconds: Double?, warn: (String) -> Void,
                                progress: (TaskResult) -> Void) throws(TaskRunError) -> Finished {
        let loaded: Policy
        do throws(PolicyError) { loaded = try PolicyReference.of(policy ?? "tasks").load().policy } catch {
            throw .policy(error)
        }
        guard let executable = executable ?? ExecutablePath.current() else {
            throw .refused("cannot resolve /proc/self/exe: process mode re-executes this binary")
        }
        // The tasks run as our uid unless the policy says otherwise (runc CVE-2016-9962).
        SupervisorHardening.makeNonDumpable()
        let environment = ProcessEnvironment.current()
        do throws(LaunchError) {
            let plan = try SandboxPlan(policy: loaded, launcherEnvironment: environment,
                                       filterCache: FilterCache.forCurrentUser(environment: environment))
            // The process ends with exit(), which runs no deinitialisers.
            defer { plan.close() }
            plan.warnings.forEach(warn)
            let results = try ProcessModeRunner.run(tasks, plan: plan, executable: executable, timeout: seconds)
            results.forEach(progress)
            return Finished(results: results, policyName: loaded.name ?? policy ?? "tasks")
        } catch {
            throw .launch(error)
        }
    }
}

/// Why a `TaskRun` did not run.
public enum TaskRunError: Error, CustomStringConvertible {
    /// An argument the run cannot take (an unknown task, a bad timeout, --policy in thread mode).
    case refused(String)
    /// The policy could not be read or is malformed: located ("FILE:LINE:COL: error: ...").
    case policy(PolicyError)
    case launch(LaunchError)

    public var description: String {
        switch self {
        case .refused(let message): return message
        case .policy(let error): return error.description
        case .launch(let error): return error.description
        }
    }
}

import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

/// Whether a shipped policy can run here, as this user: decided by planning it (`SandboxPlan` refuses
/// what cannot be applied and warns about best-effort protections it drops) and then launching a
/// trivial command under the plan, because the cgroup slot and its Landlock shield are only claimed at
/// launch (`Launcher`): planning alone would call a policy runnable whose memory limit then refuses.
public struct ShippedPolicyVerdict: Sendable, Equatable {
    public let name: String
    public let canRun: Bool
    /// Why it cannot run: the `LaunchError` (stage, reason, hint) or how the trial launch ended.
    public let error: String?
    /// Best-effort protections that will not hold here, from planning and from the trial launch.
    public let warnings: [String]
    /// The command launched under the plan, or nil when there was none to launch (decided by planning).
    public let trialCommand: String?

    public init(name: String, canRun: Bool, error: String?, warnings: [String], trialCommand: String?) {
        self.name = name; self.canRun = canRun; self.error = error; self.warnings = warnings; self.trialCommand = trialCommand
    }

    /// Commands that exist on nearly every Linux system and need nothing a shipped policy refuses.
    static let trialCandidates = ["/bin/true", "/usr/bin/true"]

    /// Plans and trial-launches each shipped policy.
    static func judgeAll() -> [ShippedPolicyVerdict] {
        let trial = trialCandidates.first { access($0, X_OK) == 0 }
        return ShippedPolicies.names.map { judge($0, trialCommand: trial) }
    }

    static func judge(_ name: String, trialCommand: String?) -> ShippedPolicyVerdict {
        let policy: Policy
        do { policy = try PolicyLoader.loadShipped(name: name) } catch {
            return ShippedPolicyVerdict(name: name, canRun: false, error: error.description, warnings: [], trialCommand: nil)
        }
        let plan: SandboxPlan
        do {
            plan = try SandboxPlan(policy: policy, launcherEnvironment: ProcessEnvironment.entries(for: policy.environment))
        } catch {
            return ShippedPolicyVerdict(name: name, canRun: false, error: error.description, warnings: [], trialCommand: nil)
        }
        defer { plan.close() }
        // The launch's clone with these namespace flags happens in this process: where a filter above
        // bulkhead kills it (rather than failing it, which the launcher survives by launching without),
        // the trial would kill doctor too. A forked helper tries the same flags first.
        if !plan.namespaces.isEmpty, let failure = HostCheck.probe(plan.namespaces.flags), failure.killedBy != nil {
            return ShippedPolicyVerdict(name: name, canRun: false,
                                        error: "error: clone: creating the task's namespaces kills bulkhead: the probe was \(failure.text)",
                                        warnings: plan.warnings, trialCommand: nil)
        }
        guard let trialCommand else {
            return ShippedPolicyVerdict(name: name, canRun: true, error: nil, warnings: plan.warnings, trialCommand: nil)
        }
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { if null >= 0 { close(null) } }
        let io: Int32? = null >= 0 ? null : nil
        let result: RunResult
        do {
            result = try plan.run([trialCommand], options: RunOptions(timeout: 10, stdin: io, stdout: io, stderr: io))
        } catch {
            return ShippedPolicyVerdict(name: name, canRun: false, error: error.description,
                                        warnings: plan.warnings, trialCommand: trialCommand)
        }
        if let cleanup = result.cleanupError {
            return ShippedPolicyVerdict(name: name, canRun: false, error: "a trial run of \(trialCommand): \(cleanup)",
                                        warnings: result.warnings, trialCommand: trialCommand)
        }
        guard result.outcome.succeeded else {
            return ShippedPolicyVerdict(name: name, canRun: false,
                                        error: "a trial run of \(trialCommand) \(OutcomeText.describe(result.outcome))",
                                        warnings: result.warnings, trialCommand: trialCommand)
        }
        return ShippedPolicyVerdict(name: name, canRun: true, error: nil, warnings: result.warnings, trialCommand: trialCommand)
    }
}

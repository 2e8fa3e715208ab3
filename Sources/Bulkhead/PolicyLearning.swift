import BulkheadPolicy
import BulkheadSystem

/// `bulkhead policy learn` as the library does it: runs a command judged by a base policy (its namespaces,
/// file-system view, environment and limits apply as they are), with a filter that hands every call but
/// `LearnedPolicyText.alwaysAllowed` to the supervisor. The supervisor asks the base's own filter what it
/// says of each call (`bh_seccomp_evaluate`), records the call (`LearningRecorder`), and answers as the base
/// would, except that a call the base would kill is let through and recorded as beyond the base (watch
/// semantics: the run goes on, and what it needed is known). The evidence comes back in `RunResult.learned`;
/// `LearnedPolicyText.make` writes the policy from it.
public enum PolicyLearning {
    /// The base a learned policy extends: a shipped policy, or for nil the policy that allows everything but
    /// the calls a filter cannot see into (`LearnedPolicyText.noBaseText`).
    public static func base(named name: String?) throws(PolicyError) -> Policy {
        guard let name else { return try PolicyLoader.load(text: LearnedPolicyText.noBaseText, file: "(no base)") }
        return try PolicyLoader.loadShipped(name: name)
    }

    /// Runs `command` (exact bytes) under `base`, learning; `baseName` is recorded in the evidence.
    public static func run(_ command: [[UInt8]], base: Policy, baseName: String?, timeout: Double?) throws(LaunchError) -> RunResult {
        guard base.seccomp != nil else {
            throw LaunchError(stage: .plan, message: "the base policy installs no seccomp filter to learn within")
        }
        // The task may run as our uid: keep it from ptracing or reading the supervisor (runc CVE-2016-9962).
        SupervisorHardening.makeNonDumpable()
        let plan = try SandboxPlan(policy: base, launcherEnvironment: ProcessEnvironment.entries(for: base.environment),
                                   compiledFilter: nil, learning: LearningSetup(base: baseName))
        defer { plan.close() }
        let options = RunOptions(timeout: timeout, stopSignals: StopSignals.all, sweepOrphans: OrphanSweeper.adoptOrphans())
        var result = try plan.run(command, options: options)
        result.learned?.commands = [command.map(ArgumentText.escaped).joined(separator: " ")]
        return result
    }

    /// The task's filter while learning: `alwaysAllowed` pass, everything else (other entry points included)
    /// goes to the supervisor.
    static func taskFilter(base: SeccompPolicy) throws(SeccompCompileError) -> (filter: CompiledFilter, refusals: NotifiedRefusals) {
        let refusals = NotifiedRefusals(kills: true)
        let learning = SeccompPolicy(defaultAction: .kill, allow: LearnedPolicyText.alwaysAllowed(under: base))
        return (try SeccompCompiler.compile(learning, notifying: refusals), refusals)
    }
}

/// A plan that learns (`SandboxPlan.learning`): the name of its base, for the evidence.
package struct LearningSetup: Sendable {
    package var base: String?
    package init(base: String?) { self.base = base }
}

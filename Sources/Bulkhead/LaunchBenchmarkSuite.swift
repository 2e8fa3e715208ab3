import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

extension LaunchBenchmark {
    /// The launch comparisons `bulkhead bench` prints for a policy, in order: the library launch against
    /// a plain C fork+exec+wait, the same without the limits that need a cgroup (what the cgroup slot
    /// costs; left out when the policy sets none), and the whole `bulkhead run` command against /bin/true.
    /// - Parameters:
    ///   - bulkhead: the `bulkhead` executable measured as a whole command.
    ///   - probe: the `bulkhead-probe` executable, whose `fork-exec-wait` mode is the C baseline.
    public func launchComparisons(policy argument: String, policy: Policy, bulkhead: String, probe: String,
                                  filterCache: FilterCache?) throws(LaunchError) -> (comparisons: [Comparison], filterInstructions: Int) {
        let environment = ProcessEnvironment.current()
        var comparisons: [Comparison] = []
        var instructions = 0
        for variant in [policy, policy.withoutCgroupLimits] where comparisons.isEmpty || variant.limits != policy.limits {
            let plan = try SandboxPlan(policy: variant, launcherEnvironment: environment, filterCache: filterCache)
            defer { plan.close() }
            if comparisons.isEmpty { instructions = plan.filter?.instructionCount ?? 0 }
            comparisons.append(try libraryLaunch(plan: plan, command: ["/bin/true"], baseline: [probe, "fork-exec-wait"]))
        }
        comparisons.append(wholeCommand(
            subject: [bulkhead, "run", "--quiet", "--policy", Self.commandLinePolicy(argument), "--", "/bin/true"],
            baseline: ["/bin/true"], target: 4.0))
        if let isolation = isolationAgainstBubblewrap(bulkhead: bulkhead) { comparisons.append(isolation) }
        return (comparisons, instructions)
    }

    /// Debian's bubblewrap with every namespace, the host's root read-only, no capabilities.
    static let bubblewrap = ["/usr/bin/bwrap", "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "--cap-drop", "ALL",
                             "/bin/true"]
    /// The isolating strict policy of the source tree (examples/isolation/strict.yaml): every namespace, a
    /// built file-system view, Landlock, seccomp and a cgroup slot, at least as strong as the bubblewrap line.
    static let isolatingPolicy = "examples/isolation/strict.yaml"

    /// The whole `bulkhead run` under the isolating policy against bubblewrap, interleaved (each side's
    /// namespace teardown lands in the other's launches, as on a machine running both). Nil where bwrap or
    /// the policy file is not there.
    public func isolationAgainstBubblewrap(bulkhead: String) -> Comparison? {
        guard access(Self.bubblewrap[0], X_OK) == 0, access(Self.isolatingPolicy, R_OK) == 0 else { return nil }
        return wholeCommand(subject: [bulkhead, "run", "--quiet", "--policy", Self.isolatingPolicy, "--", "/bin/true"],
                            baseline: Self.bubblewrap, target: 0.8)
    }

    /// The policy argument of the whole command: a shipped name becomes the policy file of the same name
    /// when run from the source tree, the form the project's speed target names (reading and caching a
    /// file is part of a user's launch; the embedded copy would skip it).
    static func commandLinePolicy(_ argument: String) -> String {
        guard case .shipped(let name) = PolicyReference(argument: argument), access("policies/\(name).yaml", R_OK) == 0 else {
            return argument
        }
        return "policies/\(name).yaml"
    }
}

extension Policy {
    /// The same policy without the limits that need a cgroup slot (memory and processes), renamed to say so.
    public var withoutCgroupLimits: Policy {
        var lighter = self
        lighter.limits.memory = nil
        lighter.limits.processes = nil
        lighter.name = (name ?? "policy") + " without memory/processes cgroup"
        return lighter
    }
}

import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

extension LaunchBenchmark {
    /// The launch comparisons `bulkhead bench` prints for a policy, in order: the library launch against
    /// a plain C fork+exec+wait, the same without the limits that need a cgroup (what the cgroup slot
    /// costs; left out when the policy sets none), the whole `bulkhead run` command against /bin/true, and,
    /// where they are installed, strict's whole command against bubblewrap and right after firejail.
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
        if let afterFirejail = strictAfterFirejail(bulkhead: bulkhead) { comparisons.append(afterFirejail) }
        return (comparisons, instructions)
    }

    /// Debian's firejail, without a profile.
    static let firejail = ["/usr/bin/firejail", "--quiet", "--noprofile", "/bin/true"]
    /// The whole `bulkhead run` under strict right after a firejail run against right after /bin/true
    /// (target 1.2x). Nil without a firejail that runs here.
    public func strictAfterFirejail(bulkhead: String) -> Comparison? {
        guard access(Self.firejail[0], X_OK) == 0, PlainSpawn.timeRun(Self.firejail) != nil else { return nil }
        return wholeCommand([bulkhead, "run", "--quiet", "--policy", Self.commandLinePolicy("strict"), "--", "/bin/true"],
                            rightAfter: Self.firejail, target: 1.2)
    }

    /// Debian's bubblewrap with every namespace, the host's root read-only, no capabilities.
    static let bubblewrap = ["/usr/bin/bwrap", "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "--cap-drop", "ALL",
                             "/bin/true"]
    /// The whole `bulkhead run` under strict (every namespace, a built file-system view, Landlock, seccomp and a
    /// cgroup slot: at least as strong as the bubblewrap line) against bubblewrap, interleaved (each side's
    /// namespace teardown lands in the other's launches, as on a machine running both). Nil without bwrap.
    public func isolationAgainstBubblewrap(bulkhead: String) -> Comparison? {
        guard access(Self.bubblewrap[0], X_OK) == 0 else { return nil }
        return wholeCommand(subject: [bulkhead, "run", "--quiet", "--policy", Self.commandLinePolicy("strict"), "--", "/bin/true"],
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

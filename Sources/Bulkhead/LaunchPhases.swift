import BulkheadPolicy

extension LaunchBenchmark {
    /// One layer of a policy, and the library launch with it and every layer before it.
    public struct Phase: Sendable {
        public var layer: String
        public var launch: Comparison
    }

    /// Where a launch's time goes (`bench --phases`): the library launch of `policy` built up one layer at
    /// a time, each step measured against a plain C fork+exec+wait in an interleaved run of its own. The
    /// difference between two steps is what the layer costs.
    public func phases(of policy: Policy, probe: String, filterCache: FilterCache?) throws(LaunchError) -> [Phase] {
        let environment = ProcessEnvironment.current()
        var phases: [Phase] = []
        for (layer, variant) in Self.layers(of: policy) {
            let plan = try SandboxPlan(policy: variant, launcherEnvironment: environment, filterCache: filterCache)
            defer { plan.close() }
            phases.append(Phase(layer: layer, launch: try libraryLaunch(plan: plan, command: ["/bin/true"],
                                                                        baseline: [probe, "fork-exec-wait"])))
        }
        return phases
    }

    /// The policy's layers in the order a launch applies them: the seccomp filter with capabilities and
    /// no_new_privs (and the pid namespace bulkhead adds for violation reports); the namespaces but the
    /// network's; the network; the file-system view with its Landlock rules and scratch; the limits that
    /// need a cgroup slot. A layer the policy does not have is left out; the last step is the policy.
    static func layers(of policy: Policy) -> [(layer: String, policy: Policy)] {
        var step = policy.withoutCgroupLimits
        step.name = policy.name
        step.namespaces = nil
        step.network = .host
        step.filesystem = nil
        var layers = [(layer: "seccomp filter, capabilities, no_new_privs", policy: step)]
        func add(_ layer: String, _ change: (inout Policy) -> Void) {
            change(&step)
            if let last = layers.last?.policy, step != last { layers.append((layer, step)) }
        }
        let asked = policy.namespaces
        var withoutNetwork = asked
        withoutNetwork?.enabled.removeAll { $0 == .net }
        if withoutNetwork?.enabled.isEmpty == true { withoutNetwork = nil }
        let kinds = (withoutNetwork?.enabled ?? []).map(\.rawValue).joined(separator: ", ")
        add("+ namespaces \(kinds)") { $0.namespaces = withoutNetwork }
        add("+ network \(policy.network.mode)") { $0.namespaces = asked; $0.network = policy.network }
        add("+ file-system view, Landlock rules, scratch") { $0.filesystem = policy.filesystem }
        add("+ memory and process limits (cgroup slot)") { $0.limits = policy.limits }
        return layers
    }
}

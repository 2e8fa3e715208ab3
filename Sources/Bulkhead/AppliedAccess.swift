import BulkheadPolicy

/// What a run's `filesystem:` and `network:` came to on this machine, for the report: the Landlock ABI
/// enforced (rights an older ABI does not know are not restricted, so the number matters), how many
/// rules the task's domain holds, the network mode, and the scratch directory.
public struct AppliedAccess: Sendable, Equatable {
    public struct Scratch: Sendable, Equatable {
        public var path: String
        /// Left in place on request (`--keep-scratch`).
        public var kept: Bool
        /// Why it could not be removed; nil when it was (or was kept).
        public var removalError: String?
    }

    /// The Landlock ABI of the task's own domain; nil when it has none (no file-system or network rules).
    public var landlockABI: Int?
    /// Grants and ports added to that domain (a write grant above the cgroup mounts, granted beside
    /// them, counts once).
    public var landlockRules: Int
    /// host, none or rules.
    public var network: String
    public var scratch: Scratch?

    init(plan: SandboxPlan, rules: Int) {
        landlockABI = plan.landlock?.abi
        landlockRules = rules
        network = plan.policy.network.mode
    }
}

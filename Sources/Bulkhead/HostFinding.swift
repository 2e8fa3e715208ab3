import SystemPackage
/// One thing `HostCheck` found out about this machine and this bulkhead process, with what it means for
/// the policy keys that depend on it.
public struct HostFinding: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        /// Present and usable by bulkhead as it runs now.
        case available
        /// Usable with a restriction the detail names (only inside a user namespace, an older ABI).
        case partial
        /// Missing or refused; the meaning says what policies lose.
        case unavailable
        /// A fact about this process or machine that is neither good nor bad (running as root, a filter
        /// above bulkhead).
        case info
    }

    /// Stable identifier, for scripts: "landlock", "namespace.user", "seccomp.user-notif", ... (the README
    /// lists them).
    public let id: String
    /// Short human name: "Landlock", "user namespace".
    public let name: String
    public let state: State
    /// What was found: "ABI 7", "disabled (kernel.unprivileged_userns_clone=0)".
    public let detail: String
    /// What that means for the policies: "filesystem/network rules and signal scoping available".
    public let meaning: String
    /// The policy keys whose enforcement depends on this finding; empty when none does.
    public let policyKeys: [String]
    /// The error the probe got, when it got one.
    public let errno: Errno?

    public init(id: String, name: String, state: State, detail: String, meaning: String,
                policyKeys: [String] = [], errno: Errno? = nil) {
        self.id = id; self.name = name; self.state = state; self.detail = detail
        self.meaning = meaning; self.policyKeys = policyKeys; self.errno = errno
    }
}

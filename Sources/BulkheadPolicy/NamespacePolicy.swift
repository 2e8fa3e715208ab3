/// The kernel namespaces a policy asks for (`namespaces:`), in the order bulkhead makes them: a user
/// namespace first, so that an unprivileged bulkhead may make the others inside it.
public enum NamespaceKind: String, Sendable, Equatable, Hashable, CaseIterable {
    case user, pid, net, mount, ipc, uts, cgroup
}

/// `namespaces:` in a policy file. Absent (nil in `Policy`), bulkhead decides alone (an IPC namespace
/// for a task that may create IPC objects, see `TaskNamespaces`); present, every namespace it enables
/// is made or the run is refused, unless it is best-effort.
public struct NamespacePolicy: Sendable, Equatable {
    /// In `NamespaceKind.allCases` order, unique.
    public var enabled: [NamespaceKind] = []
    /// The host name inside the UTS namespace; nil: `defaultHostname`.
    public var hostname: String?
    /// The uid and gid the caller becomes inside the user namespace; nil: the caller's own.
    public var uid: UInt32?
    public var gid: UInt32?
    /// Namespaces that may be skipped, with a warning, where this kernel or uid cannot make them.
    public var bestEffort: [NamespaceKind] = []

    public static let defaultHostname = "bulkhead"
    /// sethostname(2) refuses more (__NEW_UTS_LEN).
    public static let maxHostnameLength = 64

    public init(
        enabled: [NamespaceKind] = [], hostname: String? = nil, uid: UInt32? = nil, gid: UInt32? = nil,
        bestEffort: [NamespaceKind] = []
    ) {
        self.enabled = Self.ordered(enabled); self.hostname = hostname; self.uid = uid; self.gid = gid
        self.bestEffort = Self.ordered(bestEffort)
    }

    public func enables(_ kind: NamespaceKind) -> Bool { enabled.contains(kind) }
    public func isBestEffort(_ kind: NamespaceKind) -> Bool { bestEffort.contains(kind) }

    /// `kinds` unique, in `NamespaceKind.allCases` order.
    public static func ordered(_ kinds: some Sequence<NamespaceKind>) -> [NamespaceKind] {
        let set = Set(kinds)
        return NamespaceKind.allCases.filter(set.contains)
    }
}

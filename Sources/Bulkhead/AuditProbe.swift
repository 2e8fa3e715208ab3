import BulkheadPolicy

/// One probe of the audit battery: what it tries, what it is given, and what the audit needs to
/// decide which layer stopped it (`AuditJudge`). The probe itself is a mode of `bulkhead-probe`
/// (`bulkhead-probe audit ID ARGS...`, Sources/bulkhead-probe/audit_*.c).
public struct AuditProbe: Sendable, Equatable {
    public enum Family: String, Sendable, Equatable, CaseIterable {
        case network, files, processes, kernel, resources
    }

    public let id: String
    public let family: Family
    /// What a hostile task would be after, in a few words.
    public let tries: String
    /// What the auditor passes it, in order.
    public let targets: [AuditTarget]
    /// The capability that takes a task past the kernel's own check; an EPERM or EACCES from the
    /// kernel is the capabilities layer when the policy does not keep it.
    let capability: String?
    /// The target belongs to the auditor's uid: when the policy runs the task as another uid, an
    /// EPERM or EACCES from the kernel is the user layer.
    let crossesUsers: Bool
    /// The access is one a Landlock domain governs (signalling with the signal scope, ptrace and the
    /// /proc files that need ptrace access): an EPERM or EACCES is the Landlock layer when the task
    /// runs in bulkhead's domain (`SandboxPlan.scopesSignals`).
    let landlockScoped: Bool
    /// The arguments the probe passes to the calls that can stop it, by the call token of its verdict
    /// line (the system call's name, or NAME:VARIANT where it makes one call two ways) and argument
    /// index, so that a filter rule's conditions can be checked against them.
    let calls: [String: [Int: UInt64]]
    /// Errno names that mean this kernel lacks the interface, when no layer of the policy explains them.
    let notHere: [String: String]
    /// The limit meant to stop a resource probe.
    let limit: LimitKind?
    /// What the probe reaches is per network namespace (the routing tables a netlink socket talks to): in a
    /// network namespace of the task's own (`network: none`) its success touches nothing of the host's.
    let perNetworkNamespace: Bool

    init(_ id: String, _ family: Family, _ tries: String, targets: [AuditTarget] = [], capability: String? = nil,
         crossesUsers: Bool = false, landlockScoped: Bool = false, calls: [String: [Int: UInt64]] = [:],
         notHere: [String: String] = [:], limit: LimitKind? = nil, perNetworkNamespace: Bool = false) {
        self.id = id; self.family = family; self.tries = tries; self.targets = targets; self.capability = capability
        self.crossesUsers = crossesUsers; self.landlockScoped = landlockScoped
        self.calls = calls; self.notHere = notHere; self.limit = limit; self.perNetworkNamespace = perNetworkNamespace
    }
}

/// Something the auditor prepares for the probes outside the task (`AuditTargets`), or a cap it derives
/// from the policy. Each becomes one argument, or two where noted.
public enum AuditTarget: Sendable, Hashable {
    /// Address and port of the auditor's listener (two arguments).
    case tcp4Loopback, tcp6Loopback, udp4Loopback, udp6Loopback
    /// The host's own address with a listener on it, or "-" and why there is none (two arguments).
    case tcp4Routable, tcp6Routable, udp4Routable, udp6Routable
    case abstractSocket, namedSocket
    /// An owner-only file of the auditor's, or "-" and why there is none (two arguments).
    case rootOnlyFile
    /// A file in a 0700 folder of another uid, or "-" and why there is none (two arguments).
    case otherHomeFile
    /// A world-writable folder no policy grants.
    case outsideFolder
    /// A folder the task may make its own folder in, and the owner-only file it links to (two arguments).
    case grantedFolderAndSecret
    case secretFile
    case auditorPID, victimPID
    /// Empty folders of the auditor's for mount, umount, pivot_root and chroot; never mount points.
    case mountFolder, umountFolder, pivotFolder, chrootFolder
    /// Caps just past the policy's limit (or modest ones without a limit).
    case processCap, memoryCap, cpuCap, openFilesCap, inotifyCap, inotifyWatchCap
    /// A folder to fill and the cap in MiB (two arguments).
    case fillFolderAndCap
}

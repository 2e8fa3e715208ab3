import BulkheadPolicy
#if canImport(Glibc)
    import Glibc
#endif

/// The namespaces a task starts in, and how the child enters them.
///
/// Those the policy asks for (`namespaces:`), each made or the run refused unless it is best-effort, and
/// some bulkhead adds on its own:
/// - An IPC namespace for a task whose filter lets it create System V IPC objects or POSIX message
///   queues. Such objects belong to the namespace, not to a process, and outlive the task otherwise: a
///   200 MiB shared-memory segment stayed charged to the memory cgroup slot the next task reused, which
///   was then OOM-killed at 56 MiB. With its own namespace, everything the task made goes when its last
///   process does. Where it cannot be made, the task runs without, with a warning.
/// - A mount namespace with a pid namespace: the task's /proc must show its own pid namespace, and a
///   fresh /proc can only be mounted in a mount namespace of its own (else it would cover the host's).
/// - A user namespace when bulkhead lacks CAP_SYS_ADMIN: the kernel lets an unprivileged process make
///   the others only inside one (user_namespaces(7)).
///
/// The uid and gid maps are one line each, and the child writes its own: one line mapping the writer's
/// own id is exactly what the kernel lets any process write for itself, so there is no round trip to the
/// parent, and a launch without a pid namespace keeps its CLONE_VFORK (the parent could not write the maps
/// while the child holds it suspended). A parent-written map could map ranges; no policy asks for more
/// than the caller's one id. An unprivileged bulkhead's clone makes the user namespace first, and the
/// others inside it. A root bulkhead's task makes it last, itself (`unshareUser`), once it runs as the
/// uid and groups it has on the host (`user:`, or root without root's groups): a clone-made one would
/// keep root's ids outside, with no uid inside for `user:` to switch to.
struct TaskNamespaces: Equatable {
    static let newIPC: UInt = 0x0800_0000  // CLONE_NEWIPC
    static let newUser: UInt = 0x1000_0000  // CLONE_NEWUSER
    static let newNet: UInt = 0x4000_0000   // CLONE_NEWNET
    static let cloneNewNS: UInt = 0x0002_0000  // CLONE_NEWNS
    static let cloneNewPID: UInt = 0x2000_0000  // CLONE_NEWPID

    static func flag(_ kind: NamespaceKind) -> UInt {
        switch kind {
        case .user: return newUser
        case .pid: return cloneNewPID
        case .net: return newNet
        case .mount: return cloneNewNS
        case .ipc: return newIPC
        case .uts: return 0x0400_0000  // CLONE_NEWUTS
        case .cgroup: return 0x0200_0000  // CLONE_NEWCGROUP
        }
    }

    static func kind(ofFlag flag: UInt) -> NamespaceKind? { NamespaceKind.allCases.first { Self.flag($0) == flag } }

    /// The namespaces the task gets, in `NamespaceKind` order.
    var kinds: [NamespaceKind] = []
    /// Those the policy asks for; the others are bulkhead's own (see above).
    var requested: [NamespaceKind] = []
    /// Requested ones that may be skipped with a warning.
    var bestEffort: [NamespaceKind] = []
    var hostname: String?
    /// (path, text) the child writes to its own /proc files, in order: the user namespace's maps.
    var procWrites: [(path: String, text: String)] = []
    /// The task makes the user namespace after its identity change, instead of the clone (root only).
    var unshareUser = false

    /// The CLONE_NEW* flags of `kinds`; set, it replaces them.
    var flags: UInt {
        get { kinds.reduce(0) { $0 | Self.flag($1) } }
        set { kinds = NamespaceKind.allCases.filter { newValue & Self.flag($0) != 0 } }
    }

    init() {}

    /// Namespaces bulkhead adds on its own, by their flags (none of them asked for by the policy).
    init(flags: UInt, procWrites: [(path: String, text: String)] = []) {
        self.flags = flags
        self.procWrites = procWrites
    }
    /// What the clone makes: all but a user namespace the task makes itself.
    var cloneFlags: UInt { unshareUser ? flags & ~Self.newUser : flags }

    static func == (a: TaskNamespaces, b: TaskNamespaces) -> Bool {
        a.kinds == b.kinds && a.requested == b.requested && a.bestEffort == b.bestEffort && a.hostname == b.hostname
            && a.unshareUser == b.unshareUser && a.networkNone == b.networkNone
            && a.mountViewRequired == b.mountViewRequired
            && a.procWrites.elementsEqual(b.procWrites) { $0.path == $1.path && $0.text == $1.text }
    }

    var isEmpty: Bool { kinds.isEmpty }
    var needsUserNamespace: Bool { kinds.contains(.user) }
    var hasInit: Bool { kinds.contains(.pid) }
    /// `network: none` asked for the network namespace: where it cannot be made, the run is refused.
    var isRequired: Bool { networkNone && kinds.contains(.net) }
    /// The policy says `network: none`, which is kept by a network namespace of the task's own.
    var networkNone = false
    /// The task has a file-system view (`MountView`), which needs its mount namespace.
    var mountViewRequired = false

    /// What is lost when bulkhead's own IPC namespace cannot be made: the warning of a run without it.
    static let fallbackWarning =
        "System V IPC objects and POSIX message queues the task creates outlive it: bulkhead cannot make an IPC namespace here "
            + "(refused by the kernel, a security module, or a filter bulkhead runs under)"

    /// The uid and gid a caller becomes inside a user namespace when the policy names none: its own, but
    /// never root unless asked (`namespaces.uid: 0`), so a root caller becomes nobody.
    static let unmappedRootID: UInt32 = 65534

    /// - Parameters:
    ///   - uid, gid: bulkhead's own ids.
    ///   - identity: the ids `user:` switches the task to (a root bulkhead), which it has on the host.
    static func plan(
        for policy: Policy, holdsSysAdmin: Bool, uid: uid_t = geteuid(), gid: gid_t = getegid(),
        identity: (uid: uid_t, gid: gid_t)? = nil
    ) -> TaskNamespaces {
        let asked = policy.namespaces
        var plan = TaskNamespaces()
        plan.requested = asked?.enabled ?? []
        plan.bestEffort = asked?.bestEffort ?? []
        var kinds = Set(plan.requested)
        // A network namespace for `network: none`: the task sees no interface but its own loopback.
        if case .none = policy.network {
            kinds.insert(.net)
            plan.networkNone = true
        }
        if !kinds.contains(.ipc), policy.seccomp.map(Self.mayCreateIPCObjects) ?? true { kinds.insert(.ipc) }
        if kinds.contains(.pid) { kinds.insert(.mount) }
        if !holdsSysAdmin, !kinds.isEmpty { kinds.insert(.user) }
        plan.kinds = NamespacePolicy.ordered(kinds)
        if kinds.contains(.uts) { plan.hostname = asked?.hostname ?? NamespacePolicy.defaultHostname }
        if kinds.contains(.user) {
            plan.unshareUser = holdsSysAdmin
            let outer = holdsSysAdmin ? identity ?? (uid, gid) : (uid, gid)
            let innerUID = asked?.uid ?? (outer.0 == 0 ? unmappedRootID : outer.0)
            let innerGID = asked?.gid ?? (outer.0 == 0 ? unmappedRootID : outer.1)
            plan.procWrites = [
                ("/proc/self/setgroups", "deny"),
                ("/proc/self/uid_map", "\(innerUID) \(outer.0) 1\n"),
                ("/proc/self/gid_map", "\(innerGID) \(outer.1) 1\n")
            ]
        }
        return plan
    }

    /// The same plan without `dropped`, and with the namespaces that exist only for them.
    func without(_ dropped: [NamespaceKind]) -> TaskNamespaces {
        var next = self
        next.kinds = kinds.filter { !dropped.contains($0) }
        if !next.kinds.contains(.pid), !requested.contains(.mount), !mountViewRequired { next.kinds.removeAll { $0 == .mount } }
        if next.kinds == [.user], !requested.contains(.user) { next.kinds = [] }
        if !next.kinds.contains(.user) { next.procWrites = []; next.unshareUser = false }
        if !next.kinds.contains(.uts) { next.hostname = nil }
        return next
    }

    /// The calls that create IPC objects (the i386 `ipc` multiplexer is behind the architecture check).
    static let ipcCreators = ["shmget", "msgget", "semget", "mq_open"]

    /// False only when the filter refuses every one of them whatever the arguments.
    static func mayCreateIPCObjects(_ seccomp: SeccompPolicy) -> Bool { seccomp.mayPermit(anyOf: ipcCreators) }
}

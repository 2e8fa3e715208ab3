import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

/// The namespaces a task starts in, and how the child enters them.
///
/// Today one: a task whose filter lets it create System V IPC objects or POSIX message queues gets an
/// IPC namespace of its own. Such objects belong to the namespace, not to a process, and outlive the
/// task otherwise: a 200 MiB shared-memory segment stayed charged to the memory cgroup slot the next
/// task reused, which was then OOM-killed at 56 MiB. With its own namespace, everything the task made
/// goes when its last process does (ipc_namespace teardown frees every segment, queue and semaphore).
///
/// Making an IPC namespace needs CAP_SYS_ADMIN. Without it, the task also gets a user namespace in
/// which its uid and gid map to themselves; the child writes those maps itself (one line mapping its
/// own id is what an unprivileged process may write, user_namespaces(7)). Where the kernel refuses an
/// unprivileged user namespace (a sysctl, an LSM), the task runs without and the run says so in a warning.
struct TaskNamespaces: Equatable {
    static let newIPC: UInt = 0x0800_0000   // CLONE_NEWIPC
    static let newUser: UInt = 0x1000_0000  // CLONE_NEWUSER
    static let newNet: UInt = 0x4000_0000   // CLONE_NEWNET

    var flags: UInt = 0
    /// (path, text) the child writes to its own /proc files, in order.
    var procWrites: [(path: String, text: String)] = []

    static func == (a: TaskNamespaces, b: TaskNamespaces) -> Bool {
        a.flags == b.flags && a.procWrites.elementsEqual(b.procWrites) { $0.path == $1.path && $0.text == $1.text }
    }

    var isEmpty: Bool { flags == 0 }
    var needsUserNamespace: Bool { flags & Self.newUser != 0 }
    /// The policy asked for it (`network: none`): a launch without it is refused, never a fallback.
    var isRequired: Bool { flags & Self.newNet != 0 }

    /// What is lost when the namespaces cannot be made: the warning of a run without them.
    static let fallbackWarning = "System V IPC objects and POSIX message queues the task creates outlive it: bulkhead cannot make an IPC namespace here (refused by the kernel, a security module, or a filter bulkhead runs under)"

    /// A network namespace too for `network: none`: the task sees no interface but its own loopback.
    static func plan(for policy: Policy, holdsSysAdmin: Bool) -> TaskNamespaces {
        var flags: UInt = 0
        if policy.seccomp.map(Self.mayCreateIPCObjects) ?? true { flags |= newIPC }
        if case .none = policy.network { flags |= newNet }
        guard flags != 0 else { return TaskNamespaces() }
        if holdsSysAdmin { return TaskNamespaces(flags: flags) }
        let uid = geteuid(), gid = getegid()
        return TaskNamespaces(flags: flags | newUser, procWrites: [
            ("/proc/self/setgroups", "deny"),
            ("/proc/self/uid_map", "\(uid) \(uid) 1\n"),
            ("/proc/self/gid_map", "\(gid) \(gid) 1\n"),
        ])
    }

    /// The calls that create IPC objects (the i386 `ipc` multiplexer is behind the architecture check).
    static let ipcCreators = ["shmget", "msgget", "semget", "mq_open"]

    /// False only when the filter refuses every one of them whatever the arguments.
    static func mayCreateIPCObjects(_ seccomp: SeccompPolicy) -> Bool { seccomp.mayPermit(anyOf: ipcCreators) }
}

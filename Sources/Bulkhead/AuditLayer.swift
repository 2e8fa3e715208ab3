/// What stopped an audit probe, as the audit found it from the probe's outcome, its errno and the
/// policy (`AuditJudge`), never assumed from the probe's name.
public enum AuditLayer: String, Sendable, Equatable, CaseIterable {
    /// The task was killed by the filter (SIGSYS).
    case seccompKill = "seccomp-kill"
    /// The filter answered the call with the errno the probe saw.
    case seccompErrno = "seccomp-errno"
    /// The kernel's check for a capability the policy does not keep.
    case capabilities
    /// no_new_privs: executed programs gain no privilege.
    case noNewPrivs = "no-new-privs"
    /// The policy runs the task as another uid, which the target's owner or mode shuts out.
    case user
    /// A namespace of the task's own: the host's listeners are not in its network namespace (`network:
    /// none`), the host's processes not in its pid namespace.
    case namespace
    /// The task's file-system view (a mount namespace with the policy's `filesystem:`): what is not granted
    /// does not exist there, and what is granted read-only is a read-only mount.
    case mountView = "mount-view"
    /// bulkhead's Landlock domain: the policy's `filesystem:` and `network:` rules, and always signals
    /// scoped to the task's tree, ptrace and ptrace-mode /proc access kept inside the domain.
    case landlock
    /// The launcher itself (descriptors closed before exec).
    case launcher
    /// A resource limit of the policy.
    case limit
    /// The wall-clock limit (the policy's, or the audit's own per-probe timeout).
    case timeout
    /// Nothing in the policy explains it: the kernel or the host's configuration refused (a sysctl, a
    /// security module, a container's own filter). It holds here, not necessarily elsewhere.
    case host

    public var summary: String {
        switch self {
        case .seccompKill: return "seccomp kill"
        case .seccompErrno: return "seccomp errno"
        case .capabilities: return "capabilities"
        case .noNewPrivs: return "no_new_privs"
        case .user: return "user"
        case .landlock: return "Landlock"
        case .namespace: return "namespace"
        case .mountView: return "file-system view"
        case .launcher: return "launcher"
        case .limit: return "limit"
        case .timeout: return "timeout"
        case .host: return "host"
        }
    }
}

import BulkheadPolicy
import BulkheadSystem
import CLaunch
import SystemPackage
#if canImport(Glibc)
    import Glibc
#endif

/// What to do when some of a task's namespaces cannot be made: which ones, and whether the run goes on
/// without them (best-effort, or bulkhead's own additions) or is refused, naming the key, the reason and
/// the fix. Refuse rather than pretend: a task that asked for a namespace never runs without it silently.
struct NamespaceShortfall {
    /// The namespaces that cannot be made.
    let missing: [NamespaceKind]
    let errno: Errno

    /// The kernel's errors for a namespace the caller may not make: EPERM (no capability, a security
    /// module), ENOSPC and EUSERS (a max_*_namespaces sysctl is 0 or reached), EINVAL (a flag the kernel
    /// lacks), EACCES, and ENOSYS from a seccomp filter bulkhead itself runs under (bulkhead's default
    /// policy answers clone with namespace flags so).
    static let refusals: Set<Errno> = [.notPermitted, .noSpace, .tooManyUsers, .invalidArgument, .permissionDenied, .noFunction]

    /// The clone failed with `errno`: finds out which namespaces are refused by trying each alone (inside
    /// the user namespace where the others need one), with the host check's probe (`bh_probe_namespaces`).
    static func probe(_ plan: TaskNamespaces, errno: Errno) -> NamespaceShortfall {
        if plan.needsUserNamespace, let err = refusal(TaskNamespaces.newUser) {
            return NamespaceShortfall(missing: [.user], errno: err)
        }
        let base: UInt = plan.needsUserNamespace && !plan.unshareUser ? TaskNamespaces.newUser : 0
        var missing: [NamespaceKind] = []
        var firstErrno: Errno?
        for kind in plan.kinds where kind != .user {
            if let err = refusal(base | TaskNamespaces.flag(kind)) { missing.append(kind); firstErrno = firstErrno ?? err }
        }
        // Each alone can be made, not all together: name them all.
        if missing.isEmpty { return NamespaceShortfall(missing: plan.kinds, errno: errno) }
        return NamespaceShortfall(missing: missing, errno: firstErrno ?? errno)
    }

    private static func refusal(_ flags: UInt) -> Errno? {
        var probe = bh_namespace_probe()
        guard bh_probe_namespaces(flags, uid_t.max, gid_t.max, &probe) == 0 else { return Errno.current }
        if probe.step == Int32(BH_PROBE_STEP_NONE.rawValue) { return nil }
        // Killed by a filter rather than refused: as unusable.
        return probe.signal != 0 ? .notPermitted : Errno(rawValue: probe.error)
    }

    /// The plan to try next, and the warnings of what it goes without; throws when a namespace the
    /// policy asked for, and not as best-effort, is among those that cannot be made.
    func resolve(_ plan: TaskNamespaces, holdsSysAdmin: Bool, warnings: inout [String]) throws(LaunchError) -> TaskNamespaces {
        var lost = Set(missing)
        // Without the user namespace, an unprivileged bulkhead can make none of the others; without its
        // mount namespace, a pid namespace would show the host's /proc.
        if lost.contains(.user), !holdsSysAdmin { lost.formUnion(plan.kinds) }
        if lost.contains(.mount), !plan.requested.contains(.mount), plan.kinds.contains(.pid) { lost.insert(.pid) }
        let lostKinds = NamespacePolicy.ordered(lost)
        if lost.contains(.mount), plan.mountViewRequired {
            let user = plan.needsUserNamespace && !holdsSysAdmin
            let needs = "a mount namespace" + (user ? " inside a user namespace" : "")
                + (plan.networkNone ? " (and network: none a network namespace)" : "")
            throw LaunchError(
                stage: .namespaces, errno: errno, message: "the file-system view needs \(needs), which cannot be made here",
                hint: user
                    ? "allow unprivileged user namespaces (kernel.unprivileged_userns_clone, "
                        + "kernel.apparmor_restrict_unprivileged_userns), or run bulkhead as root"
                    : "run bulkhead where it may make namespaces (CAP_SYS_ADMIN, no filter refusing them)")
        }
        if lost.contains(.net), plan.networkNone {
            throw LaunchError(
                stage: .namespaces, errno: errno, message: "network: none needs a network namespace of its own, which cannot be made here",
                hint: plan.needsUserNamespace && !holdsSysAdmin
                    ? "allow unprivileged user namespaces (kernel.unprivileged_userns_clone, "
                        + "kernel.apparmor_restrict_unprivileged_userns), run bulkhead as root, or use network rules"
                    : "run bulkhead where it may make namespaces, or use network rules")
        }
        let reason = Self.reason(for: lostKinds, errno: errno, holdsSysAdmin: holdsSysAdmin, plan: plan)
        let refused = lostKinds.filter { plan.requested.contains($0) && !plan.bestEffort.contains($0) }
        if !refused.isEmpty {
            let keys = refused.map { "namespaces.\($0.rawValue)" }.joined(separator: ", ")
            let names = refused.map(\.rawValue).joined(separator: ", ")
            throw LaunchError(
                stage: .namespaces, errno: errno,
                message: "\(keys) cannot be made: \(reason)",
                hint: Self.fix(holdsSysAdmin: holdsSysAdmin) + ", or add \(names) to namespaces.best-effort")
        }
        for kind in lostKinds where plan.requested.contains(kind) {
            warnings.append("namespaces.\(kind.rawValue) not applied (best-effort): \(reason): \(errno.text)")
        }
        if lost.contains(.ipc), !plan.requested.contains(.ipc) { warnings.append(TaskNamespaces.fallbackWarning) }
        return plan.without(lostKinds)
    }

    private static func reason(for kinds: [NamespaceKind], errno: Errno, holdsSysAdmin: Bool, plan: TaskNamespaces) -> String {
        if !holdsSysAdmin, plan.needsUserNamespace, !plan.unshareUser {
            return "bulkhead runs without CAP_SYS_ADMIN and makes namespaces inside a user namespace, and the kernel refused "
                + (kinds.contains(.user) ? "the user namespace" : "them there")
        }
        return errno == .noFunction ? "a seccomp filter bulkhead runs under refuses them" : "the kernel refused them"
    }

    private static func fix(holdsSysAdmin: Bool) -> String {
        holdsSysAdmin
            ? "run bulkhead where no seccomp filter or security module refuses new namespaces"
            : "run bulkhead as root, or allow unprivileged user namespaces (sysctl user.max_user_namespaces, "
                + "kernel.unprivileged_userns_clone; no security module or seccomp filter refusing them)"
    }
}

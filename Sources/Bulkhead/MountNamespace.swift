import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

extension TaskNamespaces {
    /// These namespaces and a mount namespace, for a `MountView`. Making one needs CAP_SYS_ADMIN; without
    /// it, the task also gets a user namespace mapping its uid and gid to themselves (as for the IPC
    /// namespace), and the view is built with the capabilities the child holds in there. The view's
    /// namespaces cannot be left out (`NamespaceShortfall`).
    func addingMountNamespace(holdsSysAdmin: Bool, uid: uid_t = geteuid(), gid: gid_t = getegid()) -> TaskNamespaces {
        var result = self
        result.mountViewRequired = true
        var kinds = Set(self.kinds)
        kinds.insert(.mount)
        if !holdsSysAdmin, !kinds.contains(.user) {
            kinds.insert(.user)
            result.procWrites = [
                ("/proc/self/setgroups", "deny"),
                ("/proc/self/uid_map", "\(uid) \(uid) 1\n"),
                ("/proc/self/gid_map", "\(gid) \(gid) 1\n"),
            ]
        }
        result.kinds = NamespacePolicy.ordered(kinds)
        return result
    }

    var hasMountNamespace: Bool { kinds.contains(.mount) }
    /// A fresh proc may be mounted: by root in the launcher's user namespace (also when the task makes its
    /// user namespace only later, `unshareUser`), or for a pid namespace the task's user namespace owns
    /// (otherwise the kernel refuses it, EPERM: proc(5), mount_namespaces(7)).
    var mayMountFreshProc: Bool { !needsUserNamespace || unshareUser || kinds.contains(.pid) }
}

extension MountView {
    /// A task keeping CAP_SYS_ADMIN could remount its grants writable, unmount what hides a path, or mount
    /// anything it likes: the view would be a suggestion.
    static func refuseUndoing(keepCaps: UInt64) throws(LaunchError) {
        guard Capabilities.holds(keepCaps, CapabilityNames.sysAdmin) else { return }
        throw LaunchError(stage: .capabilities,
                          message: "the policy keeps CAP_SYS_ADMIN, with which the task could undo its file-system view "
                              + "(remount a read-only grant writable, unmount a hidden path's cover)",
                          hint: "remove CAP_SYS_ADMIN from capabilities.keep, or run the task without a file-system view")
    }
}

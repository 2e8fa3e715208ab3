import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

extension TaskNamespaces {
    /// The same namespaces with a pid namespace of bulkhead's own (and what it needs: a mount namespace
    /// for its /proc, a user namespace for an unprivileged bulkhead). Not requested by the policy, so a
    /// launch where it cannot be made goes on without it (`NamespaceShortfall`).
    func addingPIDNamespace(for policy: Policy, holdsSysAdmin: Bool, identity: (uid: uid_t, gid: gid_t)?) -> TaskNamespaces {
        guard !kinds.contains(.pid) else { return self }
        var asked = policy
        var namespaces = policy.namespaces ?? NamespacePolicy()
        namespaces.enabled = NamespacePolicy.ordered(namespaces.enabled + [.pid])
        asked.namespaces = namespaces
        var result = TaskNamespaces.plan(for: asked, holdsSysAdmin: holdsSysAdmin, identity: identity)
        result.requested = requested
        result.bestEffort = bestEffort
        result.mountViewRequired = mountViewRequired
        return result
    }
}

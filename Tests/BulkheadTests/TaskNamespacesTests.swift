@testable import Bulkhead
import BulkheadPolicy
import SystemPackage
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Which tasks get an IPC namespace: exactly those whose filter lets them create IPC objects.
@Suite struct TaskNamespacesTests {
    @Test func shippedPolicies() throws {
        #expect(TaskNamespaces.mayCreateIPCObjects(try #require(try PolicyLoader.loadShipped(name: "default").seccomp)))
        #expect(!TaskNamespaces.mayCreateIPCObjects(try #require(try PolicyLoader.loadShipped(name: "strict").seccomp)))
    }

    @Test func anyWayOfAllowingCounts() {
        #expect(TaskNamespaces.mayCreateIPCObjects(SeccompPolicy(defaultAction: .allow)))
        #expect(TaskNamespaces.mayCreateIPCObjects(SeccompPolicy(defaultAction: .log)))
        #expect(TaskNamespaces.mayCreateIPCObjects(SeccompPolicy(defaultAction: .kill, allow: ["mq_open"])))
        let conditional = SyscallRule(syscall: "shmget", action: .allow,
                                      conditions: [ArgumentCondition(index: 2, comparison: .equal(0), low32: true)])
        #expect(TaskNamespaces.mayCreateIPCObjects(SeccompPolicy(defaultAction: .kill, rules: [conditional])))
        // A rule refusing the call wins over the allow list.
        let refused = ["shmget", "msgget", "semget", "mq_open"].map { SyscallRule(syscall: $0, action: .errno(1), conditions: []) }
        #expect(!TaskNamespaces.mayCreateIPCObjects(SeccompPolicy(defaultAction: .allow, rules: refused)))
    }

    @Test func withoutAFilterThereIsANamespace() throws {
        var policy = Policy()
        policy.seccomp = nil
        #expect(!TaskNamespaces.plan(for: policy, holdsSysAdmin: true).isEmpty)
        let unprivileged = TaskNamespaces.plan(for: policy, holdsSysAdmin: false)
        #expect(unprivileged.needsUserNamespace)
        #expect(unprivileged.procWrites.map(\.path) == ["/proc/self/setgroups", "/proc/self/uid_map", "/proc/self/gid_map"])
    }

    @Test func whatThePolicyAsksForAndWhatComesWithIt() throws {
        var policy = try PolicyLoader.loadShipped(name: "strict")
        policy.namespaces = NamespacePolicy(enabled: [.pid, .net, .uts], hostname: "box", bestEffort: [.net])
        policy.network = .host
        let root = TaskNamespaces.plan(for: policy, holdsSysAdmin: true, uid: 0, gid: 0)
        // pid brings a mount namespace for its /proc; strict creates no IPC objects, so no IPC namespace.
        #expect(root.kinds == [.pid, .net, .mount, .uts])
        #expect(root.requested == [.pid, .net, .uts] && root.hostname == "box" && root.procWrites.isEmpty)
        let user = TaskNamespaces.plan(for: policy, holdsSysAdmin: false, uid: 1000, gid: 100)
        #expect(user.kinds == [.user, .pid, .net, .mount, .uts])
        #expect(user.procWrites.map(\.text) == ["deny", "1000 1000 1\n", "100 100 1\n"])
        // Without the user namespace nothing is left for an unprivileged bulkhead: every namespace asked
        // for, and not best-effort, is named.
        var warnings: [String] = []
        #expect(throws: LaunchError(stage: .namespaces, errno: .notPermitted,
                                    message: "namespaces.pid, namespaces.uts cannot be made: bulkhead runs without CAP_SYS_ADMIN "
                                        + "and makes namespaces inside a user namespace, and the kernel refused the user namespace",
                                    hint: "run bulkhead as root, or allow unprivileged user namespaces (sysctl user.max_user_namespaces, "
                                        + "kernel.unprivileged_userns_clone; no security module or seccomp filter refusing them), "
                                        + "or add pid, uts to namespaces.best-effort")) {
            try NamespaceShortfall(missing: [.user], errno: .notPermitted).resolve(user, holdsSysAdmin: false, warnings: &warnings)
        }
        #expect(root.without([.pid]).kinds == [.net, .uts])
    }

    @Test func theIDsInside() throws {
        var policy = Policy()
        policy.namespaces = NamespacePolicy(enabled: [.user])
        // A root caller is not root inside unless the policy says so.
        #expect(TaskNamespaces.plan(for: policy, holdsSysAdmin: true, uid: 0, gid: 0).procWrites.map(\.text)
                == ["deny", "65534 0 1\n", "65534 0 1\n"])
        policy.namespaces?.uid = 0
        policy.namespaces?.gid = 5
        #expect(TaskNamespaces.plan(for: policy, holdsSysAdmin: false, uid: 1000, gid: 1000).procWrites.map(\.text)
                == ["deny", "0 1000 1\n", "5 1000 1\n"])
        // A root bulkhead's task makes the user namespace itself, as the uid `user:` gives it on the host.
        let switched = TaskNamespaces.plan(for: policy, holdsSysAdmin: true, uid: 0, gid: 0, identity: (1000, 1001))
        #expect(switched.unshareUser && switched.cloneFlags & TaskNamespaces.newUser == 0)
        #expect(switched.procWrites.map(\.text) == ["deny", "0 1000 1\n", "5 1001 1\n"])
        policy.namespaces?.uid = nil
        policy.namespaces?.gid = nil
        #expect(TaskNamespaces.plan(for: policy, holdsSysAdmin: true, uid: 0, gid: 0, identity: (1000, 1001)).procWrites.map(\.text)
                == ["deny", "1000 1000 1\n", "1001 1001 1\n"])
    }

    @Test func aRefusedNamespaceIsNamedUnlessBestEffort() throws {
        var policy = Policy()
        policy.seccomp = SeccompPolicy(defaultAction: .allow,
                                       rules: TaskNamespaces.ipcCreators.map { SyscallRule(syscall: $0, action: .errno(1)) })
        policy.namespaces = NamespacePolicy(enabled: [.pid, .uts], bestEffort: [.uts])
        let plan = TaskNamespaces.plan(for: policy, holdsSysAdmin: true, uid: 0, gid: 0)
        var warnings: [String] = []
        let next = try NamespaceShortfall(missing: [.uts], errno: .notPermitted).resolve(plan, holdsSysAdmin: true, warnings: &warnings)
        #expect(next.kinds == [.pid, .mount] && next.hostname == nil)
        #expect(warnings == ["namespaces.uts not applied (best-effort): the kernel refused them: Operation not permitted (EPERM)"])
        do {
            _ = try NamespaceShortfall(missing: [.mount], errno: .noFunction).resolve(plan, holdsSysAdmin: true, warnings: &warnings)
            Issue.record("a pid namespace without its /proc was not refused")
        } catch {
            #expect(error.stage == .namespaces)
            #expect(error.message == "namespaces.pid cannot be made: a seccomp filter bulkhead runs under refuses them")
            #expect(error.hint?.hasSuffix("or add pid to namespaces.best-effort") == true)
        }
    }

    @Test func networkNoneIsARequiredNetworkNamespace() throws {
        var policy = Policy()
        policy.seccomp = SeccompPolicy(defaultAction: .allow,
                                       rules: TaskNamespaces.ipcCreators.map { SyscallRule(syscall: $0, action: .errno(1)) })
        policy.network = .none
        policy.namespaces = NamespacePolicy(enabled: [.pid], bestEffort: [.pid])
        let plan = TaskNamespaces.plan(for: policy, holdsSysAdmin: true, uid: 0, gid: 0)
        #expect(plan.kinds == [.pid, .net, .mount] && plan.isRequired)
        var warnings: [String] = []
        // pid is best-effort and goes with a warning; net is network: none's, never best-effort.
        let kept = try NamespaceShortfall(missing: [.pid], errno: .notPermitted).resolve(plan, holdsSysAdmin: true, warnings: &warnings)
        #expect(kept.kinds == [.net])
        #expect(throws: LaunchError.self) {
            try NamespaceShortfall(missing: [.net], errno: .notPermitted).resolve(plan, holdsSysAdmin: true, warnings: &warnings)
        }
    }
}

@testable import Bulkhead
import BulkheadPolicy
import Testing

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

    @Test func withoutAFilterThereIsANamespace() {
        var policy = Policy()
        policy.seccomp = nil
        #expect(!TaskNamespaces.plan(for: policy, holdsSysAdmin: true).isEmpty)
        let unprivileged = TaskNamespaces.plan(for: policy, holdsSysAdmin: false)
        #expect(unprivileged.needsUserNamespace)
        #expect(unprivileged.procWrites.map(\.path) == ["/proc/self/setgroups", "/proc/self/uid_map", "/proc/self/gid_map"])
    }
}

@testable import Bulkhead
import BulkheadPolicy
import Testing

/// `bench --phases`: which layers a policy is built up from, in launch order.
@Suite struct LaunchPhasesTests {
    @Test func defaultHasNoCgroupStepAndItsNamespacesBeforeTheNetwork() throws {
        let policy = try PolicyLoader.loadShipped(name: "default")
        let layers = LaunchBenchmark.layers(of: policy)
        #expect(layers.map(\.layer) == ["seccomp filter, capabilities, no_new_privs", "+ namespaces pid, mount, ipc, uts",
                                        "+ network none", "+ file-system view, Landlock rules, scratch"])
        let first = try #require(layers.first?.policy)
        #expect(first.namespaces == nil && first.network == .host && first.filesystem == nil && first.seccomp == policy.seccomp)
        // The last step is the policy itself.
        #expect(layers.last?.policy == policy)
    }

    @Test func aFilterOnlyPolicyIsOneStep() throws {
        var policy = try PolicyLoader.loadShipped(name: "strict")
        policy.namespaces = nil
        policy.network = .host
        policy.filesystem = nil
        policy.limits.memory = nil
        policy.limits.processes = nil
        #expect(LaunchBenchmark.layers(of: policy).map(\.policy) == [policy])
    }
}

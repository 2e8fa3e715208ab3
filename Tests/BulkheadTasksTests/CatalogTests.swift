import BulkheadPolicy
@testable import BulkheadTasks
import Testing

@Suite struct CatalogTests {
    @Test func namesAreUniqueAndEveryKindIsPresent() {
        let names = TaskCatalog.all.map(\.name)
        #expect(Set(names).count == names.count)
        for name in ["compute", "hash-file", "sleep", "allocate", "crash-segv", "crash-abort", "crash-trap", "stack-overflow",
                     "exit-early", "hang", "memory-hog", "fork-bomb", "fd-leak", "scribble", "chdir", "setenv", "umask", "close-fds"] {
            #expect(TaskCatalog.named(name) != nil, "\(name)")
        }
        #expect(TaskCatalog.named("scribble")?.kind == .sharedState)
        #expect(TaskKind.sharedState.rawValue == "shared-state")
    }

    /// A misspelt name in `FaultOrder.checks` would silently drop an ordering and bring the race back.
    @Test func faultOrderNamesWorkloadsAndFaultsOfTheCatalog() {
        #expect(!FaultOrder.checks.isEmpty)
        for (workload, faults) in FaultOrder.checks {
            #expect(TaskCatalog.named(workload)?.kind == .workload, "\(workload)")
            for fault in faults {
                #expect(TaskCatalog.named(fault).map { $0.kind != .workload } == true, "\(fault)")
            }
        }
    }

    @Test func specsParseWithAnOptionalArgument() throws {
        #expect(try TaskSpec.parse("allocate:64") == TaskSpec(name: "allocate", argument: "64"))
        #expect(try TaskSpec.parse("compute") == TaskSpec(name: "compute"))
        #expect(try TaskSpec.parse("sleep:0.5").text == "sleep:0.5")
    }

    @Test func unknownNamesSuggestTheClosest() {
        #expect(throws: TaskSpecError.self) { try TaskSpec.parse("compuet") }
        do { _ = try TaskSpec.parse("crash-sgev") } catch { #expect(error.suggestion == "crash-segv") }
        #expect(TaskCatalog.suggestion(for: "zzzzzzzzzz") == nil)
    }

    /// The workloads are safe to run in the test process itself; their checks must pass.
    @Test func workloadsPassTheirOwnChecks() {
        #expect(TaskBody.run(TaskSpec(name: "compute", argument: "100000")) == .ok("9592 primes below 100000"))
        #expect(TaskBody.run(TaskSpec(name: "allocate", argument: "8")).succeeded)
        #expect(TaskBody.run(TaskSpec(name: "sleep", argument: "0.01")).succeeded)
        #expect(TaskBody.run(TaskSpec(name: "hash-file", argument: "/etc/passwd")).succeeded)
        #expect(!TaskBody.run(TaskSpec(name: "compute", argument: "lots")).succeeded)
        #expect(!TaskBody.run(TaskSpec(name: "hash-file", argument: "/nonexistent")).succeeded)
    }
}

@Suite struct TasksPolicyTests {
    /// The limits every fault relies on to stay contained in process mode.
    @Test func tasksPolicyExtendsDefaultWithContainingLimits() throws {
        let policy = try PolicyLoader.loadShipped(name: "tasks")
        #expect(policy.name == "tasks")
        #expect(policy.limits.wall == 10 && policy.limits.cpu == 5)
        #expect(policy.limits.memory == 256 << 20 && policy.limits.processes == 64)
        #expect(policy.limits.openFiles == 256 && policy.limits.core == 0)
        #expect(policy.limits.bestEffort == [.memory, .processes])
        #expect(policy.seccomp == (try PolicyLoader.loadShipped(name: "default")).seccomp, "the default policy's filter")
        #expect(ShippedPolicies.names.contains("tasks"))
    }
}

@testable import Bulkhead
import BulkheadPolicy
import Foundation
import Testing

@Suite struct EnvironmentBuilderTests {
    private let launcher = bytes(["HOME=/root", "PATH=/bin", "LC_ALL=C", "LC_TIME=x", "PATH=/second", "EMPTY=", "ODD", "A=1=2"])

    @Test func clearedEnvironmentTakesOnlyWhatThePolicyNames() {
        let policy = EnvironmentPolicy(clear: true, set: [EnvironmentVariable(name: "HOME", value: "/nowhere")],
                                       pass: ["PATH", "LC_*", "MISSING"])
        #expect(EnvironmentBuilder.build(policy, from: launcher) == bytes(["HOME=/nowhere", "LC_ALL=C", "LC_TIME=x", "PATH=/bin"]))
    }

    @Test func inheritedEnvironmentKeepsTheFirstOfEachNameAndSetWins() {
        let policy = EnvironmentPolicy(clear: false, set: [EnvironmentVariable(name: "PATH", value: "/usr/bin"),
                                                           EnvironmentVariable(name: "NEW", value: "n")])
        #expect(EnvironmentBuilder.build(policy, from: launcher)
                == bytes(["A=1=2", "EMPTY=", "HOME=/root", "LC_ALL=C", "LC_TIME=x", "NEW=n", "ODD", "PATH=/usr/bin"]))
    }

    @Test func laterSetEntriesWinAndValuesMayHoldEquals() {
        let policy = EnvironmentPolicy(set: [EnvironmentVariable(name: "X", value: "1"), EnvironmentVariable(name: "X", value: "a=b")],
                                       pass: ["A"])
        #expect(EnvironmentBuilder.build(policy, from: launcher) == bytes(["A=1=2", "X=a=b"]))
    }

    @Test func sortedByNameNotByEntry() {
        // "A1=" sorts before "A=" as text; by name "A" comes first, as with the dictionary it replaced.
        let policy = EnvironmentPolicy(set: [EnvironmentVariable(name: "A1", value: "x"), EnvironmentVariable(name: "A", value: "y")])
        #expect(EnvironmentBuilder.build(policy, from: []) == bytes(["A=y", "A1=x"]))
    }

    @Test func processEnvironmentMatchesGetenv() {
        let entries = ProcessEnvironment.entries()
        #expect(entries.count == ProcessInfo.processInfo.environment.count)
        let dictionary = ProcessEnvironment.current()
        for (name, value) in ProcessInfo.processInfo.environment { #expect(dictionary[name] == value) }
        #expect(ProcessEnvironment.value(of: "PATH") == ProcessInfo.processInfo.environment["PATH"])
    }

    @Test func onlyTheEntriesAPolicyCanTakeAreRead() {
        setenv("BULKHEAD_ENV_TEST_A", "a", 1)
        setenv("BULKHEAD_ENV_TEST_PREFIX_B", "b=c", 1)
        defer { unsetenv("BULKHEAD_ENV_TEST_A"); unsetenv("BULKHEAD_ENV_TEST_PREFIX_B") }
        let policies = [
            EnvironmentPolicy(clear: true, pass: ["BULKHEAD_ENV_TEST_A", "BULKHEAD_ENV_TEST_PREFIX_*", "PATH", "NOT_THERE"]),
            EnvironmentPolicy(clear: true, pass: ["BULKHEAD_ENV_TEST_*"]),
            EnvironmentPolicy(clear: true, set: [EnvironmentVariable(name: "X", value: "1")]),
            EnvironmentPolicy(clear: false, pass: ["IGNORED"]),
        ]
        for policy in policies {
            let all = ProcessEnvironment.entries()
            let some = ProcessEnvironment.entries(for: policy)
            #expect(some.allSatisfy(all.contains))
            #expect(EnvironmentBuilder.build(policy, from: some) == EnvironmentBuilder.build(policy, from: all))
        }
        #expect(ProcessEnvironment.entries(for: policies[1]).sorted { $0.lexicographicallyPrecedes($1) }
                == bytes(["BULKHEAD_ENV_TEST_A=a", "BULKHEAD_ENV_TEST_PREFIX_B=b=c"]))
    }
}

private func bytes(_ entries: [String]) -> [[UInt8]] { entries.map { Array($0.utf8) } }

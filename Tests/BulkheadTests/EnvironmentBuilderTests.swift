@testable import Bulkhead
import BulkheadPolicy
import Foundation
import Testing

@Suite struct EnvironmentBuilderTests {
    private let launcher = ["HOME=/root", "PATH=/bin", "LC_ALL=C", "LC_TIME=x", "PATH=/second", "EMPTY=", "ODD", "A=1=2"]

    @Test func clearedEnvironmentTakesOnlyWhatThePolicyNames() {
        let policy = EnvironmentPolicy(clear: true, set: [EnvironmentVariable(name: "HOME", value: "/nowhere")], pass: ["PATH", "LC_*", "MISSING"])
        #expect(EnvironmentBuilder.build(policy, from: launcher) == ["HOME=/nowhere", "LC_ALL=C", "LC_TIME=x", "PATH=/bin"])
    }

    @Test func inheritedEnvironmentKeepsTheFirstOfEachNameAndSetWins() {
        let policy = EnvironmentPolicy(clear: false, set: [EnvironmentVariable(name: "PATH", value: "/usr/bin"), EnvironmentVariable(name: "NEW", value: "n")])
        #expect(EnvironmentBuilder.build(policy, from: launcher) == ["A=1=2", "EMPTY=", "HOME=/root", "LC_ALL=C", "LC_TIME=x", "NEW=n", "ODD", "PATH=/usr/bin"])
    }

    @Test func laterSetEntriesWinAndValuesMayHoldEquals() {
        let policy = EnvironmentPolicy(set: [EnvironmentVariable(name: "X", value: "1"), EnvironmentVariable(name: "X", value: "a=b")], pass: ["A"])
        #expect(EnvironmentBuilder.build(policy, from: launcher) == ["A=1=2", "X=a=b"])
    }

    @Test func sortedByNameNotByEntry() {
        // "A1=" sorts before "A=" as text; by name "A" comes first, as with the dictionary it replaced.
        let policy = EnvironmentPolicy(set: [EnvironmentVariable(name: "A1", value: "x"), EnvironmentVariable(name: "A", value: "y")])
        #expect(EnvironmentBuilder.build(policy, from: []) == ["A=y", "A1=x"])
    }

    @Test func processEnvironmentMatchesGetenv() {
        let entries = ProcessEnvironment.entries()
        #expect(entries.count == ProcessInfo.processInfo.environment.count)
        let dictionary = ProcessEnvironment.current()
        for (name, value) in ProcessInfo.processInfo.environment { #expect(dictionary[name] == value) }
        #expect(ProcessEnvironment.value(of: "PATH") == ProcessInfo.processInfo.environment["PATH"])
    }
}

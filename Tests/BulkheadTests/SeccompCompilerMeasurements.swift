import Bulkhead
import BulkheadPolicy
import CSeccomp
import Foundation
import Testing

/// Compile time and program size for allowlists of about 60 and 250 syscalls, linear and binary tree.
/// Printed for the record; the assertions only check what must hold on any machine.
@Suite(.serialized) struct SeccompCompilerMeasurements {
    /// The first `count` native syscall names by number (x86_64: read, write, open, ...).
    static func nativeSyscalls(_ count: Int) -> [String] {
        var names: [String] = []
        var number: Int32 = 0
        while names.count < count && number < 1024 {
            if let name = seccomp_syscall_resolve_num_arch(bh_arch_native(), number) {
                names.append(String(cString: name))
                free(name) // libseccomp returns a malloc'd copy
            }
            number += 1
        }
        return names
    }

    struct Measurement { var microseconds: Double; var instructions: Int }

    static func measure(_ policy: SeccompPolicy, _ layout: SeccompFilterLayout) throws -> Measurement {
        var times: [Double] = []
        var instructions = 0
        for _ in 0..<41 {
            let start = DispatchTime.now().uptimeNanoseconds
            let filter = try SeccompCompiler.compile(policy, layout: layout)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
            instructions = filter.instructionCount
        }
        return Measurement(microseconds: times.sorted()[times.count / 2], instructions: instructions)
    }

    /// Median install time (µs) and the cost of a call the filter refuses (ns), measured in the probe.
    static func taskCost(_ filter: CompiledFilter) throws -> (installMicroseconds: Double, refusedNanoseconds: Double) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-bench-\(UUID().uuidString).bpf")
        try Data(filter.bpf).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let probe = try Probe.locate().path
        var installs: [Double] = []
        var refused: [Double] = []
        for _ in 0..<11 {
            // Syscall 600 does not exist: the filter runs to the end of its checks and answers with the default.
            let outcome = try Probe.run(["load-filter", file.path, "--", probe, "time-syscall", "600", "200000"],
                                        environment: ["BULKHEAD_PROBE_TIMING": "1"])
            for line in outcome.output.split(separator: "\n") {
                let words = line.split(separator: " ")
                if words.first == "install-ns", let ns = words.last.flatMap({ Double($0) }) { installs.append(ns / 1000) }
                if words.first == "time-syscall", words.count >= 2, let ns = Double(words[words.count - 2]) { refused.append(ns) }
            }
        }
        func median(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.sorted()[v.count / 2] }
        return (median(installs), median(refused))
    }

    @Test(arguments: [60, 250]) func allowlistSize(count: Int) throws {
        // The probe's start-up set first, so that the probe can run under the filter, then syscalls by number.
        var names = Set(probeStartup)
        for name in Self.nativeSyscalls(count) where names.count < count { names.insert(name) }
        #expect(names.count == count)
        let policy = SeccompPolicy(defaultAction: .errno(38), allow: names.sorted())
        let linear = try Self.measure(policy, .linear)
        let tree = try Self.measure(policy, .binaryTree)
        let linearCost = try Self.taskCost(SeccompCompiler.compile(policy, layout: .linear))
        let treeCost = try Self.taskCost(SeccompCompiler.compile(policy, layout: .binaryTree))
        print("seccomp \(count) syscalls: linear \(linear.instructions) insns, compile \(linear.microseconds) µs, "
            + "install \(linearCost.installMicroseconds) µs, refused call \(linearCost.refusedNanoseconds) ns; "
            + "tree \(tree.instructions) insns, compile \(tree.microseconds) µs, "
            + "install \(treeCost.installMicroseconds) µs, refused call \(treeCost.refusedNanoseconds) ns")
        #expect(linear.instructions > count && tree.instructions > count)
        // The automatic layout picks the tree above the threshold.
        let automatic = try SeccompCompiler.compile(policy)
        #expect(automatic.instructionCount == (count > SeccompCompiler.binaryTreeThreshold ? tree : linear).instructions)
    }
}

import BulkheadSystem
import CSystemCalls
import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

/// What a task pays per system call under the shipped `strict` policy, behind `bulkhead bench --calls`:
/// `getppid` in a loop as strict allows it (answered from the kernel's per-syscall filter cache), with no
/// filter at all, refused with an errno that is reported (each call a round trip through bulkhead's
/// listener), and watched (let through by the listener). The four tasks alternate in every round, each a
/// real launch of `bulkhead-probe call-cost`, which times its own loop and writes the result to a memory file.
public struct NotifiedCallBenchmark: Sendable {
    public var rounds: Int
    /// Calls per task for the calls the filter answers itself, and for those the supervisor answers.
    public var plainCalls = 200_000
    public var notifiedCalls = 5_000

    public init(rounds: Int = 10) { self.rounds = rounds }

    /// Nanoseconds per call, one sample per round: allowed under strict, without a filter, a reported
    /// errno, a watched call.
    public struct Result: Sendable {
        public var strict: Measurement
        public var unfiltered: Measurement
        public var reportedErrno: Measurement
        public var watched: Measurement
    }

    public func measure(probe: String) throws(LaunchError) -> Result {
        let strict: Policy
        do { strict = try PolicyLoader.loadShipped(name: "strict") } catch {
            throw LaunchError(stage: .plan, message: "cannot load the strict policy: \(error)")
        }
        var unfiltered = strict
        unfiltered.seccomp = nil
        var reported = strict
        reported.seccomp?.allow.removeAll { $0 == "getppid" }
        reported.seccomp?.rules.append(SyscallRule(syscall: "getppid", action: .errno(EPERM), report: true))
        var watched = strict
        watched.seccomp?.allow.removeAll { $0 == "getppid" }
        watched.seccomp?.mode = .watch
        let tasks: [(Policy, Int)] = [(strict, plainCalls), (unfiltered, plainCalls), (reported, notifiedCalls),
                                      (watched, notifiedCalls)]
        var plans: [SandboxPlan] = []
        for (policy, _) in tasks { plans.append(try SandboxPlan(policy: policy, launcherEnvironment: [String: String]())) }
        defer { plans.forEach { $0.close() } }
        var samples: [[Double]] = Array(repeating: [], count: tasks.count)
        for _ in 0..<rounds {
            for (index, plan) in plans.enumerated() {
                samples[index].append(try Self.nanoseconds(plan, probe: probe, calls: tasks[index].1))
            }
        }
        return Result(strict: Measurement(name: "strict", samples: samples[0]),
                      unfiltered: Measurement(name: "no filter", samples: samples[1]),
                      reportedErrno: Measurement(name: "reported errno", samples: samples[2]),
                      watched: Measurement(name: "watched", samples: samples[3]))
    }

    /// One launch of the probe's timed loop; its output goes to an unlinked temporary file.
    private static func nanoseconds(_ plan: SandboxPlan, probe: String, calls: Int) throws(LaunchError) -> Double {
        let fd = bh_memfd_create("bulkhead-bench")
        guard fd >= 0 else { throw LaunchError(stage: .plan, errno: .current, message: "cannot make a memory file") }
        defer { close(fd) }
        let result = try plan.run([probe, "call-cost", "getppid", String(calls)], options: RunOptions(stdout: fd))
        guard result.outcome.succeeded, lseek(fd, 0, SEEK_SET) == 0,
              let bytes = try? FileContents.read(fd, limit: 4096),
              let value = Double(String(decoding: bytes, as: UTF8.self).prefix { $0 != "\n" }) else {
            throw LaunchError(stage: .plan, message: "the call-cost probe failed: \(OutcomeText.describe(result.outcome))")
        }
        return value
    }
}

import BulkheadSystem
import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

/// The launch-cost benchmark behind `bulkhead bench`: each figure next to a baseline measured in the same
/// interleaved run, so that machine noise hits both sides alike.
public struct LaunchBenchmark: Sendable {
    public struct Comparison: Sendable {
        public var subject: Measurement
        public var baseline: Measurement
        public var target: Double
        public var ratio: Double { subject.median / baseline.median }
        public var meetsTarget: Bool { ratio <= target }
    }

    public var rounds: Int
    public var perRound: Int

    public init(rounds: Int = 10, perRound: Int = 20) { self.rounds = rounds; self.perRound = perRound }

    /// In-process: SandboxPlan.run of `command` under `plan` against `baseline` (a C program that
    /// forks, execs and waits for the same command and prints the seconds each launch took).
    public func libraryLaunch(plan: SandboxPlan, command: [String], baseline: [String]) throws(LaunchError) -> Comparison {
        var subject = Measurement(name: "library launch under \(plan.policy.name ?? "policy")")
        var base = Measurement(name: "plain C fork+exec+wait")
        let devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer { close(devnull) }
        // One launch of each, not counted: first-time costs (page faults, runtime set-up) are not launch costs.
        _ = Self.readSamples(baseline + [command[0], "1"])
        _ = try plan.run(command, options: RunOptions(stdout: devnull, stderr: devnull))
        for _ in 0..<rounds {
            base.samples += Self.readSamples(baseline + [command[0], String(perRound)])
            for _ in 0..<perRound {
                let start = MonotonicClock.seconds()
                let result = try plan.run(command, options: RunOptions(stdout: devnull, stderr: devnull))
                let elapsed = MonotonicClock.seconds() - start
                if result.outcome.succeeded { subject.samples.append(elapsed) }
            }
        }
        // A launch into namespaces does what the C baseline does not (C alone, cloning into six, measured
        // 1.68x): 2.0x there, 1.5x without.
        return Comparison(subject: subject, baseline: base, target: plan.namespaces.isEmpty ? 1.5 : 2.0)
    }

    /// Whole commands: `subject` (e.g. bulkhead run ... -- /bin/true) against `baseline` (/bin/true).
    public func wholeCommand(subject command: [String], baseline: [String], target: Double) -> Comparison {
        var subject = Measurement(name: command.joined(separator: " "))
        var base = Measurement(name: baseline.joined(separator: " "))
        _ = PlainSpawn.timeRun(baseline)
        _ = PlainSpawn.timeRun(command)
        for _ in 0..<rounds {
            for _ in 0..<perRound {
                if let t = PlainSpawn.timeRun(baseline) { base.samples.append(t) }
                if let t = PlainSpawn.timeRun(command) { subject.samples.append(t) }
            }
        }
        return Comparison(subject: subject, baseline: base, target: target)
    }

    /// The whole command right after `other` against the same command right after `/bin/true`, alternating;
    /// neither `other` nor `/bin/true` is timed. What the teardown another sandbox leaves to the kernel
    /// costs the launch that follows it (a cgroup join that waited for an RCU grace period took 10-14 ms
    /// after firejail: docs/performance.md).
    public func wholeCommand(_ command: [String], rightAfter other: [String], target: Double) -> Comparison {
        var after = Measurement(name: command.joined(separator: " ") + ", right after " + other.joined(separator: " "))
        var quiet = Measurement(name: "the same, right after /bin/true")
        _ = PlainSpawn.timeRun(other)
        _ = PlainSpawn.timeRun(command)
        for _ in 0..<rounds {
            for _ in 0..<perRound {
                _ = PlainSpawn.timeRun(["/bin/true"])
                if let t = PlainSpawn.timeRun(command) { quiet.samples.append(t) }
                _ = PlainSpawn.timeRun(other)
                if let t = PlainSpawn.timeRun(command) { after.samples.append(t) }
            }
        }
        return Comparison(subject: after, baseline: quiet, target: target)
    }

    /// Runs a program that prints one duration in seconds per line.
    static func readSamples(_ arguments: [String]) -> [Double] {
        readRows(arguments).compactMap { $0.count == 1 ? $0[0] : nil }
    }

    /// Runs a program that prints lines of numbers separated by spaces; lines with anything else are
    /// left out.
    static func readRows(_ arguments: [String]) -> [[Double]] {
        guard let text = try? HelperProcess(arguments, stdout: .capture).run().stdout else { return [] }
        return String(decoding: text, as: UTF8.self).split(separator: "\n").compactMap { line -> [Double]? in
            let fields = line.split(separator: " ")
            let numbers = fields.compactMap { Double($0) }
            return numbers.count == fields.count ? numbers : nil
        }
    }
}

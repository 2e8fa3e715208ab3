import BulkheadSystem
import SystemPackage
import BulkheadPolicy
import CSystemCalls
#if canImport(Glibc)
import Glibc
#endif

/// What learning costs a syscall-heavy run, behind `bulkhead bench --learn`: `tar cf` of a 50 MB tree of
/// 5,000 files, run by bulkhead under the `default` policy, plainly and learning (`PolicyLearning`: every
/// openat, getdents64 and the like a round trip through the supervisor), alternating in every round so
/// that both see the same machine. The archive goes to a memory file: the disk is not what is measured.
public struct LearnBenchmark: Sendable {
    public var rounds: Int
    public var files = 5_000
    public var fileSize = 10_000

    public init(rounds: Int = 10) { self.rounds = rounds }

    /// Seconds of wall time per run, one sample per round each.
    public struct Result: Sendable {
        public var plain: Measurement
        public var learning: Measurement
        /// Distinct syscalls the learning runs recorded (a check that they learned).
        public var syscallsLearned: Int

        public var ratio: Double { learning.median / plain.median }
    }

    public func measure() throws(LaunchError) -> Result {
        let directory = "/tmp/bulkhead-bench-learn-\(getpid())"
        try makeTree(in: directory)
        defer { remove(directory) }
        var base: Policy
        do { base = try PolicyLearning.base(named: "default") } catch {
            throw LaunchError(stage: .plan, message: "cannot load the default policy: \(error)")
        }
        // The tree lies under the host's /tmp, which the default policy hides behind a private one; the
        // working directory stays visible at its own path.
        base.workdir = directory
        let environment = ProcessEnvironment.entries(for: base.environment)
        let plain = try SandboxPlan(policy: base, launcherEnvironment: environment, compiledFilter: nil)
        let learning = try SandboxPlan(policy: base, launcherEnvironment: environment, compiledFilter: nil,
                                       learning: LearningSetup(base: "default"))
        defer { plain.close(); learning.close() }
        var plainSamples: [Double] = [], learningSamples: [Double] = []
        var learned = 0
        for round in 0..<rounds {
            // Alternating which goes first: neither always meets a cold or a warm page cache.
            for learns in round % 2 == 0 ? [false, true] : [true, false] {
                let result = try Self.tar(learns ? learning : plain)
                if learns {
                    learningSamples.append(result.usage.wallSeconds)
                    learned = result.learned?.syscalls.count ?? 0
                } else {
                    plainSamples.append(result.usage.wallSeconds)
                }
            }
        }
        return Result(plain: Measurement(name: "tar cf under default", samples: plainSamples),
                      learning: Measurement(name: "the same, learning", samples: learningSamples), syscallsLearned: learned)
    }

    private static func tar(_ plan: SandboxPlan) throws(LaunchError) -> RunResult {
        let fd = bh_memfd_create("bulkhead-bench-tar")
        guard fd >= 0 else { throw LaunchError(stage: .plan, errno: .current, message: "cannot make a memory file") }
        defer { close(fd) }
        let result = try plan.run(["tar", "cf", "-", "tree"], options: RunOptions(stdout: fd))
        guard result.outcome.succeeded else {
            throw LaunchError(stage: .plan, message: "tar failed while measuring: \(OutcomeText.describe(result.outcome))")
        }
        return result
    }

    /// `files` files of `fileSize` bytes in 50 directories.
    private func makeTree(in directory: String) throws(LaunchError) {
        // One pseudo-random megabyte; each file a different window of it.
        var seed: UInt64 = 0x9e37_79b9_7f4a_7c15
        let poolSize = 1 << 20
        var pool = [UInt8](repeating: 0, count: poolSize + fileSize)
        for i in pool.indices {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            pool[i] = UInt8(truncatingIfNeeded: seed >> 33)
        }
        for path in [directory, directory + "/tree"] where mkdir(path, 0o755) != 0 {
            throw LaunchError(stage: .plan, errno: .current, message: "cannot make \(path)")
        }
        for index in 0..<files {
            let folder = directory + "/tree/d\(index % 50)"
            if index < 50, mkdir(folder, 0o755) != 0 {
                throw LaunchError(stage: .plan, errno: .current, message: "cannot make \(folder)")
            }
            let start = index &* 7919 % poolSize
            let block = pool[start..<start + fileSize]
            let path = folder + "/f\(index)"
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw LaunchError(stage: .plan, errno: .current, message: "cannot make \(path)") }
            defer { close(fd) }
            do throws(Errno) { try FileContents.write(block, to: fd) } catch {
                throw LaunchError(stage: .plan, errno: error, message: "cannot write \(path)")
            }
        }
    }

    private func remove(_ directory: String) {
        for index in 0..<files { unlink(directory + "/tree/d\(index % 50)/f\(index)") }
        for folder in 0..<50 { rmdir(directory + "/tree/d\(folder)") }
        rmdir(directory + "/tree")
        rmdir(directory)
    }
}

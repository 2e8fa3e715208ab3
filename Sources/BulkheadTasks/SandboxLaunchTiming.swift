import BulkheadSystem
import Bulkhead
import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

/// Times full bulkhead launches of one command: what a sandboxed process costs compared with a bare fork.
enum SandboxLaunchTiming {
    struct Failure: Error { let reason: String }

    /// A plan for a shipped policy, compiled once before timing as a long-running launcher would.
    static func plan(policy name: String) -> Result<SandboxPlan, Failure> {
        let policy: Policy
        do { policy = try PolicyLoader.loadShipped(name: name) } catch {
            return .failure(Failure(reason: "cannot load the \(name) policy: \(error)"))
        }
        do { return .success(try SandboxPlan(policy: policy, launcherEnvironment: ProcessEnvironment.current())) } catch {
            return .failure(Failure(reason: "cannot plan the \(name) policy: \(error.description)"))
        }
    }

    /// In-process: `count` SandboxPlan.run launches of `command`, seconds each; failed launches are left
    /// out and the last failure is returned so that an empty figure can say why.
    static func launches(_ plan: SandboxPlan, command: [String], count: Int) -> (samples: [Double], lastFailure: String?) {
        let devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer { if devnull >= 0 { close(devnull) } }
        var samples: [Double] = []
        var lastFailure: String?
        for _ in 0..<count {
            let start = MonotonicClock.seconds()
            do {
                let result = try plan.run(command, options: RunOptions(stdout: devnull, stderr: devnull))
                let elapsed = MonotonicClock.seconds() - start
                if result.outcome.succeeded { samples.append(elapsed) } else { lastFailure = OutcomeText.describe(result.outcome) }
            } catch {
                lastFailure = error.description
            }
        }
        return (samples, lastFailure)
    }

    /// Whole command lines, e.g. `bulkhead run --quiet --policy strict -- /bin/true`: start-up included.
    static func command(_ arguments: [String], count: Int) -> [Double] {
        (0..<count).compactMap { _ in PlainSpawn.timeRun(arguments) }
    }
}

import Bulkhead
import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

/// Times full bulkhead launches of one command: what a sandboxed process costs compared with a bare fork.
enum SandboxLaunchTiming {
    /// In-process: SandboxPlan.run under a shipped policy. The plan (and its seccomp filter) is compiled
    /// once before timing, as a long-running launcher would (pitfall 17). Returns the measurement, or the
    /// reason it could not be taken.
    static func library(policy name: String, command: [String], count: Int) -> Result<Measurement, Failure> {
        let policy: Policy
        do { policy = try PolicyLoader.loadShipped(name: name) } catch {
            return .failure(Failure(reason: "cannot load the \(name) policy: \(error)"))
        }
        let plan: SandboxPlan
        do { plan = try SandboxPlan(policy: policy, launcherEnvironment: ProcessEnvironment.current()) } catch {
            return .failure(Failure(reason: "cannot plan the \(name) policy: \(error.description)"))
        }
        defer { plan.close() }
        let devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer { if devnull >= 0 { close(devnull) } }
        var measurement = Measurement(name: "bulkhead launch (\(name)) of \(command.joined(separator: " "))")
        var lastFailure: String?
        for index in 0..<(count + 1) {
            let start = Clock.seconds()
            do {
                let result = try plan.run(command, options: RunOptions(stdout: devnull, stderr: devnull))
                let elapsed = Clock.seconds() - start
                // The first launch creates the cgroup the later ones reuse: a warm-up, not a sample.
                if result.outcome.succeeded { if index > 0 { measurement.samples.append(elapsed) } }
                else { lastFailure = OutcomeText.describe(result.outcome) }
            } catch {
                lastFailure = error.description
            }
        }
        if measurement.samples.isEmpty {
            return .failure(Failure(reason: "no launch succeeded" + (lastFailure.map { ": \($0)" } ?? "")))
        }
        return .success(measurement)
    }

    /// Whole command lines, e.g. `bulkhead run --quiet --policy strict -- /bin/true`: start-up included.
    static func command(_ arguments: [String], count: Int) -> Measurement {
        var measurement = Measurement(name: arguments.joined(separator: " "))
        _ = PlainSpawn.timeRun(arguments)   // warm the page cache
        for _ in 0..<count {
            if let t = PlainSpawn.timeRun(arguments) { measurement.samples.append(t) }
        }
        return measurement
    }

    struct Failure: Error { let reason: String }
}

/// Monotonic time in seconds (Bulkhead's own helper is internal to that module).
enum Clock {
    static func seconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}

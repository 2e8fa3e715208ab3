import BulkheadSystem
import SystemPackage
import Bulkhead
#if canImport(Glibc)
import Glibc
#endif

/// Runs every task as its own sandboxed process: `executable __task SPEC` under `plan`, where
/// `executable` is the bulkhead binary (the CLI passes /proc/self/exe resolved). Faults stay in their
/// process; the sandbox's limits end the ones that would otherwise run forever or take the machine.
public enum ProcessModeRunner {
    /// Launches all tasks concurrently (one thread each, which waits for its task) and returns their
    /// results in input order. Throws only when bulkhead cannot launch at all; every ending of a task
    /// that started is a result.
    public static func run(_ names: [String], plan: SandboxPlan, executable: String, timeout: Double?) throws(LaunchError) -> [TaskResult] {
        let jobs = names.map { ProcessJob(spec: $0, plan: plan, executable: executable, timeout: timeout) }
        var threads: [pthread_t] = []
        for job in jobs {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(job).toOpaque()
            let rc = pthread_create(&thread, nil, { context in
                let job = Unmanaged<ProcessJob>.fromOpaque(context!).takeRetainedValue()
                job.run()
                return nil
            }, context)
            if rc == 0 {
                threads.append(thread)
            } else {
                // No thread: run it here instead, one at a time.
                Unmanaged<ProcessJob>.fromOpaque(context).release()
                job.run()
            }
        }
        for thread in threads { pthread_join(thread, nil) }
        var results: [TaskResult] = []
        for job in jobs {
            switch job.result! {
            case .success(let result): results.append(result)
            case .failure(let error): throw error
            }
        }
        return results
    }

    /// The task's verdict line in its output, if it got to print one.
    static func verdict(in output: String) -> (ok: Bool, summary: String)? {
        for line in output.split(separator: "\n").reversed() where line.hasPrefix(TaskEntryPoint.resultPrefix) {
            let rest = line.dropFirst(TaskEntryPoint.resultPrefix.count)
            if rest.hasPrefix("ok ") { return (true, String(rest.dropFirst(3))) }
            if rest.hasPrefix("failed ") { return (false, String(rest.dropFirst(7))) }
        }
        return nil
    }

    static func result(name: String, run: RunResult, output: String) -> TaskResult {
        var summary = OutcomeText.describe(run.outcome)
        var succeeded = false
        if case .exited(let code) = run.outcome, code == 0 || code == 1, let verdict = verdict(in: output) {
            summary = verdict.summary
            succeeded = verdict.ok && code == 0
        }
        if !run.limitsReached.isEmpty, !summary.contains("limit") {
            summary += " (limits reached: " + run.limitsReached.map(\.rawValue).joined(separator: ", ") + ")"
        }
        return TaskResult(name: name, mode: .process, succeeded: succeeded, summary: summary,
                          wallSeconds: run.usage.wallSeconds, peakRSSBytes: run.usage.peakRSSBytes, outcome: run.outcome)
    }
}

/// One task's launch, run on its own thread.
private final class ProcessJob: @unchecked Sendable {
    let spec: String
    let plan: SandboxPlan
    let executable: String
    let timeout: Double?
    var result: Result<TaskResult, LaunchError>?

    init(spec: String, plan: SandboxPlan, executable: String, timeout: Double?) {
        self.spec = spec; self.plan = plan; self.executable = executable; self.timeout = timeout
    }

    func run() {
        // The task's stdout and stderr go to one pipe, read once it has ended (its verdict is one short
        // line, far below a pipe's capacity).
        let pipe: CloexecPipe
        do throws(Errno) { pipe = try CloexecPipe() } catch {
            result = .failure(LaunchError(stage: .plan, errno: error, message: "cannot create a pipe for task \(spec)"))
            return
        }
        let options = RunOptions(timeout: timeout, stdout: pipe.writeEnd, stderr: pipe.writeEnd)
        let launched: RunResult
        do {
            launched = try plan.run([executable, "__task", spec], options: options)
        } catch {
            pipe.closeBoth()
            result = .failure(error)
            return
        }
        close(pipe.writeEnd)
        defer { close(pipe.readEnd) }
        // Whatever the task wrote, up to a limit no verdict line comes near; a read error leaves it empty.
        let output = String(decoding: (try? FileContents.read(pipe.readEnd, limit: 1 << 20)) ?? [], as: UTF8.self)
        result = .success(ProcessModeRunner.result(name: spec, run: launched, output: output))
    }
}

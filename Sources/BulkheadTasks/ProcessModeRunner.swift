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
        // line, far below a pipe's capacity). Close-on-exec (pipe2 is not visible from Swift's Glibc;
        // the launcher's child also closes every descriptor but stdio, so the short window is harmless).
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            result = .failure(LaunchError(stage: .plan, errno: errno, message: "cannot create a pipe for task \(spec)"))
            return
        }
        for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let options = RunOptions(timeout: timeout, stdout: ends[1], stderr: ends[1])
        let launched: RunResult
        do {
            launched = try plan.run([executable, "__task", spec], options: options)
        } catch {
            close(ends[0]); close(ends[1])
            result = .failure(error)
            return
        }
        close(ends[1])
        let output = readAll(ends[0])
        close(ends[0])
        result = .success(ProcessModeRunner.result(name: spec, run: launched, output: output))
    }

    private func readAll(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

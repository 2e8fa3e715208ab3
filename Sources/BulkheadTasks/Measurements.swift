import Bulkhead
import CMeasure

/// The measured half of the process-vs-thread table: creation cost, context-switch cost, data exchange
/// and memory sharing, each asked of threads and of processes with the same method. The crash-containment
/// rows come from running real tasks (see `ContainmentRun.rows`), which needs the bulkhead binary.
public enum ProcessThreadComparison {
    public static let defaultRepetitions = 100
    /// The payload of the data-exchange rows.
    public static let transferBytes = 1 << 20
    /// Round trips per ping-pong sample: enough that timer resolution does not matter.
    public static let roundTripsPerSample = 1000

    /// - Parameters:
    ///   - repetitions: samples per figure; each figure is the median with its p10–p90 spread.
    ///   - bulkheadExecutable: when given, also times the whole `bulkhead run` command (start-up included).
    public static func measure(repetitions: Int = defaultRepetitions, bulkheadExecutable: String?) -> [ComparisonRow] {
        let n = max(3, repetitions)
        var rows: [ComparisonRow] = []
        rows += creationRows(n, bulkheadExecutable: bulkheadExecutable)
        rows.append(contextSwitchRow(n))
        rows += dataExchangeRows(n)
        rows.append(memorySharingRow())
        return rows
    }

    static func creationRows(_ n: Int, bulkheadExecutable: String?) -> [ComparisonRow] {
        let threadCreate = CMeasureSampling.samples("pthread_create+join", count: n) { bh_measure_thread_create_join($0, $1) }
        let forkWait = CMeasureSampling.samples("fork+_exit+wait", count: n) { bh_measure_fork_wait($0, $1) }
        let forkExec = CMeasureSampling.samples("fork+exec+wait /bin/true", count: n) { bh_measure_fork_exec_wait("/bin/true", $0, $1) }
        let spawn = CMeasureSampling.samples("posix_spawn+wait /bin/true", count: n) { bh_measure_posix_spawn_wait("/bin/true", $0, $1) }
        var rows: [ComparisonRow] = [
            .timing(.creationCost, "start a unit and wait for it", thread: threadCreate, process: forkWait,
                    note: "thread: pthread_create+join; process: fork, child _exit(0), waitpid"),
            .timing(.creationCost, "fork+exec+wait /bin/true", thread: nil, process: forkExec,
                    note: "a thread cannot exec another program"),
            .timing(.creationCost, "posix_spawn+wait /bin/true", thread: nil, process: spawn),
        ]
        switch SandboxLaunchTiming.library(policy: "strict", command: ["/bin/true"], count: n) {
        case .success(let m):
            rows.append(.timing(.creationCost, "bulkhead sandboxed launch of /bin/true (strict)", thread: nil, process: m,
                                note: "SandboxPlan.run in-process: namespaces, seccomp, limits, supervision"))
        case .failure(let failure):
            rows.append(ComparisonRow(topic: .creationCost, label: "bulkhead sandboxed launch of /bin/true (strict)",
                                      unit: "ms", thread: nil, process: nil, note: failure.reason))
        }
        if let bulkheadExecutable {
            let m = SandboxLaunchTiming.command([bulkheadExecutable, "run", "--quiet", "--policy", "strict", "--", "/bin/true"], count: n)
            rows.append(.timing(.creationCost, "bulkhead run --policy strict -- /bin/true", thread: nil, process: m,
                                note: "the whole command: bulkhead start-up, policy load, launch"))
        }
        return rows
    }

    static func contextSwitchRow(_ n: Int) -> ComparisonRow {
        let trips = Int32(roundTripsPerSample)
        let thread = CMeasureSampling.samples("thread ping-pong", count: n, warmUp: 1) { bh_measure_thread_pingpong(trips, $0, $1) }
        let process = CMeasureSampling.samples("process ping-pong", count: n, warmUp: 1) { bh_measure_process_pingpong(trips, $0, $1) }
        return .timing(.contextSwitchCost, "switch: 1-byte pipe ping-pong on one CPU", thread: thread, process: process,
                       note: "seconds per switch over \(roundTripsPerSample) round trips; includes the pipe read/write")
    }

    static func dataExchangeRows(_ n: Int) -> [ComparisonRow] {
        let bytes = transferBytes
        let threadShared = CMeasureSampling.samples("thread shared memory", count: n) { bh_measure_thread_shared_transfer(bytes, $0, $1) }
        let processShared = CMeasureSampling.samples("process shared memory", count: n) { bh_measure_process_shared_transfer(bytes, $0, $1) }
        let threadPipe = CMeasureSampling.samples("thread pipe", count: n) { bh_measure_thread_pipe_transfer(bytes, $0, $1) }
        let processPipe = CMeasureSampling.samples("process pipe", count: n) { bh_measure_process_pipe_transfer(bytes, $0, $1) }
        var rows: [ComparisonRow] = [
            .timing(.dataExchange, "pass 1 MiB through shared memory", thread: threadShared, process: processShared,
                    note: "memcpy into a shared buffer + 1 pipe byte; processes need an explicit MAP_SHARED mapping"),
            .timing(.dataExchange, "pass 1 MiB through a pipe", thread: threadPipe, process: processPipe,
                    note: "write into a pipe, read into the receiver's buffer (copied twice by the kernel)"),
        ]
        for i in rows.indices { rows[i].payloadBytes = bytes }
        return rows
    }

    static func memorySharingRow() -> ComparisonRow {
        let thread = CMeasureSampling.flag(bh_measure_thread_sees_thread_write())
        let process = CMeasureSampling.flag(bh_measure_process_sees_child_write())
        return ComparisonRow(topic: .memorySharing, label: "a write to private memory is seen by the other unit", unit: "yes/no",
                             thread: thread.map { .yesNo($0) }, process: process.map { .yesNo($0) },
                             note: "threads share every page; a forked child writes into its own copy")
    }
}

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
    /// Rounds the samples are taken in (see InterleavedSampler).
    static let rounds = 5

    static let sandboxLabel = "bulkhead sandboxed launch of /bin/true (strict)"
    static let commandLabel = "bulkhead run --policy strict -- /bin/true"

    /// - Parameters:
    ///   - repetitions: samples per figure; each figure is the median with its p10–p90 spread.
    ///   - bulkheadExecutable: when given, also times the whole `bulkhead run` command (start-up included).
    public static func measure(repetitions: Int = defaultRepetitions, bulkheadExecutable: String?) -> [ComparisonRow] {
        let n = max(3, repetitions)
        let plan = SandboxLaunchTiming.plan(policy: "strict")
        defer { if case .success(let p) = plan { p.close() } }
        var sandboxFailure: String?
        var probes = cProbes()
        switch plan {
        case .success(let p):
            probes.append(.init(name: sandboxLabel) { count in
                let (samples, failure) = SandboxLaunchTiming.launches(p, command: ["/bin/true"], count: count)
                if samples.isEmpty { sandboxFailure = "no launch succeeded" + (failure.map { ": \($0)" } ?? "") }
                return samples
            })
            // The first launch creates the cgroup later ones reuse: a warm-up, not a sample.
            _ = SandboxLaunchTiming.launches(p, command: ["/bin/true"], count: 1)
        case .failure(let failure):
            sandboxFailure = failure.reason
        }
        if let bulkheadExecutable {
            let arguments = [bulkheadExecutable, "run", "--quiet", "--policy", "strict", "--", "/bin/true"]
            _ = PlainSpawn.timeRun(arguments)   // page cache
            probes.append(.init(name: commandLabel) { SandboxLaunchTiming.command(arguments, count: $0) })
        }
        let m = InterleavedSampler(rounds: rounds).run(probes, samplesEach: n)
        func get(_ name: String) -> Measurement { m[name] ?? Measurement(name: name) }

        var rows: [ComparisonRow] = [
            .timing(.creationCost, "start a unit and wait for it", thread: get("thread create"), process: get("fork wait"),
                    note: "thread: pthread_create+join; process: fork, child _exit(0), waitpid"),
            .timing(.creationCost, "fork+exec+wait /bin/true", thread: nil, process: get("fork exec"),
                    note: "a thread cannot exec another program"),
            .timing(.creationCost, "posix_spawn+wait /bin/true", thread: nil, process: get("spawn")),
        ]
        if let sandboxFailure {
            rows.append(ComparisonRow(topic: .creationCost, label: sandboxLabel, unit: "ms", thread: nil, process: nil,
                                      note: sandboxFailure))
        } else {
            rows.append(.timing(.creationCost, sandboxLabel, thread: nil, process: get(sandboxLabel),
                                note: "SandboxPlan.run in-process: seccomp, capabilities, limits (cgroup as root), supervision"))
        }
        if bulkheadExecutable != nil {
            rows.append(.timing(.creationCost, commandLabel, thread: nil, process: get(commandLabel),
                                note: "the whole command: bulkhead start-up, policy load, launch"))
        }
        rows.append(.timing(.contextSwitchCost, "switch: 1-byte pipe ping-pong on one CPU",
                            thread: get("thread ping-pong"), process: get("process ping-pong"),
                            note: "seconds per switch over \(roundTripsPerSample) round trips; includes the pipe read/write"))
        var exchange: [ComparisonRow] = [
            .timing(.dataExchange, "pass 1 MiB through shared memory", thread: get("thread shared"), process: get("process shared"),
                    note: "memcpy into a shared buffer + 1 pipe byte; processes need an explicit MAP_SHARED mapping"),
            .timing(.dataExchange, "pass 1 MiB through a pipe", thread: get("thread pipe"), process: get("process pipe"),
                    note: "write into a pipe, read into the receiver's buffer (copied twice by the kernel)"),
        ]
        for i in exchange.indices { exchange[i].payloadBytes = transferBytes }
        rows += exchange
        rows.append(memorySharingRow())
        return rows
    }

    /// The figures whose both halves are C (CMeasure).
    static func cProbes() -> [InterleavedSampler.Probe] {
        let trips = Int32(roundTripsPerSample)
        let bytes = transferBytes
        func probe(_ name: String, warmUp: Int = 2,
                   _ fill: @escaping (UnsafeMutablePointer<Double>, Int32) -> Int32) -> InterleavedSampler.Probe {
            .init(name: name) { CMeasureSampling.samples(count: $0, warmUp: warmUp, fill) }
        }
        return [
            probe("thread create") { bh_measure_thread_create_join($0, $1) },
            probe("fork wait") { bh_measure_fork_wait($0, $1) },
            probe("fork exec") { bh_measure_fork_exec_wait("/bin/true", $0, $1) },
            probe("spawn") { bh_measure_posix_spawn_wait("/bin/true", $0, $1) },
            probe("thread ping-pong", warmUp: 1) { bh_measure_thread_pingpong(trips, $0, $1) },
            probe("process ping-pong", warmUp: 1) { bh_measure_process_pingpong(trips, $0, $1) },
            probe("thread shared") { bh_measure_thread_shared_transfer(bytes, $0, $1) },
            probe("process shared") { bh_measure_process_shared_transfer(bytes, $0, $1) },
            probe("thread pipe") { bh_measure_thread_pipe_transfer(bytes, $0, $1) },
            probe("process pipe") { bh_measure_process_pipe_transfer(bytes, $0, $1) },
        ]
    }

    static func memorySharingRow() -> ComparisonRow {
        let thread = CMeasureSampling.flag(bh_measure_thread_sees_thread_write())
        let process = CMeasureSampling.flag(bh_measure_process_sees_child_write())
        return ComparisonRow(topic: .memorySharing, label: "a write to private memory is seen by the other unit", unit: "yes/no",
                             thread: thread.map { .yesNo($0) }, process: process.map { .yesNo($0) },
                             note: "threads share every page; a forked child writes into its own copy")
    }
}

import BulkheadSystem
import BulkheadPolicy
import Synchronization
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Runs audit probes under one policy, each in its own sandboxed child (`SandboxPlan.run` of
/// `bulkhead-probe audit ID ARGS...`), as many at a time as there are CPUs, and judges each
/// (`AuditJudge`) once all have ended (a UDP probe's datagram is looked for then).
public struct AuditRunner: Sendable {
    /// The longest any probe may run when the policy's wall limit is longer or absent: a probe that
    /// hangs is killed here and reported as stopped by the timeout, and the audit goes on.
    public static let probeTimeout: Double = 15

    public let policy: Policy
    public let probe: String
    public var parallelism: Int

    /// - Parameter probe: the `bulkhead-probe` executable (beside `bulkhead` in a build).
    public init(policy: Policy, probe: String, parallelism: Int? = nil) {
        self.policy = policy
        self.probe = probe
        self.parallelism = max(1, parallelism ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// - Parameter progress: called after each probe ends (done, total, id), from the thread that ran it.
    public func run(_ probes: [AuditProbe], filterCache: FilterCache? = nil,
                    progress: (@Sendable (Int, Int, String) -> Void)? = nil) throws(AuditError) -> AuditReport {
        let started = MonotonicClock.seconds()
        let plan: SandboxPlan
        do {
            plan = try SandboxPlan(policy: policy, launcherEnvironment: ProcessEnvironment.entries(for: policy.environment),
                                   filterCache: filterCache)
        } catch {
            throw AuditError("the policy cannot run here: \(error)")
        }
        defer { plan.close() }
        let targets = try AuditTargets(probe: probe)
        defer { targets.close() }
        let board = AuditBoard(probes: probes, plan: plan, targets: targets, runner: self, progress: progress)
        board.runAll(threads: min(parallelism, probes.count))
        if let failure = board.launchFailure { throw AuditError("cannot launch the probes under the policy: \(failure)") }
        if let signal = board.interruptedBy { throw AuditError.interrupted(signal) }
        let arrived = targets.datagramsReceived()
        let results = zip(probes, board.finished).map { probe, ended -> AuditResult in
            guard let ended else {
                return AuditResult(probe: probe, verdict: AuditVerdict(state: .error, evidence: "not run"),
                                   exception: policy.audit.exception(for: probe.id), wallSeconds: 0)
            }
            let isUDP = probe.targets.contains { [.udp4Loopback, .udp6Loopback, .udp4Routable, .udp6Routable].contains($0) }
            let verdict = AuditJudge.verdict(probe, result: ended.result, output: ended.output, policy: policy,
                                             datagramArrived: isUDP ? arrived.contains(probe.id) : nil,
                                             victimPID: targets.victimPID, auditorPID: targets.auditorPID,
                                             landlockDomain: plan.scopesSignals)
            return AuditResult(probe: probe, verdict: verdict, exception: policy.audit.exception(for: probe.id),
                               wallSeconds: ended.result.usage.wallSeconds)
        }
        return AuditReport(policy: policy, results: results, warnings: plan.warnings, wallSeconds: MonotonicClock.seconds() - started)
    }

    /// The command line of one probe.
    func command(_ probe: AuditProbe, targets: AuditTargets) -> [String] {
        [self.probe, "audit", probe.id] + probe.targets.flatMap { targets.arguments($0, policy: policy) }
    }

    /// A stop signal (which the caller blocked in every thread, as `StopSignals` says) ends the probe
    /// that receives it; the audit then starts no other probe.
    func options(stdin: Int32, output: Int32) -> RunOptions {
        RunOptions(timeout: min(policy.limits.wall ?? Self.probeTimeout, Self.probeTimeout), stdin: stdin, stdout: output, stderr: output,
                   stopSignals: StopSignals.all)
    }
}

/// The probes' shared work list and what each left behind.
private final class AuditBoard: @unchecked Sendable {
    struct Ended { var result: RunResult; var output: String }

    let probes: [AuditProbe]
    let plan: SandboxPlan
    let targets: AuditTargets
    let runner: AuditRunner
    let progress: (@Sendable (Int, Int, String) -> Void)?
    private let state = Mutex<(next: Int, done: Int)>((0, 0))
    private let ended: Mutex<[Ended?]>
    private let failure = Mutex<String?>(nil)
    private let interrupted = Mutex<Int32?>(nil)

    init(probes: [AuditProbe], plan: SandboxPlan, targets: AuditTargets, runner: AuditRunner,
         progress: (@Sendable (Int, Int, String) -> Void)?) {
        self.probes = probes; self.plan = plan; self.targets = targets; self.runner = runner; self.progress = progress
        ended = Mutex(Array(repeating: nil, count: probes.count))
    }

    var finished: [Ended?] { ended.withLock { $0 } }
    var launchFailure: String? { failure.withLock { $0 } }
    var interruptedBy: Int32? { interrupted.withLock { $0 } }

    func runAll(threads count: Int) {
        var threads: [pthread_t] = []
        for _ in 1..<max(count, 1) {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(self).toOpaque()
            let rc = pthread_create(&thread, nil, { context in
                Unmanaged<AuditBoard>.fromOpaque(context!).takeRetainedValue().work()
                return nil
            }, context)
            if rc == 0 { threads.append(thread) } else { Unmanaged<AuditBoard>.fromOpaque(context).release() }
        }
        work()
        for thread in threads { pthread_join(thread, nil) }
    }

    /// Takes probes off the list until none is left (or a launch failed: the others would fail alike).
    private func work() {
        while true {
            let index = state.withLock { state -> Int? in
                guard state.next < probes.count, launchFailure == nil, interruptedBy == nil else { return nil }
                state.next += 1
                return state.next - 1
            }
            guard let index else { return }
            let outcome = runOne(probes[index])
            switch outcome {
            case .success(let one):
                ended.withLock { $0[index] = one }
                if let signal = one.result.interruptedBy { interrupted.withLock { $0 = $0 ?? signal } }
            case .failure(let message): failure.withLock { $0 = $0 ?? message }
            }
            let done = state.withLock { state -> Int in state.done += 1; return state.done }
            progress?(done, probes.count, probes[index].id)
        }
    }

    private enum Run { case success(Ended), failure(String) }

    private func runOne(_ probe: AuditProbe) -> Run {
        // stdout and stderr into one pipe, read once the probe has ended: a verdict is one short line.
        let pipe: CloexecPipe
        do throws(Errno) { pipe = try CloexecPipe() } catch { return .failure("cannot make a pipe: \(error.text)") }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { if null >= 0 { close(null) } }
        let result: RunResult
        do {
            result = try plan.run(runner.command(probe, targets: targets), options: runner.options(stdin: null, output: pipe.writeEnd))
        } catch {
            pipe.closeBoth()
            return .failure(error.description)
        }
        close(pipe.writeEnd)
        defer { close(pipe.readEnd) }
        let output = String(decoding: (try? FileContents.read(pipe.readEnd, limit: 1 << 16)) ?? [], as: UTF8.self)
        return .success(Ended(result: result, output: output))
    }
}

import BulkheadSystem
import BulkheadPolicy
import CLaunch
#if canImport(Glibc)
import Glibc
#endif

/// Waits for one task with epoll: its pidfd, an optional signalfd for the launcher's stop signals, and
/// the wall-clock deadline as the epoll timeout. No thread per child, no SIGCHLD handler, no wait(-1):
/// only this task's pidfd is ever reaped (a global reaper steals other components' children: mono issue 837, boost-process issue 145).
enum Supervisor {
    static func supervise(_ task: RunningTask, plan: SandboxPlan, options: RunOptions) -> RunResult {
        let wallLimit = options.timeout ?? plan.policy.limits.wall
        let deadline = wallLimit.map { task.started + $0 }
        let epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        defer { if epoll >= 0 { close(epoll) } }
        watch(epoll, task.pidfd)
        let signals = makeSignalFD(options.stopSignals)
        defer { if signals >= 0 { close(signals) } }
        if signals >= 0 { watch(epoll, signals) }
        // The seccomp listener, in the same loop: a refused call waits in the kernel until it is served.
        var listener = task.listener?.fd ?? -1
        if listener >= 0 { watch(epoll, listener) }
        // Init's byte: the task has ended and nothing of it is left (pid_one.c); init's own exit, in which
        // the kernel tears the namespaces down, is not waited for.
        var notice = task.endNotice
        defer { if task.endNotice >= 0 { close(task.endNotice) } }
        if notice >= 0 { watch(epoll, notice) }
        var noticed = false
        var violation: ViolationEvent?

        var timedOut = false
        var interruptedBy: Int32?
        // A pid namespace's init is asked to end the task (so that it can still report it); should it not
        // have ended a second later, it is SIGKILLed, and the kernel ends the namespace with it.
        var forceKillAt: Double?
        func stop() {
            killTree(task)
            if task.initReport != nil, forceKillAt == nil { forceKillAt = MonotonicClock.seconds() + 1 }
        }
        waiting: while true {
            var timeoutMs: Int32 = -1
            if let deadline, !timedOut {
                let remaining = deadline - MonotonicClock.seconds()
                if remaining <= 0 {
                    timedOut = true
                    stop()
                    continue
                }
                timeoutMs = Int32(min((remaining * 1000).rounded(.up), Double(Int32.max)))
            }
            if let at = forceKillAt {
                let remaining = at - MonotonicClock.seconds()
                if remaining <= 0 {
                    _ = bh_pidfd_send_signal(task.pidfd, SIGKILL)
                    forceKillAt = .infinity
                } else if remaining.isFinite {
                    let ms = Int32(min((remaining * 1000).rounded(.up), Double(Int32.max)))
                    timeoutMs = timeoutMs < 0 ? ms : min(timeoutMs, ms)
                }
            }
            let (fd, events) = ready(epoll: epoll, fallback: [task.pidfd, signals, listener, notice], timeoutMs: timeoutMs)
            switch fd {
            case task.pidfd: break waiting
            case notice where notice >= 0:
                var byte: UInt8 = 0
                // Taken only with init's report on the page, which init writes first and no task process
                // can reach (its copy of the mapping went at execve).
                if read(notice, &byte, 1) == 1, Self.initReported(task) {
                    noticed = true
                    break waiting
                }
                // End-of-file: init ended without it (killed); its pidfd follows.
                unwatch(epoll, notice)
                notice = -1
            case signals where signals >= 0:
                if let signal = readSignal(signals), interruptedBy == nil {
                    interruptedBy = signal
                    stop()
                }
            case listener where listener >= 0:
                // Readable: a notification waits (RECV will not block). Hang-up alone: no task process uses
                // the filter any more; the pidfd follows.
                if events & EPOLLIN.rawValue != 0, let served = task.listener, served.serve(), violation == nil {
                    violation = served.killing
                    // Not answered: the call never returns; the task dies in it.
                    stop()
                }
                if violation != nil || events & EPOLLIN.rawValue == 0 {
                    unwatch(epoll, listener)
                    listener = -1
                }
            default: continue
            }
        }
        var result = finish(task, plan: plan, timedOut: timedOut ? wallLimit : nil, interruptedBy: interruptedBy, noticed: noticed)
        if let events = task.listener?.events { result.violations = events }
        result.learned = task.listener?.learner?.evidence
        result.watchedCalls = task.listener?.watchedCalls ?? 0
        result.policyWatched = plan.policy.seccomp?.mode == .watch
        if let violation, !timedOut, interruptedBy == nil {
            result.outcome = .violation(signal: SIGSYS, syscall: violation.call)
        }
        if let sweeper = options.sweepOrphans, case .failure(let failure) = sweeper.sweep() {
            // Something of the task may still run: say so, and kill what can still be named. The process
            // group was killed in finish(); a cgroup is emptied when its slot goes back to the pool.
            kill(-task.pid, SIGKILL)
            result.cleanupError = failure.description
        }
        return result
    }

    /// The task's main process has exited (a zombie still holds its pid and process group): kill what it
    /// left behind, then reap it and classify the ending. `noticed`: init said the task has ended and
    /// nothing of it is left; init, still exiting, is reaped in the background.
    private static func finish(_ task: RunningTask, plan: SandboxPlan, timedOut: Double?, interruptedBy: Int32?,
                               noticed: Bool) -> RunResult {
        // Stragglers in the process group die before the group's leader is reaped (its zombie keeps the
        // group id from being reused); the cgroup, if any, is emptied when it goes back to the pool.
        kill(-task.pid, SIGKILL)
        var info = siginfo_t()
        var usage = rusage()
        if noticed {
            bh_reap_later(task.pidfd)
        } else {
            // Fails only on EINTR (retried) or a pidfd that is not ours, which cannot happen.
            _ = try? SystemCall.retrying { bh_waitid_pidfd(task.pidfd, &info, WEXITED, &usage) }
            close(task.pidfd)
        }
        let ended = MonotonicClock.seconds()
        var code = bh_siginfo_code(&info), status = bh_siginfo_status(&info)
        if let page = task.initReport {
            // The task's own ending and usage, as its parent init saw them: init's would be its exit and
            // a peak RSS of bulkhead's size (init is a copy of bulkhead that never execs). An init that
            // ended without a report was killed, and the namespace with it: so was the task.
            var taskUsage = rusage()
            if bh_init_report_take(page, &code, &status, &taskUsage) == 1 {
                usage = taskUsage
            } else {
                code = Int32(CLD_KILLED); status = SIGKILL
                usage.ru_maxrss = 0
            }
            bh_init_report_free(page)
        }

        let measured = Usage(
            wallSeconds: ended - task.started,
            userSeconds: Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6,
            systemSeconds: Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6,
            peakRSSBytes: UInt64(max(usage.ru_maxrss, 0)) * 1024)
        var limitsReached: [LimitKind] = []
        let oomKills = task.cgroup?.oomKills ?? 0
        let processLimitHits = task.cgroup?.processLimitHits ?? 0
        if oomKills > 0 { limitsReached.append(.memory) }
        if processLimitHits > 0 { limitsReached.append(.processes) }
        if let cgroup = task.cgroup {
            cgroup.resetCounters(oomKills: oomKills, processLimitHits: processLimitHits)
            plan.cgroups.release(cgroup)
        }

        var outcome = classify(code: code, status: status, plan: plan,
                               usage: measured, timedOut: timedOut, oomKilled: oomKills > 0)
        if case .violation(let signal, nil) = outcome {
            // The audit stamps are wall-clock time: when did the task start by that clock?
            let startedOnWallClock = WallClock.seconds() - (MonotonicClock.seconds() - task.started)
            if let auditPID = task.auditPID, let kill = KernelAuditLog.seccompKill(of: auditPID, notBefore: startedOnWallClock) {
                outcome = .violation(signal: signal, syscall: KernelAuditLog.describe(kill))
            }
        }
        var result = RunResult(outcome: outcome, usage: measured, limitsReached: limitsReached, interruptedBy: interruptedBy)
        result.namespaces = task.namespaces.map(\.rawValue)
        return result
    }

    static func classify(code: Int32, status: Int32, plan: SandboxPlan, usage: Usage, timedOut: Double?, oomKilled: Bool) -> Outcome {
        if let timedOut { return .timedOut(limitSeconds: timedOut) }
        switch code {
        case Int32(CLD_EXITED):
            return .exited(code: status)
        case Int32(CLD_KILLED), Int32(CLD_DUMPED):
            let limits = plan.policy.limits
            switch status {
            case SIGSYS where plan.violationIsKill:
                return .violation(signal: SIGSYS, syscall: nil)
            case SIGXCPU where limits.cpu != nil:
                return .limitExceeded(.cpu, signal: SIGXCPU)
            case SIGXFSZ where limits.fileSize != nil:
                return .limitExceeded(.fileSize, signal: SIGXFSZ)
            case SIGKILL where oomKilled:
                return .limitExceeded(.memory, signal: SIGKILL)
            case SIGKILL where limits.cpu.map { usage.userSeconds + usage.systemSeconds >= $0 } ?? false:
                return .limitExceeded(.cpu, signal: SIGKILL)
            default:
                return .signaled(signal: status, coreDumped: code == Int32(CLD_DUMPED))
            }
        default:
            return .signaled(signal: status, coreDumped: false)
        }
    }

    private static func initReported(_ task: RunningTask) -> Bool {
        var code: Int32 = 0, status: Int32 = 0
        var usage = rusage()
        return bh_init_report_take(task.initReport, &code, &status, &usage) == 1
    }

    /// SIGKILL the task, its process group and, where there is one, everything in its cgroup. With a pid
    /// namespace, init is asked to (BH_INIT_STOP_SIGNAL): it kills everything in the namespace and still
    /// reports the task's ending and usage, which a SIGKILL of init would lose.
    static func killTree(_ task: RunningTask) {
        if task.initReport != nil {
            _ = bh_pidfd_send_signal(task.pidfd, Int32(BH_INIT_STOP_SIGNAL))
        } else {
            _ = bh_pidfd_send_signal(task.pidfd, SIGKILL)
            kill(-task.pid, SIGKILL)
        }
        task.cgroup?.killAll()
    }

    /// A descriptor that became ready and its events (EPOLLIN, EPOLLHUP: poll's bits have the same
    /// values), or -1 on timeout or interruption. One event per wait: the next wait returns the others at
    /// once. epoll normally; poll(2) over `fallback` (-1 entries left out) when no epoll instance could be
    /// made (descriptor exhaustion), so the deadline, stop signals and the listener hold.
    private static func ready(epoll: Int32, fallback: [Int32], timeoutMs: Int32) -> (fd: Int32, events: UInt32) {
        if epoll >= 0 {
            var event = epoll_event()
            return epoll_wait(epoll, &event, 1, timeoutMs) == 1 ? (event.data.fd, event.events) : (-1, 0)
        }
        var fds = fallback.filter { $0 >= 0 }.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        guard poll(&fds, nfds_t(fds.count), timeoutMs) > 0, let first = fds.first(where: { $0.revents != 0 }) else { return (-1, 0) }
        return (first.fd, UInt32(UInt16(bitPattern: first.revents)))
    }

    private static func unwatch(_ epoll: Int32, _ fd: Int32) {
        guard epoll >= 0 else { return }
        var event = epoll_event()
        epoll_ctl(epoll, EPOLL_CTL_DEL, fd, &event)
    }

    private static func watch(_ epoll: Int32, _ fd: Int32) {
        guard epoll >= 0 else { return }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = fd
        epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event)
    }

    private static func makeSignalFD(_ signals: [Int32]) -> Int32 {
        guard !signals.isEmpty else { return -1 }
        var set = sigset_t()
        sigemptyset(&set)
        signals.forEach { sigaddset(&set, $0) }
        return signalfd(-1, &set, Int32(SFD_CLOEXEC | SFD_NONBLOCK))
    }

    private static func readSignal(_ fd: Int32) -> Int32? {
        var info = signalfd_siginfo()
        let n = withUnsafeMutableBytes(of: &info) { read(fd, $0.baseAddress, $0.count) }
        return n == MemoryLayout<signalfd_siginfo>.size ? Int32(info.ssi_signo) : nil
    }
}

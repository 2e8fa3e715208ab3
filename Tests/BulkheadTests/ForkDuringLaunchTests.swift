import Bulkhead
import BulkheadPolicy
import CMeasure
import Foundation
import Testing

/// A launch leaves the executable's data segments out of its child's copy of memory (CLaunch/spawn.c).
/// Another thread's fork() must never fall into that window: its child would have no .data and .bss,
/// and dies on the first touch (glibc's own fork handlers, and the launcher's, write there at once).
@Suite struct ForkDuringLaunchTests {
    @Test func forksOnOtherThreadsKeepTheirMemoryWhileLaunchesRun() throws {
        let plan = try SandboxPlan(policy: try PolicyLoader.loadShipped(name: "strict"),
                                   launcherEnvironment: ["PATH": "/usr/bin:/bin"])
        let devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer { close(devnull) }
        #expect(try plan.run(["/bin/true"], options: RunOptions(stdout: devnull)).outcome == .exited(code: 0))

        let forks = 300
        let forker = Forker(count: forks)
        forker.start()
        var launches = 0, succeeded = 0
        while !forker.isFinished || launches < 50 {
            let result = try plan.run(["/bin/true"], options: RunOptions(stdout: devnull))
            launches += 1
            if result.outcome == .exited(code: 0) { succeeded += 1 }
        }
        while !forker.isFinished { usleep(1000) }
        #expect(forker.exitedCleanly == Int32(forks), "\(forks - Int(forker.exitedCleanly)) forked children died")
        #expect(succeeded == launches)
    }
}

/// fork() in a loop on its own thread; each child only exits.
private final class Forker: @unchecked Sendable {
    let count: Int
    private let lock = NSLock()
    private var result: Int32?

    init(count: Int) { self.count = count }

    func start() {
        Thread.detachNewThread { [self] in
            // A child without its memory faults at once. With the fault signals blocked the kernel kills
            // it outright, instead of running the test runtime's crash handler, which would hang there.
            var faults = sigset_t()
            sigemptyset(&faults)
            sigaddset(&faults, SIGSEGV)
            sigaddset(&faults, SIGBUS)
            pthread_sigmask(SIG_BLOCK, &faults, nil)
            var seconds = [Double](repeating: 0, count: count)
            let clean = bh_measure_fork_wait(&seconds, Int32(count))
            lock.withLock { result = clean }
        }
    }

    var isFinished: Bool { lock.withLock { result != nil } }
    /// Children that exited 0.
    var exitedCleanly: Int32 { lock.withLock { result ?? -1 } }
}

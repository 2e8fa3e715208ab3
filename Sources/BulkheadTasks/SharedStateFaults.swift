import BulkheadSystem
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Faults that change state a process has only once: memory, the working directory, the environment,
/// the umask, the descriptor table. As threads they break the other tasks' results; as processes they
/// change only their own copy. Each ends as a failure: it is a fault, whatever it managed to do.
enum SharedStateFaults {
    /// Overwrites the prime table `compute` divides by: with every divisor 2, odd numbers look prime.
    static func scribble() -> TaskEnding {
        let table = PrimeTable.entries
        for i in 0..<PrimeTable.count { table[i] = 2 }
        return .failed("scribble: overwrote the process-wide prime table")
    }

    /// /proc: no file can be created there, even by root, so the damage shows without writing anywhere.
    static func changeDirectory() -> TaskEnding {
        guard chdir("/proc") == 0 else { return .failed("chdir: chdir(/proc) failed: \(Errno.current.text)") }
        return .failed("chdir: changed the process-wide working directory to /proc")
    }

    static func changeEnvironment() -> TaskEnding {
        setenv(TaskWorkspace.variable, "/nonexistent/bulkhead-scratch", 1)
        return .failed("setenv: pointed $\(TaskWorkspace.variable) at /nonexistent/bulkhead-scratch")
    }

    static func changeUmask() -> TaskEnding {
        let old = umask(0o077)
        return .failed("umask: changed the process-wide umask from 0" + String(old, radix: 8) + " to 077")
    }

    /// Closes every descriptor from 3 to 1023 for half a second: in a shared process these belong to
    /// other tasks (and to bulkhead). The count shows what there was to take. As threads, it starts once
    /// the tasks that check for it hold their descriptors.
    static func closeForeignDescriptors(turn: TaskTurn) -> TaskEnding {
        turn.waitForVictimsHolding()
        var closed = 0
        let end = MonotonicClock.seconds() + 0.5
        repeat {
            for fd: Int32 in 3..<1024 where close(fd) == 0 { closed += 1 }
            MonotonicClock.sleep(0.001)
        } while MonotonicClock.seconds() < end
        return .failed("close-fds: closed \(closed) descriptors it did not own")
    }
}

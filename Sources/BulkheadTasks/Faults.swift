import BulkheadSystem
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Faults: tasks that crash, exit, spin or take resources on purpose. As threads they take the whole
/// bulkhead process (and its other tasks) with them; as processes the sandbox contains them.
enum Faults {
    static func crashSegv() -> Never {
        CrashSignals.restoreDefaults()
        // An address in the never-mapped first page: a write there is SIGSEGV on every Linux.
        let invalid = UnsafeMutablePointer<Int>(bitPattern: 0x10 + Int(getpid() & 0))!
        invalid.pointee = 42
        // Not reached; keeps the compiler from assuming the store above was the end.
        abort()
    }

    static func crashAbort() -> Never {
        CrashSignals.restoreDefaults()
        abort()
    }

    static func crashTrap() -> Never {
        CrashSignals.restoreDefaults()
        let array = [1, 2, 3]
        // An index the compiler cannot see is out of range: the bounds check traps at run time.
        let index = array.count + Int(getpid() & 0)
        let value = array[index]
        print(value)
        abort()
    }

    static func stackOverflow() -> Never {
        CrashSignals.restoreDefaults()
        let depth = recurse(0)
        print(depth)
        abort()
    }

    /// Each level keeps a 1 KiB frame alive across the recursive call (it is read after the call
    /// returns, and handed to an opaque syscall before it), so the optimiser can neither turn the
    /// recursion into a loop nor compute it in closed form: the stack grows until the guard page.
    @inline(never)
    private static func recurse(_ depth: Int) -> Int {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { frame in
            frame.initialize(repeating: UInt8(truncatingIfNeeded: depth))
            _ = read(-1, frame.baseAddress, 1)
            if depth == Int.max { return 0 }
            return recurse(depth + 1) &+ Int(frame[depth & 1023])
        }
    }

    static func exitEarly() -> Never {
        exit(3)
    }

    /// Spins on the CPU forever. The occasional `sched_yield` is an opaque call, so the loop cannot be
    /// optimised away; it does not make the loop any less busy.
    static func hang() -> Never {
        var counter: UInt64 = 0
        while true {
            counter &+= 1
            if counter & 0xFF_FFFF == 0 { sched_yield() }
        }
    }

    /// Takes memory 8 MiB at a time, touching every page so it is really resident, until an allocation
    /// is refused or the safety cap is reached (the cap keeps thread mode from taking the machine).
    static func memoryHog(_ argument: String?) -> TaskEnding {
        let cap: Int
        switch TaskArgument.integer(argument, default: 1024, in: 8...1_048_576) {
        case .success(let v): cap = v
        case .failure(let e): return .failed(e.message)
        }
        let chunk = 8 << 20
        var taken: [UnsafeMutableRawPointer] = []
        defer { taken.forEach { free($0) } }
        while taken.count * 8 < cap {
            guard let block = malloc(chunk) else {
                return .failed("memory-hog: allocation refused after \(taken.count * 8) MiB (contained)")
            }
            let bytes = block.bindMemory(to: UInt8.self, capacity: chunk)
            for offset in stride(from: 0, to: chunk, by: 4096) { bytes[offset] = 1 }
            taken.append(block)
        }
        return .failed("memory-hog: took \(cap) MiB and nothing stopped it (stopped at its safety cap)")
    }

    /// Starts `sleep 30` processes until the kernel refuses (EAGAIN: the pids cgroup or RLIMIT_NPROC) or
    /// the safety cap is reached, then kills and reaps exactly those children. A `HelperProcess`
    /// (posix_spawn) rather than fork: a forked child of a Swift process must not run Swift code before exec.
    static func forkBomb(_ argument: String?) -> TaskEnding {
        let cap: Int
        switch TaskArgument.integer(argument, default: 256, in: 1...100_000) {
        case .success(let v): cap = v
        case .failure(let e): return .failed(e.message)
        }
        let program = access("/bin/sleep", X_OK) == 0 ? "/bin/sleep" : "/usr/bin/sleep"
        // The children must not hold bulkhead's stdout open: whoever reads it would wait for them.
        let sleeper = HelperProcess([program, "30"], stdout: .discard, stderr: .discard)
        var children: [HelperProcess.Running] = []
        var refusal: Errno?
        while children.count < cap {
            do throws(Errno) { children.append(try sleeper.start()) } catch { refusal = error; break }
        }
        for child in children { kill(child.pid, SIGKILL) }
        for child in children { _ = child.wait() }
        if let refusal {
            return .failed("fork-bomb: process creation refused after \(children.count) processes: \(refusal.text) (contained)")
        }
        return .failed("fork-bomb: started \(children.count) processes and nothing refused them (stopped at its safety cap)")
    }

    /// Opens /dev/null until refused (EMFILE) or the cap, holds the descriptors for a second (and as
    /// threads, until the tasks that check for it have ended) so that other tasks of the same process
    /// feel it, then closes them.
    static func fdLeak(_ argument: String?, turn: TaskTurn) -> TaskEnding {
        let cap: Int
        switch TaskArgument.integer(argument, default: 131_072, in: 1...1_048_576) {
        case .success(let v): cap = v
        case .failure(let e): return .failed(e.message)
        }
        var leaked: [Int32] = []
        leaked.reserveCapacity(min(cap, 65536))
        var refusal: Int32 = 0
        while leaked.count < cap {
            let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
            if fd < 0 { refusal = errno; break }
            leaked.append(fd)
        }
        turn.damaged()
        MonotonicClock.sleep(1)
        turn.waitForVictimsFinished()
        leaked.forEach { close($0) }
        if refusal != 0 {
            return .failed("fd-leak: open refused after \(leaked.count) descriptors: \(Errno(rawValue: refusal).text) (contained)")
        }
        return .failed("fd-leak: opened \(leaked.count) descriptors and nothing refused them (stopped at its cap)")
    }
}

import BulkheadSystem
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Workloads: tasks that compute something and check it. Each one depends on a piece of process state
/// (the prime table, a descriptor, the working directory...) that a fault can take away from it when
/// they share a process.
enum Workloads {
    /// Prime counts the result is checked against, besides a private sieve.
    static let knownPrimeCounts: [Int: Int] = [1000: 168, 100_000: 9592, 200_000: 17984, 1_000_000: 78498]

    /// Counts primes below N by trial division with the shared prime table, then checks the count
    /// against a sieve in the task's own memory (and the known value for the usual sizes).
    static func compute(_ argument: String?) -> TaskEnding {
        let n: Int
        switch TaskArgument.integer(argument, default: 200_000, in: 2...1_000_000) {
        case .success(let v): n = v
        case .failure(let e): return .failed(e.message)
        }
        let table = PrimeTable.entries
        var count = 0
        for candidate in 2..<n {
            var prime = true
            for i in 0..<PrimeTable.count {
                // Read from the shared table on every use: this is the memory `scribble` overwrites.
                let p = table[i]
                if p * p > candidate { break }
                if p > 0, candidate % p == 0, candidate != p { prime = false; break }
            }
            if prime { count += 1 }
        }
        let expected = privateSieveCount(below: n)
        if let known = knownPrimeCounts[n], known != expected {
            return .failed("sieve disagrees with the known count \(known) (got \(expected))")
        }
        guard count == expected else {
            return .failed("result corrupted: counted \(count) primes below \(n), expected \(expected) "
                + "(the shared prime table was overwritten)")
        }
        return .ok("\(count) primes below \(n)")
    }

    private static func privateSieveCount(below n: Int) -> Int {
        var composite = [Bool](repeating: false, count: n)
        var count = 0
        for i in 2..<n where !composite[i] {
            count += 1
            var j = i * i
            while j < n { composite[j] = true; j += i }
        }
        return count
    }

    /// FNV-1a (64-bit) of a file, read twice through the same descriptor with a pause between: a
    /// descriptor closed or replaced by someone else shows up as a read error or two different hashes.
    /// As threads, the pause lasts until the faults it checks for have had their go at the descriptor.
    static func hashFile(_ argument: String?, turn: TaskTurn) -> TaskEnding {
        let path = argument ?? "/proc/self/exe"
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failed("cannot open \(path): \(Errno.current.text)") }
        defer { close(fd) }
        turn.holding()
        var hashes: [(UInt64, Int)] = []
        for pass in 0..<2 {
            if pass > 0 {
                MonotonicClock.sleep(0.05)
                turn.waitForFaults()
                guard lseek(fd, 0, SEEK_SET) == 0 else {
                    return .failed("descriptor \(fd) lost between passes: \(Errno.current.text) (closed by another task?)")
                }
            }
            switch fnv1a(fd) {
            case .success(let result): hashes.append(result)
            case .failure(let err):
                return .failed("reading descriptor \(fd) failed: \(err.text) (closed by another task?)")
            }
        }
        guard hashes[0] == hashes[1] else {
            return .failed("result corrupted: the two passes disagree (descriptor \(fd) now names another file)")
        }
        return .ok("fnv1a 0x" + String(hashes[0].0, radix: 16) + " of \(hashes[0].1) bytes of \(path)")
    }

    private static func fnv1a(_ fd: Int32) -> Result<(UInt64, Int), Errno> {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var total = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let got: Int
            do throws(Errno) { got = try SystemCall.retrying { read(fd, buffer.baseAddress, buffer.count) } } catch {
                return .failure(error)
            }
            if got == 0 { return .success((hash, total)) }
            // A raw pointer loop: slice iteration is several times slower in debug builds.
            let bytes = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            for i in 0..<got {
                hash = (hash ^ UInt64(bytes[i])) &* 0x100_0000_01b3
            }
            total += got
        }
    }

    static func sleep(_ argument: String?) -> TaskEnding {
        switch TaskArgument.seconds(argument, default: 1) {
        case .success(let seconds):
            let start = MonotonicClock.seconds()
            MonotonicClock.sleep(seconds)
            return .ok("slept " + format(MonotonicClock.seconds() - start) + "s")
        case .failure(let e): return .failed(e.message)
        }
    }

    /// Allocates N MiB, writes a pattern into every page and checks it.
    static func allocate(_ argument: String?) -> TaskEnding {
        let mib: Int
        switch TaskArgument.integer(argument, default: 64, in: 1...65536) {
        case .success(let v): mib = v
        case .failure(let e): return .failed(e.message)
        }
        let bytes = mib << 20
        guard let memory = malloc(bytes) else { return .failed("allocation of \(mib) MiB refused") }
        defer { free(memory) }
        let pages = memory.bindMemory(to: UInt8.self, capacity: bytes)
        let page = 4096
        for offset in stride(from: 0, to: bytes, by: page) { pages[offset] = UInt8(truncatingIfNeeded: offset / page) }
        for offset in stride(from: 0, to: bytes, by: page) where pages[offset] != UInt8(truncatingIfNeeded: offset / page) {
            return .failed("result corrupted: page at offset \(offset) changed under the task")
        }
        return .ok("allocated and verified \(mib) MiB")
    }

    /// Writes files by a relative path (the working directory), reads them back through
    /// `$BULKHEAD_TASK_SCRATCH` (the environment) and checks their mode is 0644 (the umask 022 the
    /// runner set). Repeats for a while so that it overlaps with a fault that changes any of the three.
    static func fileRoundtrip(_ argument: String?) -> TaskEnding {
        let rounds: Int
        switch TaskArgument.integer(argument, default: 20, in: 1...100_000) {
        case .success(let v): rounds = v
        case .failure(let e): return .failed(e.message)
        }
        let tag = String(UInt(pthread_self()) % 1_000_000_007, radix: 36)
        for round in 0..<rounds {
            guard let scratch = getenv(TaskWorkspace.variable).map({ String(cString: $0) }) else {
                return .failed("$\(TaskWorkspace.variable) is not set")
            }
            let name = "roundtrip-\(getpid())-\(tag)-\(round)"
            let content = "round \(round)\n"
            let fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            guard fd >= 0 else {
                let err = Errno.current
                return .failed("cannot create \(name) in the working directory \(currentDirectory()): \(err.text)")
            }
            let wrote = content.withCString { write(fd, $0, strlen($0)) }
            close(fd)
            guard wrote == content.utf8.count else { return .failed("short write to \(name)") }
            let path = scratch + "/" + name
            // Both spellings: after a chdir they name different files, and neither may be left behind.
            defer { unlink(name); unlink(path) }
            var info = stat()
            guard stat(path, &info) == 0 else {
                return .failed("result corrupted: \(path) not found "
                    + "(working directory now \(currentDirectory()), $\(TaskWorkspace.variable)=\(scratch))")
            }
            let mode = info.st_mode & 0o777
            guard mode == 0o644 else {
                return .failed("result corrupted: \(name) has mode 0" + String(mode, radix: 8) + ", expected 0644 (the umask changed)")
            }
            MonotonicClock.sleep(0.005)
        }
        return .ok("\(rounds) files written and read back with mode 0644")
    }

    static func currentDirectory() -> String { Paths.currentDirectory() ?? "?" }

    static func format(_ seconds: Double) -> String {
        let hundredths = Int((seconds * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }
}

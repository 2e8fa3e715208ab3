import BulkheadSystem
import BulkheadPolicy
import CSeccomp
#if canImport(Glibc)
import Glibc
#endif

/// What seccomp filters cost, behind `bulkhead bench --filters`: installing a filter and the time it
/// adds to each system call, by instruction count, and compiling the shipped policies. Every figure has
/// a baseline measured in the same interleaved run: a one-instruction filter for the install and the
/// call, a filter-cache hit of the same policy for the compile.
public struct FilterBenchmark: Sendable {
    /// One filter, installed in `perRound` forked children of the probe in each round.
    public struct Installed: Sendable {
        public var name: String
        public var instructions: Int
        /// Seconds from the seccomp call to its return.
        public var install: Measurement
        /// Seconds per call of a system call no architecture has, after the install; no samples when
        /// the filter's default action kills.
        public var call: Measurement
    }

    /// One policy's filter, compiled afresh and read from the filter cache, alternately.
    public struct Compiled: Sendable {
        public var name: String
        public var instructions: Int
        public var compile: Measurement
        /// nil without a usable filter cache (no private cache directory, or no kernel keyring).
        public var cacheHit: Measurement?
    }

    public var rounds: Int
    public var perRound: Int
    /// Calls of the nonexistent system call in each child: enough to dwarf the clock's own cost.
    public var callsPerChild = 2000

    public init(rounds: Int = 10, perRound: Int = 20) { self.rounds = rounds; self.perRound = perRound }

    /// `ret ALLOW`: the least a filter can be, so its install and call costs are seccomp's own.
    public static let baseline = CompiledFilter(bpf: [0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x7f])

    /// An allowlist of `count` native system calls whose default answers ENOSYS: exit_group (the
    /// measuring child's way out), then the lowest numbers (on x86_64: read, write, open...).
    public static func allowlist(_ count: Int) -> SeccompPolicy {
        var names = ["exit_group"]
        var number: Int32 = 0
        while names.count < count && number < 1024 {
            if let name = seccomp_syscall_resolve_num_arch(bh_arch_native(), number) {
                let text = String(cString: name)
                free(name)   // libseccomp returns a copy from malloc
                if !names.contains(text) { names.append(text) }
            }
            number += 1
        }
        return SeccompPolicy(defaultAction: .errno(38), allow: names.sorted())
    }

    /// Installs `baseline` and each of `filters` through `probe filter-cost`, round by round.
    /// - Returns: the baseline's figures first, then those of `filters` in order; nil when a filter
    ///   cannot be written to a temporary file.
    public func install(_ filters: [(name: String, filter: CompiledFilter)], probe: String) -> [Installed]? {
        let all = [(name: "1-instruction filter (allows everything)", filter: Self.baseline)] + filters
        var files: [String] = []
        defer { files.forEach { unlink($0) } }
        for entry in all {
            guard let file = Self.temporaryFile(entry.filter.bpf) else { return nil }
            files.append(file)
        }
        var figures = all.map {
            Installed(name: $0.name, instructions: $0.filter.instructionCount,
                      install: Measurement(name: $0.name + " install"), call: Measurement(name: $0.name + " call"))
        }
        // One child of each, not counted: the first fork and install of a program pay for page faults.
        for file in files { _ = LaunchBenchmark.readRows([probe, "filter-cost", file, "1", "1"]) }
        for _ in 0..<rounds {
            for (index, file) in files.enumerated() {
                for row in LaunchBenchmark.readRows([probe, "filter-cost", file, String(perRound), String(callsPerChild)])
                where row.count == 2 {
                    if row[0].isFinite { figures[index].install.samples.append(row[0]) }
                    if row[1].isFinite { figures[index].call.samples.append(row[1]) }
                }
            }
        }
        return figures
    }

    /// Compiles each policy's filter and reads it from `cache`, alternately, `rounds * perRound` times.
    public func compile(_ policies: [(name: String, policy: SeccompPolicy)],
                        cache: FilterCache?) throws(SeccompCompileError) -> [Compiled] {
        var figures: [Compiled] = []
        for entry in policies {
            let filter = try SeccompCompiler.compile(entry.policy)
            var cached: Measurement?
            if let cache {
                // The first lookup compiles and stores the entry; the ones measured are hits.
                _ = try cache.filter(for: entry.policy)
                cached = Measurement(name: entry.name + " cache hit")
            }
            var compiled = Measurement(name: entry.name + " compile")
            for _ in 0..<(rounds * perRound) {
                var start = MonotonicClock.seconds()
                _ = try SeccompCompiler.compile(entry.policy)
                compiled.samples.append(MonotonicClock.seconds() - start)
                if let cache {
                    start = MonotonicClock.seconds()
                    _ = try cache.filter(for: entry.policy)
                    cached?.samples.append(MonotonicClock.seconds() - start)
                }
            }
            figures.append(Compiled(name: entry.name, instructions: filter.instructionCount, compile: compiled, cacheHit: cached))
        }
        return figures
    }

    /// A new file in $TMPDIR (or /tmp) holding `bytes`; nil on any failure.
    private static func temporaryFile(_ bytes: [UInt8]) -> String? {
        let directory = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((directory + "/bulkhead-bench-filter-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return nil }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else { unlink(path); return nil }
        return path
    }
}

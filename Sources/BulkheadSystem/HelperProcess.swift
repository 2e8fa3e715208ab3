import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// A plain helper program, started with posix_spawn (no Swift code ever runs in the child: a forked
/// child of a multi-threaded process may only call async-signal-safe functions) and waited for. For the
/// benchmarks' baselines, the demo's disposable runs and the tasks' own children; never for a sandboxed
/// task, which `Launcher` starts.
public struct HelperProcess {
    /// Where one of the helper's output streams goes.
    public enum Output: Sendable { case inherit, discard, capture }

    /// The program (an absolute path, or relative to the working directory: no PATH search) and its arguments.
    public var arguments: [String]
    public var stdout: Output
    public var stderr: Output
    /// Standard input from /dev/null instead of this process's, so a helper never competes for a terminal.
    public var nullInput: Bool

    public init(_ arguments: [String], stdout: Output = .inherit, stderr: Output = .inherit, nullInput: Bool = true) {
        self.arguments = arguments; self.stdout = stdout; self.stderr = stderr; self.nullInput = nullInput
    }

    /// How a helper ended.
    public struct Finished: Sendable {
        /// The wait status (waitpid(2)).
        public var status: Int32
        public var stdout: [UInt8] = []
        public var stderr: [UInt8] = []
        /// It outlived the timeout and was killed.
        public var timedOut = false
        public var exitCode: Int32? { status & 0x7f == 0 ? (status >> 8) & 0xff : nil }
        public var signal: Int32? { let s = status & 0x7f; return s != 0 && s != 0x7f ? s : nil }
        public var succeeded: Bool { status == 0 }
    }

    /// A started helper: its pid and the read ends of the captured streams.
    public struct Running {
        public let pid: pid_t
        let outputs: [(fd: Int32, isStdout: Bool)]

        /// Reads the captured streams until both end (or `timeout` seconds pass: then SIGKILL), then reaps.
        public func wait(timeout: Double? = nil) -> Finished {
            var finished = Finished(status: 0)
            let deadline = timeout.map { MonotonicClock.seconds() + $0 }
            var open = outputs
            var buffer = [UInt8](repeating: 0, count: 16384)
            while !open.isEmpty {
                var waitMilliseconds: Int32 = -1
                if let deadline {
                    let remaining = deadline - MonotonicClock.seconds()
                    if remaining <= 0 { finished.timedOut = true; kill(pid, SIGKILL); break }
                    waitMilliseconds = Int32(min(remaining * 1000, 1000)) + 1
                }
                var fds = open.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
                let ready = poll(&fds, nfds_t(fds.count), waitMilliseconds)
                if ready <= 0 { continue }   // EINTR or a timeout slice
                var ended: [Int32] = []
                for (index, entry) in open.enumerated() where fds[index].revents != 0 {
                    let n = try? SystemCall.retrying { buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) } }
                    guard let n, n > 0 else { ended.append(entry.fd); continue }
                    if entry.isStdout { finished.stdout += buffer[0..<n] } else { finished.stderr += buffer[0..<n] }
                }
                open.removeAll { ended.contains($0.fd) }
            }
            for output in outputs { close(output.fd) }
            var status: Int32 = 0
            _ = try? SystemCall.retrying { waitpid(pid, &status, 0) }
            finished.status = status
            return finished
        }
    }

    /// Starts the helper; the error is posix_spawn's (ENOENT for a missing program, EAGAIN when the
    /// process limit refuses it).
    public func start() throws(Errno) -> Running {
        guard let path = arguments.first else { throw Errno.invalidArgument }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if nullInput { posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }
        var pipes: [(pipe: CloexecPipe, isStdout: Bool)] = []
        defer { for entry in pipes { close(entry.pipe.writeEnd) } }
        for (output, target, isStdout) in [(stdout, Int32(1), true), (stderr, Int32(2), false)] {
            switch output {
            case .inherit: break
            case .discard: posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
            case .capture:
                let pipe: CloexecPipe
                do throws(Errno) { pipe = try CloexecPipe() } catch {
                    for entry in pipes { close(entry.pipe.readEnd) }
                    throw error
                }
                pipes.append((pipe, isStdout))
                posix_spawn_file_actions_adddup2(&actions, pipe.writeEnd, target)
            }
        }
        // Default dispositions and nothing blocked: a helper must not inherit the signals this process
        // blocks (a supervisor reads its stop signals from a signalfd) or ignores, or it could not be
        // stopped the usual way (signal(7): both survive execve).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = CStringArray(arguments)
        defer { argv.free() }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv.pointer, environ)
        guard rc == 0 else {
            for entry in pipes { close(entry.pipe.readEnd) }
            throw Errno(rawValue: rc)
        }
        return Running(pid: pid, outputs: pipes.map { ($0.pipe.readEnd, $0.isStdout) })
    }

    /// Starts the helper and waits for it (see `Running.wait`).
    public func run(timeout: Double? = nil) throws(Errno) -> Finished {
        try start().wait(timeout: timeout)
    }
}

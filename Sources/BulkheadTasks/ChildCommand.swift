import CMeasure
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command as a plain child (posix_spawn: no Swift runs in the child), captures its stdout and
/// stderr, and reports how it ended. Used to run a disposable bulkhead whose crash must not take the
/// demo down with it.
struct ChildCommand {
    struct Result: Sendable {
        var stdout: String
        var stderr: String
        /// Exit code when it exited, nil when a signal ended it.
        var exitCode: Int32?
        var signal: Int32?
        var timedOut: Bool
        var wallSeconds: Double
    }

    var arguments: [String]
    var timeout: Double = 60

    func run() -> Result? {
        guard let path = arguments.first else { return nil }
        var out: [Int32] = [0, 0], err: [Int32] = [0, 0]
        guard bh_measure_cloexec_pipe(&out) == 0 else { return nil }
        guard bh_measure_cloexec_pipe(&err) == 0 else { close(out[0]); close(out[1]); return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        var cArguments = arguments.map { strdup($0) }
        cArguments.append(nil)
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let start = Clock.seconds()
        let spawned = posix_spawn(&pid, path, &actions, nil, cArguments, environ) == 0
        close(out[1]); close(err[1])
        defer { close(out[0]); close(err[0]) }
        guard spawned else { return nil }
        // The crash is the point of the demo: no core file for it. Set after the spawn (posix_spawn cannot
        // set limits); the child spends milliseconds starting up before any task runs, long before it crashes.
        _ = bh_measure_no_core_dumps(pid)

        var stdoutBytes: [UInt8] = [], stderrBytes: [UInt8] = []
        var timedOut = false
        var open: [(fd: Int32, isOut: Bool)] = [(out[0], true), (err[0], false)]
        var buffer = [UInt8](repeating: 0, count: 16384)
        while !open.isEmpty {
            let remaining = timeout - (Clock.seconds() - start)
            if remaining <= 0 { timedOut = true; kill(pid, SIGKILL); break }
            var fds = open.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining * 1000, 1000)) + 1)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { continue }
            var closed: [Int32] = []
            for (index, entry) in open.enumerated() where fds[index].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    if entry.isOut { stdoutBytes += buffer[0..<n] } else { stderrBytes += buffer[0..<n] }
                } else if n == 0 || errno != EINTR {
                    closed.append(entry.fd)
                }
            }
            open.removeAll { closed.contains($0.fd) }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let elapsed = Clock.seconds() - start
        let termination = status & 0x7f
        return Result(stdout: String(decoding: stdoutBytes, as: UTF8.self), stderr: String(decoding: stderrBytes, as: UTF8.self),
                      exitCode: termination == 0 ? (status >> 8) & 0xff : nil,
                      signal: termination != 0 && termination != 0x7f ? termination : nil,
                      timedOut: timedOut, wallSeconds: elapsed)
    }
}

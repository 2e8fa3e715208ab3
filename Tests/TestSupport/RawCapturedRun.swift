#if canImport(Glibc)
import Glibc
#endif

/// A child process started with an exact argv and environment, given as bytes: Foundation's `Process`
/// takes Strings and would repair bytes that are not UTF-8 before the child ever saw them.
public struct RawCapturedRun {
    /// The exit code, or 128+N for a death by signal N.
    public var status: Int32
    public var stdout: [UInt8]
    public var stderr: [UInt8]

    /// The stderr as text, for messages (lossy, like `CapturedRun`).
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }

    public struct SpawnError: Error, CustomStringConvertible {
        public let errno: Int32
        public var description: String { "posix_spawn failed: \(String(cString: strerror(errno)))" }
    }

    /// Runs `executable` with `arguments` (argv[1...]) and, when given, exactly `environment` ("NAME=value"
    /// entries), from `directory`, with stdin from /dev/null.
    public static func run(_ executable: String, _ arguments: [[UInt8]], environment: [[UInt8]]? = nil,
                           directory: String? = nil) throws -> RawCapturedRun {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw SpawnError(errno: errno) }
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        // posix_spawn_file_actions_addchdir_np is not visible from Swift here; env(1) changes directory instead.
        let program = directory == nil ? executable : "/usr/bin/env"
        let prefix = directory.map { ["/usr/bin/env", "-C", $0, executable].map { Array($0.utf8) } } ?? [Array(executable.utf8)]
        let argv = CArray(prefix + arguments)
        defer { argv.free() }
        var pid: pid_t = 0
        let rc: Int32
        if let environment {
            let envp = CArray(environment)
            defer { envp.free() }
            rc = posix_spawn(&pid, program, &actions, nil, argv.pointer, envp.pointer)
        } else {
            rc = posix_spawn(&pid, program, &actions, nil, argv.pointer, environ)
        }
        close(outPipe[1]); close(errPipe[1])
        defer { close(outPipe[0]); close(errPipe[0]) }
        guard rc == 0 else { throw SpawnError(errno: rc) }

        // Both pipes drained together, so neither a full stdout nor a full stderr can stall the child.
        var out: [UInt8] = [], err: [UInt8] = []
        var open = [outPipe[0], errPipe[0]]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&fds, nfds_t(fds.count), -1) >= 0 || errno == EINTR else { break }
            for entry in fds where entry.revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { open.removeAll { $0 == entry.fd }; continue }
                if entry.fd == outPipe[0] { out += buffer[0..<n] } else { err += buffer[0..<n] }
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return RawCapturedRun(status: code, stdout: out, stderr: err)
    }
}

/// A NULL-terminated array of NUL-terminated byte strings for posix_spawn.
private struct CArray {
    let pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    let count: Int

    init(_ items: [[UInt8]]) {
        count = items.count
        pointer = .allocate(capacity: items.count + 1)
        for (index, item) in items.enumerated() {
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: item.count + 1)
            for (offset, byte) in item.enumerated() { copy[offset] = CChar(bitPattern: byte) }
            copy[item.count] = 0
            pointer[index] = copy
        }
        pointer[items.count] = nil
    }

    func free() {
        for index in 0..<count { pointer[index]?.deallocate() }
        pointer.deallocate()
    }
}

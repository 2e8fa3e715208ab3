import Foundation
import TestSupport
import Testing

/// `namespaces:` end to end, with real tasks: as root, and as uid 65534 where the kernel lets an
/// unprivileged process make a user namespace (then everything is made inside one).
@Suite struct NamespaceTests {
    /// Who runs bulkhead: root, and nobody where that can make namespaces.
    static let callers: [Caller] = [.root] + (Caller.nobodyCanMakeNamespaces ? [.nobody] : [])

    enum Caller: String, CustomStringConvertible {
        case root, nobody
        var description: String { rawValue }

        /// `user.max_user_namespaces` above 0 and, where the sysctl exists, `kernel.unprivileged_userns_clone` 1.
        static var nobodyCanMakeNamespaces: Bool {
            guard CLI.canDropToNobody else { return false }
            func value(_ path: String) -> Int? {
                (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            }
            return (value("/proc/sys/user/max_user_namespaces") ?? 0) > 0 && (value("/proc/sys/kernel/unprivileged_userns_clone") ?? 1) == 1
        }

        func bulkhead(_ arguments: [String]) throws -> CLIResult {
            self == .root ? try CLI.bulkhead(arguments) : try CLI.bulkheadAsNobody(arguments)
        }

        var probe: String { get throws { self == .root ? CLI.probe : try CLI.unprivilegedProbe() } }
    }

    /// A policy file every uid can read.
    /// It keeps default's filter, not its namespaces, network or view: each test says which namespaces it means.
    static func policy(_ body: String) throws -> String {
        let path = CLI.temporaryPath("ns.yaml")
        var own = body
        if !own.contains("network:") { own += "\nnetwork: host" }
        if !own.contains("filesystem:") { own += "\nfilesystem: { inherit: false }" }
        try "version: 1\nextends: default\n\(own)\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o644)
        return path
    }

    static let all = try! policy("namespaces: all")
    static let none = try! policy("namespaces: none")

    // MARK: pid

    /// Init reports the task's ending on a shared page the task inherits until execve. After it the task must
    /// not reach init at all (its memory, its maps, ptrace): else it could write its own outcome. Without a
    /// filter, so that the kernel's own checks (init is outside the task's Landlock domain, not dumpable)
    /// are what is tested.
    @Test(arguments: callers) func theTaskCannotReachInitToForgeItsOutcome(caller: Caller) throws {
        let path = CLI.temporaryPath("unfiltered-pid.yaml")
        try "version: 1\nseccomp: none\nnamespaces: [pid]\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o644)
        let result = try caller.bulkhead([
            "run", "--quiet", "--policy", path, "--", "sh", "-c",
            """
            (exec 3<>/proc/1/mem) 2>/dev/null && echo opened-mem || echo no-mem
            cat /proc/1/maps >/dev/null 2>&1 && echo read-maps || echo no-maps
            python3 -c 'import ctypes; libc = ctypes.CDLL(None, use_errno=True); print("ptrace", libc.ptrace(16, 1, 0, 0))'
            exit 3
            """
        ])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stdout == "no-mem\nno-maps\nptrace -1\n", "\(result.stdout)")
    }

    @Test(arguments: callers) func theTaskSeesOnlyItsOwnProcesses(caller: Caller) throws {
        let result = try caller.bulkhead([
            "run", "--quiet", "--policy", Self.all, "--", "sh", "-c",
            "echo $$; ls /proc | grep -E '^[0-9]+$' | sort -n | tr '\\n' ' '; echo; ps -e -o pid= | wc -l"
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 3, "\(result.stdout)")
        // The shell is pid 2: pid 1 is bulkhead's init.
        #expect(lines[0] == "2")
        let pids = lines[1].split(separator: " ").compactMap { Int($0) }
        #expect(pids.first == 1 && pids.count <= 6, "\(lines[1])")
        // init, sh, ps and wc at most.
        #expect((Int(lines[2].trimmingCharacters(in: .whitespaces)) ?? 99) <= 4, "\(result.stdout)")
    }

    /// The same endings, exit codes and outcome kinds as without a pid namespace.
    @Test(arguments: callers) func endingsAreReportedAsWithout(caller: Caller) throws {
        let probe = try caller.probe
        let tasks: [[String]] = [
            ["sh", "-c", "exit 7"],
            ["sh", "-c", "kill -TERM $$"],
            ["sh", "-c", "kill -SEGV $$"],
            [probe, "unshare-user"],  // the default policy kills it: a violation, SIGSYS
            ["/nonexistent-bulkhead-command"],
            ["--timeout", "300ms", "sleep", "30"]
        ]
        for task in tasks {
            let options = task.first == "--timeout" ? Array(task.prefix(2)) : []
            let command = task.first == "--timeout" ? Array(task.dropFirst(2)) : task
            let with = try caller.bulkhead(["run", "--policy", Self.all] + options + ["--"] + command)
            let without = try caller.bulkhead(["run", "--policy", Self.none] + options + ["--"] + command)
            #expect(with.status == without.status, "\(task): \(with.stderr) against \(without.stderr)")
            // The ending as bulkhead words it, up to the syscall of a violation: that comes from the kernel's
            // audit log, which prints it some time later (and, on a busy machine, after bulkhead stopped looking).
            let summary = { (run: CLIResult) in
                run.stderr.split(separator: "\n").last.map {
                    ($0.split(separator: "—").first.map(String.init) ?? "").components(separatedBy: "policy violation").first ?? ""
                }
            }
            #expect(summary(with) == summary(without), "\(task)")
        }
        #expect(try caller.bulkhead(["run", "--quiet", "--policy", Self.all, "--", "sh", "-c", "kill -TERM $$"]).status == 128 + SIGTERM)
    }

    /// A task that starts and says so on its first line of output; `stop()` ends it.
    struct StartedTask {
        let process = Process()
        let out = Pipe()

        init(_ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: CLI.bulkhead)
            process.arguments = arguments
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        /// The first line the task wrote.
        func firstLine() -> String {
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                line += chunk
            }
            return String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// bulkhead's children: with a pid namespace, its init.
        var children: [pid_t] {
            let pid = process.processIdentifier
            let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
            return text.split(separator: " ").compactMap { pid_t($0) }
        }

        func rest() -> String { String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }

        func stop() { kill(process.processIdentifier, SIGTERM); process.waitUntilExit() }
    }

    @Test func signalsSentToInitReachTheTask() throws {
        // The task cannot signal init itself (its Landlock domain scopes signals to its own tree), so from
        // outside, as a service manager would: init relays SIGTERM, and sh runs its trap.
        let task = try StartedTask([
            "run", "--quiet", "--policy", Self.all, "--", "sh", "-c",
            "trap 'echo relayed; exit 3' TERM; echo ready; sleep 20 & wait"
        ])
        defer { task.stop() }
        #expect(task.firstLine() == "ready")
        let initPID = try #require(task.children.first)
        kill(initPID, SIGTERM)
        #expect(task.rest() == "relayed\n")
        task.process.waitUntilExit()
        #expect(task.process.terminationStatus == 3)
    }

    @Test func peakMemoryIsTheTasksNotInits() throws {
        let report = CLI.temporaryPath("report.json")
        defer { unlink(report) }
        let result = try CLI.bulkhead(["run", "--quiet", "--report", report, "--policy", Self.all, "--", CLI.probe, "alloc", "64"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try CLI.json(report)
        let peak = try #require((json["usage"] as? [String: Any])?["peakRSSBytes"] as? Int)
        // The 64 MiB the probe touched, and not the size of bulkhead, which init is a copy of.
        #expect(peak >= 64 << 20 && peak < 80 << 20, "\(peak)")
        #expect(json["namespaces"] as? [String] == ["user", "pid", "net", "mount", "ipc", "uts", "cgroup"])
    }

    // MARK: nothing survives

    /// Starts `bulkhead run` with a task that leaves a setsid'd, double-forked sleeper and sleeps itself;
    /// waits until both run, then sends `signal` to bulkhead.
    /// - Returns: bulkhead's exit status, 128+N for a death by signal N.
    private func leaveSleepers(_ caller: Caller, signal: Int32, marker: String) throws -> Int32 {
        let script = "exec >/dev/null 2>&1; (setsid sleep \(marker) &); sleep \(marker)"
        let arguments = ["run", "--quiet", "--policy", Self.all, "--", "sh", "-c", script]
        let process = Process()
        if caller == .root {
            process.executableURL = URL(fileURLWithPath: CLI.bulkhead)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments =
                [
                    "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                    try #require(CLI.unprivilegedCopies) + "/bulkhead"
                ] + arguments
            process.environment = ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent"]
            process.currentDirectoryURL = URL(fileURLWithPath: "/")
        }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var started = false
        for _ in 0..<1000 where !started {
            started = ProcessTable.processes(matching: "sleep \(marker)").filter { $0.contains(": sleep ") }.count == 2
            if !started { usleep(10_000) }
        }
        // With setpriv, bulkhead is the process setpriv became.
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(started, "the sleepers never ran")
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }

    @Test(arguments: callers) func nothingSurvivesAKillOfBulkhead(caller: Caller) throws {
        let marker = "77.\(getpid())\(Int.random(in: 100...999))"
        #expect(try leaveSleepers(caller, signal: SIGKILL, marker: marker) == 128 + SIGKILL)
        #expect(ProcessTable.gone(matching: "sleep \(marker)"), "\(ProcessTable.processes(matching: "sleep \(marker)"))")
    }

    @Test(arguments: callers) func nothingSurvivesAnInterrupt(caller: Caller) throws {
        let marker = "78.\(getpid())\(Int.random(in: 100...999))"
        #expect(try leaveSleepers(caller, signal: SIGINT, marker: marker) == 128 + SIGINT)
        #expect(ProcessTable.gone(matching: "sleep \(marker)"), "\(ProcessTable.processes(matching: "sleep \(marker)"))")
    }

    @Test(arguments: callers) func nothingSurvivesATimeoutOrTheEnd(caller: Caller) throws {
        let marker = "79.\(getpid())\(Int.random(in: 100...999))"
        let timedOut = try caller.bulkhead([
            "run", "--quiet", "--timeout", "500ms", "--policy", Self.all, "--", "sh", "-c",
            "exec >/dev/null 2>&1; (setsid sleep \(marker) &); sleep \(marker)"
        ])
        #expect(timedOut.status == 124)
        #expect(ProcessTable.gone(matching: "sleep \(marker)"))
        // The main process ends at once: the orphan goes with the namespace, not later.
        let ended = try caller.bulkhead([
            "run", "--quiet", "--policy", Self.all, "--", "sh", "-c",
            "(setsid sleep \(marker) </dev/null >/dev/null 2>&1 &); echo left"
        ])
        #expect(ended.status == 0 && ended.stdout == "left\n")
        #expect(ProcessTable.gone(matching: "sleep \(marker)"))
    }

    /// The launcher has the task's ending from init's notice, before init has exited (pid_one.c), and
    /// still reaps init before it exits itself: nothing is left to be reparented. A Python subreaper runs
    /// bulkhead and would inherit any init bulkhead left behind.
    @Test func initIsReapedBeforeBulkheadExits() throws {
        let script = """
            import ctypes, os, subprocess, sys, time
            ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
            for _ in range(5):
                done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                assert done.returncode == 3, done.returncode
            time.sleep(0.3)
            orphans = 0
            while True:
                try:
                    pid, _ = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    time.sleep(0.05); orphans += 1
                    if orphans > 40: break
                    continue
                orphans += 1000
            print("orphans", orphans)
            """
        let run = try CLI.run("/usr/bin/python3", ["-c", script, CLI.bulkhead, "run", "--quiet", "--policy", Self.all, "--",
                                                  "sh", "-c", "exit 3"])
        #expect(run.status == 0 && run.stdout == "orphans 0\n", "\(run.stdout) \(run.stderr)")
    }

    /// A policy that refuses the task's own execve: refused with a kill or a reported errno, the call goes
    /// to the launcher as a notification before the task has exec'd, while the launcher still waits for
    /// that execve. It must answer it there, not wait forever.
    @Test func aRefusedExecveOfTheTaskEndsTheRunInsteadOfHangingIt() throws {
        let killAll = CLI.temporaryPath("refuse-all.yaml")
        let refuseExec = CLI.temporaryPath("refuse-exec.yaml")
        defer { unlink(killAll); unlink(refuseExec) }
        try "version: 1\nseccomp: { default: kill, allow: [] }\nnamespaces: [pid]\n"
            .write(toFile: killAll, atomically: true, encoding: .utf8)
        try "version: 1\nextends: default\nseccomp:\n  rules:\n    - { syscall: execve, action: errno EPERM, report: true }\n"
            .write(toFile: refuseExec, atomically: true, encoding: .utf8)
        // SIGKILLed after 20 s (status 137): what a hang would come to.
        let guarded = ["/usr/bin/timeout", "-s", "KILL", "20", CLI.bulkhead, "run", "--policy"]
        let killed = try CLI.run(guarded[0], Array(guarded.dropFirst()) + [killAll, "--", "/bin/true"])
        #expect(killed.status == 159 && killed.stderr.contains("violation: execve(\"/bin/true\""), "\(killed.stderr)")
        let refused = try CLI.run(guarded[0], Array(guarded.dropFirst()) + [refuseExec, "--", "/bin/true"])
        #expect(refused.status == 127 && refused.stderr.contains("failed with EPERM"), "\(refused.stderr)")
    }

    // MARK: net

    /// A server and a client in the task talk over loopback; a listener on the host's loopback and an
    /// abstract unix socket on the host are out of reach.
    static let networkScript = """
        import errno, socket, sys
        server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen(1)
        client = socket.create_connection(server.getsockname()); peer, _ = server.accept()
        client.sendall(b"ping"); print("inside:", peer.recv(4).decode())
        def reach(connect):
            try:
                connect(); return "reached"
            except OSError as e:
                return errno.errorcode.get(e.errno, str(e.errno))
        print("host:", reach(lambda: socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)))
        print("abstract:", reach(lambda: socket.socket(socket.AF_UNIX).connect("\\0" + sys.argv[2])))
        """

    /// A TCP listener on 127.0.0.1 and an abstract unix socket, both listening, until `close`.
    /// A TCP listener on the host's 127.0.0.1 and an abstract unix socket (`Listener`, NetworkRulesTests.swift).
    struct HostListeners {
        let tcp: Listener, unix: Listener, abstractName: String
        var port: Int { Int(tcp.port) }

        init() throws {
            abstractName = "bulkhead-ns-test-\(getpid())-\(Int.random(in: 1000...9999))"
            tcp = try Listener()
            unix = try Listener(abstract: abstractName)
        }
    }

    @Test(arguments: callers) func onlyLoopbackInsideAndNothingOutside(caller: Caller) throws {
        let host = try HostListeners()
        let arguments = ["--", "/usr/bin/python3", "-c", Self.networkScript, String(host.port), host.abstractName]
        let inside = try caller.bulkhead(["run", "--quiet", "--policy", Self.all] + arguments)
        #expect(inside.status == 0, "\(inside.stderr)")
        #expect(inside.stdout == "inside: ping\nhost: ECONNREFUSED\nabstract: ECONNREFUSED\n", "\(inside.stderr)")
        // The same script without a network namespace reaches both: the check above can fail.
        let outside = try caller.bulkhead(["run", "--quiet", "--policy", Self.none] + arguments)
        #expect(outside.stdout == "inside: ping\nhost: reached\nabstract: reached\n", "\(outside.stderr)")
    }

    @Test func twoTasksDoNotReachEachOther() throws {
        // The first task listens on 127.0.0.1 and an abstract socket, says where, and waits.
        let name = "bulkhead-ns-pair-\(getpid())"
        let listener = """
            import socket, sys, time
            tcp = socket.socket(); tcp.bind(("127.0.0.1", 0)); tcp.listen(1)
            unix = socket.socket(socket.AF_UNIX); unix.bind("\\0\(name)"); unix.listen(1)
            print(tcp.getsockname()[1], flush=True); time.sleep(30)
            """
        let first = try StartedTask(["run", "--quiet", "--policy", Self.all, "--", "/usr/bin/python3", "-c", listener])
        defer { first.stop() }
        let port = try #require(Int(first.firstLine()))
        let second = try CLI.bulkhead([
            "run", "--quiet", "--policy", Self.all, "--", "/usr/bin/python3", "-c", Self.networkScript,
            String(port), name
        ])
        #expect(second.stdout == "inside: ping\nhost: ECONNREFUSED\nabstract: ECONNREFUSED\n", "\(second.stderr)")
    }

    // MARK: uts, user

    @Test(arguments: callers) func hostnameAndIDsInside(caller: Caller) throws {
        let plain = try caller.bulkhead(["run", "--quiet", "--policy", Self.all, "--", "sh", "-c", "hostname; id -u; id -g"])
        // Not root inside unless asked: nobody's own ids for nobody, and 65534 for root.
        #expect(plain.stdout == "bulkhead\n65534\n65534\n", "\(plain.stderr)")
        let chosen = try Self.policy("namespaces: { enable: all, hostname: sandbox, uid: 0, gid: 1234 }")
        let asked = try caller.bulkhead([
            "run", "--quiet", "--policy", chosen, "--", "sh", "-c", "hostname; id -u; id -g; grep CapEff /proc/self/status"
        ])
        // Root inside when asked, yet without a capability.
        #expect(asked.stdout == "sandbox\n0\n1234\nCapEff:\t0000000000000000\n", "\(asked.stderr)")
        let host = try CLI.run("/bin/hostname", [])
        #expect(host.stdout != "sandbox\n")
    }

    /// strict switches a root bulkhead's task to nobody (`user:`); the user namespace is then made by the
    /// task itself, as nobody: nobody outside too, without root's groups, and no capability in any set.
    @Test(.enabled(if: CLI.isRoot)) func aUserSwitchAndAUserNamespaceTogether() throws {
        let policy = CLI.temporaryPath("strict-ns.yaml")
        try "version: 1\nextends: strict\nnamespaces: all\n".write(toFile: policy, atomically: true, encoding: .utf8)
        defer { unlink(policy) }
        let status = try CLI.bulkhead([
            "run", "--quiet", "--policy", policy, "--", "/bin/grep", "-E", "^(Uid|Groups|CapEff|CapPrm|CapBnd)", "/proc/self/status"
        ])
        #expect(
            status.stdout
                == "Uid:\t65534\t65534\t65534\t65534\nGroups:\t \n"
                + "CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t0000000000000000\n",
            "\(status.stderr)")
        let map = try CLI.bulkhead(["run", "--quiet", "--policy", policy, "--", "/bin/grep", "-c", "65534 *65534 *1", "/proc/self/uid_map"])
        #expect(map.stdout == "1\n", "\(map.stderr)")
    }

    @Test(arguments: callers) func theExamplePolicy(caller: Caller) throws {
        let example = CLI.packageDirectory + "/examples/namespaces.yaml"
        let copy = try Self.policy(
            try String(contentsOfFile: example, encoding: .utf8).replacingOccurrences(of: "version: 1\nextends: default\n", with: ""))
        let result = try caller.bulkhead([
            "run", "--quiet", "--policy", caller == .root ? example : copy, "--", "sh", "-c",
            "id -u; hostname; ls /proc | grep -cE '^[0-9]+$'"
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.prefix(2) == ["1000", "sandbox"], "\(result.stdout)")
        #expect((lines.last.flatMap { Int($0) } ?? 99) <= 5, "\(result.stdout)")
    }

    // MARK: refusal

    /// Bulkhead inside a task of the default policy, whose filter answers clone with namespace flags
    /// with ENOSYS: a real kernel refusal, not a simulated one.
    @Test(arguments: callers) func aNamespaceThatCannotBeMadeRefusesTheRun(caller: Caller) throws {
        let inner = caller == .root ? CLI.bulkhead : try #require(CLI.unprivilegedCopies) + "/bulkhead"
        let pid = try Self.policy("namespaces: [pid, net]")
        // The outer task under default's filter without its view, so that the inner bulkhead reads its policy
        // from the host's /tmp.
        let outer = ["run", "--policy", CLI.unisolatedDefault, "--", inner]
        let refused = try caller.bulkhead(outer + ["run", "--policy", pid, "--", "/bin/true"])
        #expect(refused.status == 125, "\(refused.stderr)")
        #expect(refused.stderr.contains("error: namespaces: namespaces.pid, namespaces.net cannot be made"), "\(refused.stderr)")
        #expect(refused.stderr.contains("Function not implemented (ENOSYS)"))
        #expect(refused.stderr.contains("or add pid, net to namespaces.best-effort"))

        let report = CLI.temporaryPath("refused.json")
        let bestEffort = try Self.policy("namespaces: { enable: [pid, net], best-effort: [net, pid] }")
        let warned = try caller.bulkhead(outer + ["run", "--report", report, "--policy", bestEffort, "--", "/bin/true"])
        #expect(warned.status == 0, "\(warned.stderr)")
        #expect(warned.stderr.contains("warning: namespaces.pid not applied (best-effort)"), "\(warned.stderr)")
        if caller == .root {
            defer { unlink(report) }
            let json = try CLI.json(report)
            #expect(json["namespaces"] as? [String] == [])
            #expect((json["warnings"] as? [String])?.contains { $0.hasPrefix("namespaces.net not applied (best-effort)") } == true)
        }
    }
}

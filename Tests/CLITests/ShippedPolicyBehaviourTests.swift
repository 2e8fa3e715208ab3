import Foundation
import Testing

/// The shipped policies, compiled and enforced for real: each probe makes one kind of call and the
/// outcome is what the policy promises. Probe exit codes: 0 the call worked, 10 it failed with an errno
/// (named on stdout); a seccomp kill shows as 128+SIGSYS from bulkhead.
@Suite struct ShippedPolicyBehaviourTests {
    static let violation = 128 + SIGSYS
    static let refusedWithErrno: Int32 = 10

    private func probe(_ policy: String, _ arguments: String...) throws -> CLIResult {
        try CLI.bulkhead(["run", "--quiet", "--policy", policy, "--", CLI.probe] + arguments)
    }

    @Test func defaultRunsOrdinaryPrograms() throws {
        let sh = try CLI.bulkhead(["run", "--quiet", "--", "sh", "-c", "echo a | tr a b; ls / >/dev/null && echo listed"])
        #expect(sh.stdout == "b\nlisted\n", "\(sh.stderr)")
        let python = try CLI.bulkhead(["run", "--quiet", "--", "python3", "-c",
                                       "import subprocess, threading, socket; "
                                           + "print(subprocess.run(['echo', 'child'], capture_output=True).stdout.decode().strip())"])
        #expect(python.stdout == "child\n", "\(python.stderr)")
        let perl = try CLI.bulkhead(["run", "--quiet", "--", "perl", "-e", "print 6*7, qq(\\n)"])
        #expect(perl.stdout == "42\n")
    }

    @Test func defaultCompilesWithCC() throws {
        let directory = CLI.temporaryPath("cc")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "int main(void) { return 7; }\n".write(toFile: directory + "/m.c", atomically: true, encoding: .utf8)
        // In the working directory: default's view has a private /tmp, and writes only there and in the working
        // directory, which keeps its path.
        let compiled = try CLI.run(CLI.bulkhead, ["run", "--quiet", "--", "cc", "-o", directory + "/m", directory + "/m.c"],
                                   directory: directory)
        #expect(compiled.status == 0, "\(compiled.stderr)")
        #expect(try CLI.run(CLI.bulkhead, ["run", "--quiet", "--", "./m"], directory: directory).status == 7)
        // From elsewhere the program still runs ($COMMAND), and the host's /tmp is not the task's.
        #expect(try CLI.bulkhead(["run", "--quiet", "--", directory + "/m"]).status == 7)
        let hidden = try CLI.bulkhead(["run", "--quiet", "--", "cat", directory + "/m.c"])
        #expect(hidden.status == 1, "\(hidden.stdout)")
    }

    @Test(arguments: [
        ["ptrace-traceme"], ["unshare-user"], ["int80-getpid"], ["x32-getpid"], ["ioctl-tiocsti"], ["ioctl-tiocsti-high"],
        ["syscall", "321"],   // bpf
        ["syscall", "323"],   // userfaultfd
        ["syscall", "165"],   // mount
        ["syscall", "298"],   // perf_event_open
        ["syscall", "304"],   // open_by_handle_at
    ])
    func defaultKillsKernelAttackSurface(arguments: [String]) throws {
        let result = try CLI.bulkhead(["run", "--quiet", "--", CLI.probe] + arguments)
        if arguments == ["int80-getpid"], result.stdout.contains("not supported") { return }
        #expect(result.status == Self.violation, "\(arguments): \(result.stdout)\(result.stderr)")
    }

    @Test(arguments: [
        (["clone3"], "ENOSYS"),
        (["clone-flags", "0x10000000"], "ENOSYS"),   // clone(CLONE_NEWUSER)
        (["socket", "packet"], "ENOSYS"),
        (["socket", "alg"], "ENOSYS"),
        (["personality", "0x0040000"], "ENOSYS"),    // ADDR_NO_RANDOMIZE
        (["syscall", "425"], "ENOSYS"),              // io_uring_setup
        (["syscall", "250"], "ENOSYS"),              // keyctl: the key sealing bulkhead's caches lives there
    ])
    func defaultRefusesWithAnErrno(arguments: [String], errno: String) throws {
        let result = try probe("default", arguments[0], arguments.count > 1 ? arguments[1] : "")
        #expect(result.status == Self.refusedWithErrno, "\(arguments): \(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains(errno))
    }

    @Test func defaultRefusesSignallingEveryProcess() throws {
        // kill(-1, 0): would reach every process the task may signal (all of root's, as root).
        let all = try CLI.bulkhead(["run", "--quiet", "--", CLI.probe, "syscall", "62", "-1", "0"])
        #expect(all.status == Self.refusedWithErrno && all.stdout.contains("EPERM"), "\(all.stdout)")
        let group = try CLI.bulkhead(["run", "--quiet", "--", CLI.probe, "syscall", "62", "0", "0"])
        #expect(group.status == 0, "\(group.stdout)")
    }

    @Test func defaultAllowsWhatProgramsNeed() throws {
        #expect(try probe("default", "socket", "inet").status == 0)
        #expect(try probe("default", "socket", "unix").status == 0)
        #expect(try probe("default", "fork").status == 0)
        #expect(try probe("default", "thread").status == 0)
        #expect(try probe("default", "personality", "0xffffffff").status == 0)
        let status = try probe("default", "status")
        #expect(status.stdout.contains("NoNewPrivs:\t1"))
        #expect(status.stdout.contains("Seccomp:\t2"))
        #expect(status.stdout.contains("CapEff:\t0000000000000000"))
    }

    /// Programs that sandbox themselves further (seccomp, Landlock) work under default: bulkhead itself,
    /// run inside a default task, applies strict to a task of its own.
    @Test func defaultLetsATaskSandboxItselfFurther() throws {
        // strict's namespaces cannot be made inside default (which refuses new namespaces): refused, plainly.
        let refusedView = try CLI.bulkhead(["run", "--quiet", "--", CLI.bulkhead, "run", "--quiet", "--policy", "strict", "--",
                                            CLI.probe, "socket", "inet"])
        #expect(refusedView.status == 125 && refusedView.stderr.contains("cannot be made here"), "\(refusedView.stderr)")
        // Its filter and Landlock alone can: strict without namespaces or a view.
        // Policies for the inner bulkhead lie in the package directory: the outer task's working directory, which
        // its view shows (the host's /tmp it does not).
        let flat = CLI.packageDirectory + "/.build/nested-strict-\(getpid()).yaml"
        defer { unlink(flat) }
        try "version: 1\nextends: strict\nnamespaces: none\nnetwork: host\nfilesystem: { inherit: false }\n"
            .write(toFile: flat, atomically: true, encoding: .utf8)
        let nested = try CLI.bulkhead(["run", "--quiet", "--", CLI.bulkhead, "run", "--quiet", "--policy", flat, "--",
                                       CLI.probe, "socket", "inet"])
        #expect(nested.status == Self.refusedWithErrno, "\(nested.stdout)\(nested.stderr)")
        #expect(nested.stdout.contains("EAFNOSUPPORT"), "\(nested.stdout)")
        // Inside, bulkhead may be uid 0 but holds no capabilities: a user switch that is not best-effort
        // is refused before anything runs, one that is best-effort keeps the uid with a warning.
        let path = CLI.packageDirectory + "/.build/nested-user-\(getpid()).yaml"
        defer { unlink(path) }
        try "version: 1\nextends: default\nuser: { uid: 65534, gid: 65534 }\n".write(toFile: path, atomically: true, encoding: .utf8)
        let refused = try CLI.bulkhead(["run", "--quiet", "--", CLI.bulkhead, "run", "--quiet", "--policy", path, "--", "true"])
        if CLI.isRoot {
            #expect(refused.status == 125)
            #expect(refused.stderr.contains("needs root with CAP_SETUID and CAP_SETGID"), "\(refused.stderr)")
        }
        let kept = try CLI.bulkhead(["run", "--quiet", "--", CLI.bulkhead, "run", "--quiet", "--policy", flat, "--", "true"])
        #expect(kept.status == 0, "\(kept.stderr)")
        // The default policy inside asks for namespaces the outer filter refuses: refused, naming them.
        let inner = try CLI.bulkhead(["run", "--quiet", "--", CLI.bulkhead, "run", "--", "sh", "-c", "echo inner"])
        #expect(inner.status == 125 && inner.stderr.contains("cannot be made here"), "\(inner.stdout)\(inner.stderr)")
    }

    @Test func strictAllowsThreadsButNotProcesses() throws {
        #expect(try probe("strict", "thread").status == 0)
        #expect(try probe("strict", "fork").status == Self.violation)
        #expect(try probe("strict", "clone-flags", "0x11").status == Self.violation)   // SIGCHLD only: a fork
        let clone3 = try probe("strict", "clone3")
        #expect(clone3.status == Self.refusedWithErrno && clone3.stdout.contains("ENOSYS"))
        let python = try CLI.bulkhead(["run", "--quiet", "--policy", "strict", "--", "python3", "-c",
                                       "import threading; t = threading.Thread(target=print, args=('thread',)); t.start(); t.join()"])
        #expect(python.stdout == "thread\n", "\(python.stderr)")
        let fork = try CLI.bulkhead(["run", "--policy", "strict", "--", "python3", "-c", "import os; os.fork()"])
        #expect(fork.status == Self.violation)
        #expect(fork.stderr.contains("policy violation"))
    }

    @Test func strictRefusesNetworkAndWrites() throws {
        for family in ["inet", "inet6", "unix", "netlink"] {
            let result = try probe("strict", "socket", family)
            #expect(result.status == Self.refusedWithErrno && result.stdout.contains("EAFNOSUPPORT"), "\(family)")
        }
        // Writes land only in scratch and the private /tmp: the system directories are read-only mounts, and what
        // the task writes to its /tmp never reaches the host's.
        let write = try CLI.bulkhead(["run", "--quiet", "--policy", "strict", "--", "python3", "-c",
                                      "open('/tmp/bulkhead-strict-write-\(getpid())', 'w').write('x'); open('/usr/bulkhead-x', 'w')"])
        #expect(write.status == 1)
        #expect(write.stderr.contains("Read-only file system") || write.stderr.contains("PermissionError"), "\(write.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/bulkhead-strict-write-\(getpid())"))
        #expect(!FileManager.default.fileExists(atPath: "/usr/bulkhead-x"))
        for call in ["int80-getpid", "x32-getpid", "ioctl-tiocsti", "ptrace-traceme"] {
            let result = try CLI.bulkhead(["run", "--policy", "strict", "--", CLI.probe, call])
            // A kernel built without the i386 entry point has nothing to block there.
            if call == "int80-getpid", result.stdout.contains("not supported") { continue }
            #expect(result.status == Self.violation, "\(call): status \(result.status), \(result.stdout) \(result.stderr)")
        }
    }

    @Test func strictAppliesItsLimits() throws {
        let rlimits = try probe("strict", "rlimits")
        #expect(rlimits.stdout.lowercased().contains("nofile 64 64"), "\(rlimits.stdout)")
        let limits = try CLI.bulkhead(["run", "--quiet", "--policy", "strict", "--", "python3", "-c",
                                       "import resource as r; print(r.getrlimit(r.RLIMIT_NOFILE)[0], r.getrlimit(r.RLIMIT_CPU)[0], "
                                           + "r.getrlimit(r.RLIMIT_FSIZE)[0], r.getrlimit(r.RLIMIT_CORE)[0])"])
        #expect(limits.stdout == "64 5 16777216 0\n", "\(limits.stderr)")
        let spin = try CLI.bulkhead(["run", "--quiet", "--policy", "strict", "--timeout", "0.5s", "--", CLI.probe, "spin"])
        #expect(spin.status == 124)
    }

    @Test(.enabled(if: CLI.isRoot)) func strictRunsAsNobodyWhenStartedAsRoot() throws {
        let ids = try CLI.bulkhead(["run", "--quiet", "--policy", "strict", "--", "python3", "-c",
                                    "import os; print(os.getuid(), os.getgid(), os.getgroups())"])
        #expect(ids.stdout == "65534 65534 [65534]\n" || ids.stdout == "65534 65534 []\n", "\(ids.stdout)\(ids.stderr)")
    }

    @Test(.enabled(if: CLI.isRoot)) func strictBudgetIsTheTasksOwnNotTheUids() throws {
        // 40 unrelated processes of the task's uid, more than strict's processes limit of 32. With
        // RLIMIT_NPROC (which counts the whole uid) the task could not start a thread; the pids cgroup
        // counts only its own tree. The uid is one of its own, so that tests running meanwhile as
        // 65534 without a cgroup (where RLIMIT_NPROC is the fallback) are not starved by the sleepers.
        let policy = CLI.temporaryPath("strict-as-65533.yaml")
        try "version: 1\nextends: strict\nuser: { uid: 65533, gid: 65533 }\n".write(toFile: policy, atomically: true, encoding: .utf8)
        defer { unlink(policy) }
        var sleepers: [Process] = []
        defer { sleepers.forEach { if $0.isRunning { kill($0.processIdentifier, SIGKILL) }; $0.waitUntilExit() } }
        for _ in 0..<40 {
            let sleeper = Process()
            sleeper.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            sleeper.arguments = ["--reuid=65533", "--regid=65533", "--clear-groups", "/bin/sleep", "30"]
            try sleeper.run()
            sleepers.append(sleeper)
        }
        usleep(200_000)
        let threads = try CLI.bulkhead(["run", "--quiet", "--policy", policy, "--", "python3", "-c", """
            import threading
            ts = [threading.Thread(target=lambda: None) for _ in range(4)]
            [t.start() for t in ts]; [t.join() for t in ts]; print("threads ok")
            """])
        #expect(threads.stdout == "threads ok\n", "\(threads.stderr)")
        // The tree itself is still bounded, by the cgroup.
        let bomb = try CLI.bulkhead(["run", "--quiet", "--policy", policy, "--", "python3", "-c", """
            import threading, time
            n = 0
            try:
                for _ in range(200):
                    threading.Thread(target=time.sleep, args=(5,), daemon=True).start(); n += 1
            except RuntimeError:
                pass
            print(n)
            """])
        let started = Int(bomb.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        #expect(started >= 4 && started < 32, "\(bomb.stdout) \(bomb.stderr)")
        let limits = try CLI.bulkhead(["run", "--quiet", "--policy", policy, "--", CLI.probe, "rlimits"])
        #expect(!limits.stdout.lowercased().contains("nproc 32 32"), "\(limits.stdout)")
    }

    @Test(.enabled(if: CLI.isRoot)) func strictMemoryLimitStopsAOneGiBAllocation() throws {
        let result = try CLI.bulkhead(["run", "--policy", "strict", "--", "python3", "-c", "b = bytearray(1 << 30); print('allocated')"])
        #expect(result.status != 0)
        #expect(!result.stdout.contains("allocated"))
    }
}

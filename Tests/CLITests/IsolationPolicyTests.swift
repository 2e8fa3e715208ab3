import Foundation
import TestSupport
import Testing

/// What the shipped policies keep a task from, with real tasks, as root and as uid 65534: their namespaces
/// and file-system views. Each test runs from a working directory under /tmp, which the views cover with a
/// private tmpfs: the directory must still be there, at its path.
@Suite(.serialized) struct IsolationPolicyTests {
    /// The shipped policy of that name (always the embedded one).
    static func policy(_ name: String, in f: AccessFixture) throws -> String { name }

    /// A secret only root may read, in root's home and in a user's home.
    static let secret = "/root/bulkhead-isolation-secret.txt"

    static func prepareSecrets() {
        guard CLI.isRoot else { return }
        try? "root-secret\n".write(toFile: secret, atomically: false, encoding: .utf8)
        chmod(secret, 0o600)
    }

    /// A loopback listener on the host, for the task to try; closed by `close`.
    static func hostListener() -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        listen(fd, 8)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    // MARK: strict

    @Test(arguments: AccessFixture.modes) func strictKeepsTheTaskInItsView(asNobody: Bool) throws {
        Self.prepareSecrets()
        let f = AccessFixture(asNobody: asNobody)
        defer { f.remove() }
        try f.write("input.txt", "input\n")
        let listener = Self.hostListener()
        defer { close(listener.fd) }
        let script = """
            import os, socket, sys
            def attempt(name, action):
                try:
                    action(); print(name, "yes")
                except Exception as e:
                    print(name, "no")
            attempt("read-cwd", lambda: open("input.txt").read())
            attempt("read-secret", lambda: open("\(Self.secret)").read())
            attempt("list-root", lambda: os.listdir("/root"))
            attempt("list-home", lambda: os.listdir("/home"))
            attempt("read-shadow", lambda: open("/etc/shadow").read())
            attempt("write-cwd", lambda: open("out.txt", "w").write("x"))
            attempt("write-usr", lambda: open("/usr/bulkhead-x", "w").write("x"))
            attempt("write-scratch", lambda: open(os.environ["BULKHEAD_SCRATCH"] + "/f", "w").write("x"))
            attempt("write-tmp", lambda: open("/tmp/bulkhead-x", "w").write("x"))
            attempt("connect-host", lambda: socket.create_connection(("127.0.0.1", \(listener.port)), timeout=2))
            pids = [p for p in os.listdir("/proc") if p.isdigit()]
            print("processes", len(pids))
            """
        let run = try f.bulkhead(["run", "--quiet", "--policy", Self.policy("strict", in: f), "--", "python3", "-c", script])
        #expect(run.status == 0, "\(run.stderr)")
        let expected = [
            "read-cwd yes", "read-secret no", "list-root no", "list-home no", "read-shadow no", "write-cwd no", "write-usr no",
            "write-scratch yes", "write-tmp yes", "connect-host no", "processes 2",
        ]
        #expect(run.stdout.split(separator: "\n").map(String.init) == expected, "\(run.stdout)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/bulkhead-x"))
        #expect(!FileManager.default.fileExists(atPath: f.path("out.txt")))
    }

    /// The README's `bulkhead run --policy strict -- ./untrusted-binary`: the executable lives in the
    /// working directory, which the view has read-only and without exec; `$COMMAND` grants it alone.
    @Test(arguments: AccessFixture.modes) func strictRunsTheNamedExecutableWhereverItLives(asNobody: Bool) throws {
        let f = AccessFixture(asNobody: asNobody)
        defer { f.remove() }
        #expect(ExecutableFile.copy("/usr/bin/echo", to: f.path("untrusted-binary")))
        #expect(ExecutableFile.copy("/usr/bin/echo", to: f.path("other-binary")))
        let strict = try Self.policy("strict", in: f)
        let run = try f.bulkhead(["run", "--quiet", "--policy", strict, "--", "./untrusted-binary", "ran"])
        #expect(run.status == 0 && run.stdout == "ran\n", "\(run.stderr)")
        // Another program beside it is not executable from inside.
        let other = try f.bulkhead(["run", "--quiet", "--policy", strict, "--", "python3", "-c",
                                    "import os\ntry:\n os.execv('./other-binary', ['x'])\nexcept OSError as e: print(e.errno)"])
        #expect(other.stdout == "13\n", "\(other.stdout) \(other.stderr)")
    }

    /// Single programs that write only in scratch: coreutils 9's cat copies with copy_file_range and its cp
    /// asks for a reflink (FICLONE) first, which strict must refuse rather than kill for cp to copy.
    @Test(arguments: AccessFixture.modes) func strictKeepsFileToolsWorking(asNobody: Bool) throws {
        let f = AccessFixture(asNobody: asNobody)
        defer { f.remove() }
        try f.write("input.txt", "input\n")
        let strict = try Self.policy("strict", in: f)
        for (tool, arguments) in [("cat", ["input.txt"]), ("cp", ["input.txt", "/tmp/copy"]), ("sort", ["input.txt"]),
                                  ("tar", ["cf", "/tmp/a.tar", "input.txt"]), ("sha256sum", ["input.txt"])] {
            let run = try f.bulkhead(["run", "--policy", strict, "--", tool] + arguments)
            #expect(run.status == 0, "\(tool): \(run.stderr)")
        }
        let piped = try f.bulkhead(["run", "--quiet", "--policy", strict, "--", "cat", "input.txt", "/proc/self/stat"])
        #expect(piped.status == 0 && piped.stdout.hasPrefix("input\n"), "\(piped.stderr)")
    }

    // MARK: default

    /// Outbound TCP to the granted ports only, the rest of default's view kept.
    @Test(arguments: AccessFixture.modes) func networkClientConnectsToGrantedPortsOnly(asNobody: Bool) throws {
        let f = AccessFixture(asNobody: asNobody)
        defer { f.remove() }
        let listener = Self.hostListener()
        defer { close(listener.fd) }
        let run = try f.bulkhead(["run", "--quiet", "--policy", Self.policy("network-client", in: f), "--", "python3", "-c",
                                  "import socket\ns = socket.socket(); s.settimeout(2)\n"
                                      + "print(s.connect_ex(('127.0.0.1', \(listener.port))))\n"
                                      + "print(open('/etc/shadow').read() if False else 'ok')"])
        #expect(run.status == 0 && run.stdout == "13\nok\n", "\(run.stdout) \(run.stderr)")
    }

    @Test(arguments: AccessFixture.modes) func defaultHidesTheSecretsAndKeepsWritesInTheWorkingDirectory(asNobody: Bool) throws {
        Self.prepareSecrets()
        let f = AccessFixture(asNobody: asNobody)
        defer { f.remove() }
        let listener = Self.hostListener()
        defer { close(listener.fd) }
        let run = try f.bulkhead([
            "run", "--quiet", "--policy", Self.policy("default", in: f), "--", "sh", "-c",
            """
            cat \(Self.secret) 2>/dev/null && echo read-secret || echo no-secret
            head -1 /etc/shadow 2>/dev/null && echo read-shadow || echo no-shadow
            ls /root 2>/dev/null | grep -q . && echo root-listed || echo root-empty
            echo x > here.txt && echo wrote-cwd
            echo x > /tmp/t && echo wrote-tmp
            (echo x > /etc/bulkhead-x) 2>/dev/null || echo no-etc
            (echo x > /var/bulkhead-x) 2>/dev/null || echo no-var
            python3 -c 'import socket; socket.create_connection(("127.0.0.1", \(listener.port)), timeout=2)' 2>/dev/null \
                && echo connected || echo no-host-loopback
            ls /proc | grep -cE '^[0-9]+$'
            """
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(Array(lines.dropLast()) == ["no-secret", "no-shadow", "root-empty", "wrote-cwd", "wrote-tmp", "no-etc", "no-var",
                                            "no-host-loopback"], "\(run.stdout)")
        #expect((Int(lines.last ?? "") ?? 99) <= 6, "\(run.stdout)")
        #expect(FileManager.default.fileExists(atPath: f.path("here.txt")))
        #expect(!FileManager.default.fileExists(atPath: "/etc/bulkhead-x"))
    }

    /// The ordinary programs of the default policy's promise, in a working directory under /tmp.
    @Test(arguments: AccessFixture.modes) func defaultKeepsOrdinaryProgramsWorking(asNobody: Bool) throws {
        let f = AccessFixture(asNobody: asNobody)
        defer { f.remove() }
        try f.write("main.c", "#include <stdio.h>\nint main(void) { puts(\"built\"); return 0; }\n")
        try f.write("Makefile", "main: main.c\n\tcc -o main main.c\n")
        let programs: [(name: String, script: String, expect: String)] = [
            ("pipeline", "printf 'b\\na\\nc\\n' | sort | head -2 | tr -d '\\n'; echo", "ab"),
            ("coreutils", "mkdir d && cp Makefile d/ && wc -l < d/Makefile && rm -r d", "2"),
            ("make", "make -s && ./main", "built"),
            ("git", "git init -q r && cd r && git -c user.name=a -c user.email=a@b commit -q --allow-empty -m m"
                 + " && git log --oneline | wc -l", "1"),
            ("tar", "tar czf t.tgz Makefile main.c && tar tzf t.tgz | sort | tr '\\n' ' '; echo", "Makefile main.c "),
            ("python3", """
                python3 -c 'import threading, multiprocessing, sqlite3
                t = threading.Thread(target=print, args=("thread",)); t.start(); t.join()
                with multiprocessing.Pool(2) as p: print(sum(p.map(abs, [-1, -2])))
                c = sqlite3.connect("db.sqlite"); c.execute("create table t(x)"); c.execute("insert into t values (7)")
                print(c.execute("select x from t").fetchone()[0])' | tr '\\n' ' '; echo
                """, "thread 3 7 "),
            ("perl", "perl -e 'print join(\",\", map { $_ * 2 } 1..3), \"\\n\"'", "2,4,6"),
        ]
        let policy = try Self.policy("build", in: f)
        for program in programs {
            let run = try f.bulkhead(["run", "--quiet", "--policy", policy, "--", "sh", "-c", program.script])
            #expect(run.status == 0 && run.stdout.trimmingCharacters(in: .newlines) == program.expect,
                    "\(program.name): \(run.stdout) \(run.stderr)")
        }
    }

    /// Two concurrent tasks: neither reaches the other's listener (each has its own loopback).
    @Test func concurrentTasksDoNotReachEachOther() throws {
        let f = AccessFixture(asNobody: false)
        defer { f.remove() }
        let policy = try Self.policy("default", in: f)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: CLI.bulkhead)
        server.arguments = ["run", "--quiet", "--policy", policy, "--", "python3", "-c",
                            "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', 47123)); s.listen(); time.sleep(3)"]
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        usleep(500_000)
        let client = try f.bulkhead(["run", "--quiet", "--policy", policy, "--", "python3", "-c",
                                     "import socket\ntry:\n socket.create_connection(('127.0.0.1', 47123), timeout=2); print('reached')\n"
                                         + "except OSError: print('refused')"])
        #expect(client.stdout == "refused\n", "\(client.stdout) \(client.stderr)")
    }

    // MARK: the keys of the view

    /// tmpfs and hide exist only in a mount namespace's view: without one the run is refused at the line
    /// that asks, unless the filesystem section is best-effort.
    @Test func tmpfsWithoutAMountNamespaceIsRefusedWhereItIsWritten() throws {
        let f = AccessFixture(asNobody: false)
        defer { f.remove() }
        let policy = try f.policy("namespaces: [ipc]\nfilesystem:\n  read: [/]\n  tmpfs: [/tmp]\n")
        // (line 7: after the fixture's version and extends lines, and its inherit line)
        let run = try f.bulkhead(["run", "--policy", policy, "--", "true"])
        #expect(run.status == 125)
        #expect(run.stderr.contains("policy.yaml:7:11: filesystem.tmpfs needs a mount namespace"), "\(run.stderr)")
        #expect(run.stderr.contains("add mount to namespaces"), "\(run.stderr)")
        let lenient = try f.policy("namespaces: [ipc]\nfilesystem:\n  read: [/]\n  exec: [/]\n  tmpfs: [/tmp]\n  best-effort: true\n",
                                   name: "lenient.yaml")
        let warned = try f.bulkhead(["run", "--policy", lenient, "--", "true"])
        #expect(warned.status == 0 && warned.stderr.contains("filesystem.tmpfs: not applied"), "\(warned.stderr)")
    }

    /// A hidden directory is empty inside, and a working directory beneath it stays, writable; an optional
    /// grant of what does not exist is skipped, a required one names its line.
    @Test(arguments: AccessFixture.modes) func hiddenDirectoriesKeepAGrantBeneath(asNobody: Bool) throws {
        let f = AccessFixture(asNobody: asNobody)
        defer { f.remove() }
        f.makeDirectory("home")
        f.makeDirectory("home/me")
        f.makeDirectory("home/other")
        try f.write("home/other/key", "secret\n")
        let policy = try f.policy("""
            workdir: \(f.path("home/me"))
            namespaces: [pid, mount]
            filesystem:
              read: [/, /nonexistent-bulkhead?]
              exec: [/]
              write: [$CWD]
              hide: [\(f.path("home"))]
            """)
        try CLI.run("/bin/chmod", ["-R", "a+rwX", f.path("home")])
        let run = try f.bulkhead(["run", "--quiet", "--policy", policy, "--", "sh", "-c",
                                  "echo x > mine && cat mine; ls -A ../other 2>/dev/null | wc -l; ls -A .. 2>/dev/null || echo unlisted"])
        // The hidden directory can be passed through to the grant beneath, not listed.
        #expect(run.status == 0 && run.stdout == "x\n0\nunlisted\n", "\(run.stdout) \(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: f.path("home/me/mine")))
        let missing = try f.policy("namespaces: [pid, mount]\nfilesystem:\n  read: [/, /nonexistent-bulkhead]\n  exec: [/]\n",
                                   name: "missing.yaml")
        let refused = try f.bulkhead(["run", "--policy", missing, "--", "true"])
        #expect(refused.status == 125, "\(refused.stderr)")
        #expect(refused.stderr.contains("missing.yaml:6:13: filesystem.read grants /nonexistent-bulkhead"), "\(refused.stderr)")
        #expect(refused.stderr.contains("/nonexistent-bulkhead"), "\(refused.stderr)")
    }
}

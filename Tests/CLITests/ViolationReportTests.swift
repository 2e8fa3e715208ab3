import Foundation
import TestSupport
import Testing

/// Refused calls named through seccomp user notification, for every uid: the call, its arguments, the
/// process and thread inside the task, the executable and what became of the call. The probe prints
/// "after CALL" whenever a call returns, so a task killed for a call must never print it.
@Suite(.serialized) struct ViolationReportTests {
    static let violation = 128 + SIGSYS

    /// Kills every call the probe's `violate` makes (i386 calls are killed by the architecture check).
    static let killing = """
        version: 1
        name: violations
        seccomp:
          default: allow
          rules:
            - { syscall: socket, action: kill, when: [{ arg: 0, eq: AF_INET }] }
            - { syscall: ptrace, action: kill }
            - { syscall: bpf, action: kill }
            - { syscall: mount, action: kill }
            - { syscall: clone, action: kill, when: [{ arg: 0, has-all: CLONE_NEWUSER }] }

        """

    /// (probe call, the call as the terminal line shows it, syscall name, entry point)
    static let calls: [(String, String, String, String)] = [
        ("socket", "socket(AF_INET, SOCK_STREAM, 0)", "socket", "native"),
        ("ptrace", "ptrace(PTRACE_TRACEME, 0, 0, 0)", "ptrace", "native"),
        ("bpf", "bpf(BPF_PROG_LOAD, 0, 0)", "bpf", "native"),
        ("mount", "mount(\"none\", \"/nonexistent\", \"tmpfs\", 1, 0)", "mount", "native"),
        ("clone-ns", "clone(CLONE_NEWUSER|SIGCHLD, 0, 0, 0, 0)", "clone", "native"),
        ("int80-socket", "socketcall(1, ", "socketcall", "i386"),
    ]

    /// A directory every uid may write to, with the policy in it.
    private func workspace(_ policy: String = killing) throws -> String {
        let directory = CLI.temporaryPath("violations")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o777])
        try policy.write(toFile: directory + "/p.yaml", atomically: true, encoding: .utf8)
        chmod(directory + "/p.yaml", 0o644)
        return directory
    }

    private func run(_ arguments: [String], asNobody: Bool) throws -> CLIResult {
        asNobody ? try CLI.bulkheadAsNobody(arguments) : try CLI.bulkhead(arguments)
    }

    private func probe(asNobody: Bool) throws -> String { asNobody ? try CLI.unprivilegedProbe() : CLI.probe }

    private func violations(_ report: [String: Any]) -> [[String: Any]] { report["violations"] as? [[String: Any]] ?? [] }

    @Test(arguments: calls.map(\.0), [false, true])
    func aKilledCallIsNamedOnceFromManyThreadsAndProcesses(call: String, asNobody: Bool) throws {
        if asNobody { try #require(CLI.canDropToNobody) }
        let expected = try #require(Self.calls.first { $0.0 == call })
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let started = Date()
        // Eight threads in each of three processes, each making the call up to 200 times.
        let result = try run(["run", "--policy", directory + "/p.yaml", "--report", directory + "/r.json", "--",
                              try probe(asNobody: asNobody), "violate", call, "8", "3", "200"], asNobody: asNobody)
        #expect(Date().timeIntervalSince(started) < 10, "not killed promptly")
        #expect(result.status == Self.violation, "\(result.stdout)\(result.stderr)")
        #expect(!result.stdout.contains("after"), "the task ran on after a killed call: \(result.stdout.prefix(300))")
        #expect(result.stderr.contains("violation: " + expected.1), "\(result.stderr)")
        #expect(result.stderr.contains("(bulkhead-probe) — killed"), "\(result.stderr)")

        let report = try CLI.json(directory + "/r.json")
        let outcome = try #require(report["outcome"] as? [String: Any])
        #expect(outcome["kind"] as? String == "violation")
        let events = violations(report)
        #expect(events.count == 1, "reported more than once: \(events)")
        let event = try #require(events.first)
        #expect(event["syscall"] as? String == expected.2)
        #expect(event["entry"] as? String == expected.3)
        #expect(event["action"] as? String == "killed")
        #expect((event["arguments"] as? [String])?.count == 6)
        #expect((event["pid"] as? Int).map { $0 >= 2 } == true, "pid inside the task: \(event)")
        #expect(event["tid"] as? Int != nil)
        #expect((event["executable"] as? String)?.hasSuffix("/bulkhead-probe") == true, "\(event)")
        #expect((event["call"] as? String)?.hasPrefix(expected.1) == true, "\(event)")
    }

    /// The x32 bit is refused like another architecture, and named with the native table.
    @Test(arguments: [false, true])
    func theX32EntryIsNamed(asNobody: Bool) throws {
        if asNobody { try #require(CLI.canDropToNobody) }
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try run(["run", "--policy", directory + "/p.yaml", "--report", directory + "/r.json", "--",
                              try probe(asNobody: asNobody), "x32-getpid"], asNobody: asNobody)
        #expect(result.status == Self.violation, "\(result.stdout)\(result.stderr)")
        #expect(!result.stdout.contains("x32-getpid: ok"), "\(result.stdout)")
        #expect(result.stderr.contains("violation: getpid() [x32 entry] by pid"), "\(result.stderr)")
        let event = try #require(violations(try CLI.json(directory + "/r.json")).first)
        #expect(event["entry"] as? String == "x32")
        #expect(event["number"] as? Int == 39)
    }

    @Test(arguments: [false, true])
    func aReportedErrnoIsCountedAndTheTaskGoesOn(asNobody: Bool) throws {
        if asNobody { try #require(CLI.canDropToNobody) }
        let directory = try workspace("""
            version: 1
            seccomp:
              default: allow
              rules:
                - { syscall: socket, action: errno EACCES, report: true, when: [{ arg: 0, eq: AF_INET }] }
                - { syscall: mount, action: errno EPERM }

            """)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try run(["run", "--policy", directory + "/p.yaml", "--report", directory + "/r.json", "--",
                              "sh", "-c", "\(try probe(asNobody: asNobody)) violate socket 1 1 5 && "
                                  + "\(try probe(asNobody: asNobody)) violate mount 1 1 2"], asNobody: asNobody)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.components(separatedBy: "after socket: -1").count - 1 == 5, "\(result.stdout)")
        #expect(result.stdout.components(separatedBy: "after mount: -1").count - 1 == 2, "\(result.stdout)")
        let events = violations(try CLI.json(directory + "/r.json"))
        // The quiet errno rule (mount) is not listed; the reported one is, once, with its count.
        #expect(events.count == 1, "\(events)")
        let event = try #require(events.first)
        #expect(event["syscall"] as? String == "socket")
        #expect(event["action"] as? String == "errno")
        #expect(event["errnoName"] as? String == "EACCES")
        #expect(event["count"] as? Int == 5)
        #expect(result.stderr.contains("violation: socket(AF_INET, SOCK_STREAM, 0) by pid"), "\(result.stderr)")
        #expect(result.stderr.contains("failed with EACCES, 5 times"), "\(result.stderr)")
    }

    @Test(arguments: ["--watch", "mode"], [false, true])
    func watchModeLetsEveryRefusedCallThroughAndCountsIt(how: String, asNobody: Bool) throws {
        if asNobody { try #require(CLI.canDropToNobody) }
        let policy = how == "mode" ? Self.killing.replacingOccurrences(of: "default: allow", with: "default: allow\n  mode: watch")
            : Self.killing
        let directory = try workspace(policy)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let watch = how == "--watch" ? ["--watch"] : []
        // Two threads making three inet sockets each: all six let through.
        let result = try run(["run"] + watch + ["--policy", directory + "/p.yaml", "--report", directory + "/r.json", "--",
                                                try probe(asNobody: asNobody), "violate", "socket", "2", "1", "3"], asNobody: asNobody)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let returned = result.stdout.split(separator: "\n").filter { $0.hasPrefix("after socket: ") }
        #expect(returned.count == 6, "\(result.stdout)")
        #expect(returned.allSatisfy { !$0.hasSuffix(": -1") }, "a watched call was refused: \(result.stdout)")
        let report = try CLI.json(directory + "/r.json")
        #expect(report["watchedCalls"] as? Int == 6, "\(report)")
        let event = try #require(violations(report).first)
        #expect(event["action"] as? String == "watched")
        #expect(event["policyAction"] as? String == "kill")
        #expect(event["count"] as? Int == 6)
        #expect(result.stderr.contains("watch: 6 calls would have been refused"), "\(result.stderr)")
    }

    /// The kernel fails a notified call with ENOSYS once its listener is gone (seccomp_unotify(2)), and the
    /// task would run on. Init keeps the listener and kills the task first when bulkhead dies: bulkhead is
    /// stopped, the task's call waits for it, bulkhead is SIGKILLed; the task must never print "after".
    @Test(arguments: [false, true])
    func aTaskWhoseSupervisorDiesNeverReturnsFromTheCall(asNobody: Bool) throws {
        if asNobody { try #require(CLI.canDropToNobody) }
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = directory + "/out"
        FileManager.default.createFile(atPath: output, contents: nil)
        let marker = "0.7\(getpid())\(asNobody ? 1 : 0)"
        let process = Process()
        let arguments = ["run", "--quiet", "--policy", directory + "/p.yaml", "--", "sh", "-c",
                         "sleep \(marker); exec \(try probe(asNobody: asNobody)) violate socket 1 1 1"]
        if asNobody {
            // setpriv execs bulkhead: the signals below reach bulkhead itself.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                                 try #require(CLI.unprivilegedCopies) + "/bulkhead"] + arguments
            process.environment = ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent"]
        } else {
            process.executableURL = URL(fileURLWithPath: CLI.bulkhead)
            process.arguments = arguments
        }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        try process.run()
        usleep(200_000)
        kill(process.processIdentifier, SIGSTOP)
        // The call is made and waits for the stopped supervisor.
        usleep(1_500_000)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        usleep(500_000)
        let printed = try String(contentsOfFile: output, encoding: .utf8)
        #expect(!printed.contains("after"), "the task went on after its call: \(printed)")
        #expect(ProcessTable.gone(matching: "violate socket"), "the task outlived bulkhead")
    }
}

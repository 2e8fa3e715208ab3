import Foundation
import TestSupport
import Testing

/// `bulkhead policy learn` end to end: a command learned, then run under what was learned. Each task runs
/// with its working directory in a workspace every uid may write to (the default base gives the task a
/// private /tmp, but the working directory at its own path).
@Suite(.serialized) struct PolicyLearnTests {
    static let violation = 128 + SIGSYS
    static let readScript = "print(open('data.txt').read().upper(), end='')\n"

    private func workspace() throws -> String {
        let directory = CLI.temporaryPath("learn")
        try FileManager.default.createDirectory(atPath: directory + "/tree/sub", withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o777])
        chmod(directory + "/tree", 0o777)
        try "hello\n".write(toFile: directory + "/data.txt", atomically: true, encoding: .utf8)
        try Self.readScript.write(toFile: directory + "/read.py", atomically: true, encoding: .utf8)
        for (index, name) in ["a", "b", "sub/c"].enumerated() {
            try String(repeating: "line \(index)\n", count: 100)
                .write(toFile: directory + "/tree/" + name, atomically: true, encoding: .utf8)
        }
        for file in ["data.txt", "read.py", "tree/a", "tree/b", "tree/sub/c"] { chmod(directory + "/" + file, 0o644) }
        return directory
    }

    private func bulkhead(_ arguments: [String], in directory: String, asNobody: Bool = false) throws -> CLIResult {
        asNobody ? try CLI.bulkheadAsNobody(arguments, directory: directory) : try CLI.run(CLI.bulkhead, arguments, directory: directory)
    }

    private func learn(_ output: String, base: String? = "default", extra: [String] = [], _ command: [String], in directory: String,
                       asNobody: Bool = false) throws -> CLIResult {
        try bulkhead(["policy", "learn", "--output", output] + (base.map { ["--base", $0] } ?? []) + extra + ["--"] + command,
                     in: directory, asNobody: asNobody)
    }

    @Test(arguments: [false, true])
    func pythonRoundTripsAndTheLearnedPolicyRefusesAnInetSocketAndAFork(asNobody: Bool) throws {
        if asNobody { try #require(CLI.canDropToNobody) }
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let learned = try learn("p.yaml", ["python3", "read.py"], in: directory, asNobody: asNobody)
        #expect(learned.status == 0, "\(learned.stderr)")
        #expect(learned.stdout == "HELLO\n")
        let text = try String(contentsOfFile: directory + "/p.yaml", encoding: .utf8)
        #expect(text.contains("extends: default"))
        #expect(text.contains("inherit: false"))
        #expect(text.contains("{ syscall: openat, when: [{ arg: 2, masked-eq: [O_ACCMODE|O_CREAT|O_TRUNC|__O_TMPFILE, 0] }] }"),
                "python only read: \(text)")
        #expect(text.contains("# read: \(directory)/data.txt"), "the file read is in the evidence")
        #expect(text.contains("#   exec:"), "the executable is proposed")

        let again = try bulkhead(["run", "--policy", "./p.yaml", "--", "python3", "read.py"], in: directory, asNobody: asNobody)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout == "HELLO\n")

        let inet = try bulkhead(["run", "--policy", "./p.yaml", "--", "python3", "-c", "import _socket; _socket.socket(2, 1)"],
                                in: directory, asNobody: asNobody)
        #expect(inet.status == Self.violation, "\(inet.stderr)")
        #expect(inet.stderr.contains("violation: socket(AF_INET, SOCK_STREAM"), "\(inet.stderr)")

        let fork = try bulkhead(["run", "--policy", "./p.yaml", "--", "python3", "-c", "import os; os.fork()"], in: directory,
                                asNobody: asNobody)
        #expect(fork.status == Self.violation, "\(fork.stderr)")
        #expect(fork.stderr.contains("violation: clone("), "\(fork.stderr)")
    }

    @Test func pythonLearnedWithinStrictRoundTripsAndCannotFork() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let learned = try learn("p.yaml", base: "strict", ["python3", "read.py"], in: directory)
        #expect(learned.status == 0, "\(learned.stderr)")
        let text = try String(contentsOfFile: directory + "/p.yaml", encoding: .utf8)
        #expect(text.contains("extends: strict"))
        let again = try bulkhead(["run", "--policy", "./p.yaml", "--", "python3", "read.py"], in: directory)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout == "HELLO\n")
        let fork = try bulkhead(["run", "--policy", "./p.yaml", "--", "python3", "-c", "import os; os.fork()"], in: directory)
        #expect(fork.status == Self.violation, "\(fork.stderr)")
    }

    @Test func threadsAreLearnedAsThreadsOnly() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let threads = ["python3", "-c", "import threading; t = threading.Thread(target=lambda: open('data.txt').read()); "
                           + "t.start(); t.join(); print('ok')"]
        let learned = try learn("p.yaml", threads, in: directory)
        #expect(learned.status == 0, "\(learned.stderr)")
        let text = try String(contentsOfFile: directory + "/p.yaml", encoding: .utf8)
        // glibc's clone3 fails with ENOSYS under default, so the thread comes through clone, whose flags are seen.
        #expect(text.contains("{ syscall: clone, when: [{ arg: 0, masked-eq: [CLONE_THREAD|CLONE_NEWUSER"), "\(text)")
        #expect(text.contains("{ syscall: clone3, action: \"errno ENOSYS\" }"), "\(text)")
        let again = try bulkhead(["run", "--policy", "./p.yaml", "--"] + threads, in: directory)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout == "ok\n")
        let fork = try bulkhead(["run", "--policy", "./p.yaml", "--", "python3", "-c", "import os; os.fork()"], in: directory)
        #expect(fork.status == Self.violation, "\(fork.stderr)")
        #expect(fork.stderr.contains("violation: clone(CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"), "\(fork.stderr)")
    }

    @Test func aShellPipelineWithSortRoundTrips() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pipeline = ["sh", "-c", "printf 'b\\nc\\na\\n' | sort"]
        let learned = try learn("sort.yaml", pipeline, in: directory)
        #expect(learned.status == 0, "\(learned.stderr)")
        let text = try String(contentsOfFile: directory + "/sort.yaml", encoding: .utf8)
        // The shell forks for each side of the pipe and never makes a thread or a namespace.
        #expect(text.contains("{ syscall: clone, when: [{ arg: 0, has-none: CLONE_THREAD|CLONE_NEWUSER"), "\(text)")
        #expect(text.contains("    - pipe2\n"), "\(text)")
        #expect(text.contains("# syscall: clone allowed="), "\(text)")
        let again = try bulkhead(["run", "--policy", "./sort.yaml", "--"] + pipeline, in: directory)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout == "a\nb\nc\n")
    }

    @Test func tarCzfRoundTrips() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let learned = try learn("tar.yaml", ["tar", "czf", "out.tgz", "tree"], in: directory)
        #expect(learned.status == 0, "\(learned.stderr)")
        try FileManager.default.removeItem(atPath: directory + "/out.tgz")
        let text = try String(contentsOfFile: directory + "/tar.yaml", encoding: .utf8)
        #expect(text.contains("# written: \(directory)/out.tgz"), "\(text)")
        let again = try bulkhead(["run", "--policy", "./tar.yaml", "--", "tar", "czf", "out.tgz", "tree"], in: directory)
        #expect(again.status == 0, "\(again.stderr)")
        let listing = try CLI.run("/usr/bin/tar", ["tzf", directory + "/out.tgz"])
        #expect(listing.stdout.split(separator: "\n").sorted() == ["tree/", "tree/a", "tree/b", "tree/sub/", "tree/sub/c"])
        // tar never made a socket of any kind: the learned policy refuses one.
        let socket = try bulkhead(["run", "--policy", "./tar.yaml", "--", "python3", "-c", "import _socket; _socket.socket(1, 1)"],
                                  in: directory)
        #expect(socket.status == Self.violation, "\(socket.stderr)")
    }

    @Test func mergeAddsAnotherRunsEvidence() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pipeline = ["sh", "-c", "printf 'b\\na\\n' | sort"]
        #expect(try learn("sort.yaml", pipeline, in: directory).status == 0)
        let merged = try learn("both.yaml", extra: ["--merge", "sort.yaml"], ["python3", "read.py"], in: directory)
        #expect(merged.status == 0, "\(merged.stderr)")
        let text = try String(contentsOfFile: directory + "/both.yaml", encoding: .utf8)
        #expect(text.contains("#   sh -c printf 'b\\na\\n' | sort") || text.contains("# command: sh -c"), "\(text)")
        #expect(text.contains("# command: python3 read.py"))
        for command in [pipeline, ["python3", "read.py"]] {
            let run = try bulkhead(["run", "--policy", "./both.yaml", "--"] + command, in: directory)
            #expect(run.status == 0, "\(command): \(run.stderr)")
        }
        // Python alone (sort.yaml's evidence) does not fit the shell's policy, nor the reverse.
        let pythonUnderSort = try bulkhead(["run", "--policy", "./sort.yaml", "--", "python3", "read.py"], in: directory)
        #expect(pythonUnderSort.status == Self.violation, "\(pythonUnderSort.stderr)")

        // Another base, or a file without evidence: refused, nothing written.
        let otherBase = try learn("x.yaml", base: "strict", extra: ["--merge", "sort.yaml"], ["true"], in: directory)
        #expect(otherBase.status == 125)
        #expect(otherBase.stderr.contains("learned with base default, not strict"), "\(otherBase.stderr)")
        try "version: 1\n".write(toFile: directory + "/plain.yaml", atomically: true, encoding: .utf8)
        let plain = try learn("x.yaml", extra: ["--merge", "plain.yaml"], ["true"], in: directory)
        #expect(plain.status == 125)
        #expect(plain.stderr.contains("not a learned policy"), "\(plain.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/x.yaml"))
    }

    @Test func anExistingOutputIsReplacedOnlyWithForce() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "mine\n".write(toFile: directory + "/p.yaml", atomically: true, encoding: .utf8)
        let refused = try learn("p.yaml", ["touch", "ran"], in: directory)
        #expect(refused.status == 125)
        #expect(refused.stderr.contains("p.yaml exists: not replaced without --force"), "\(refused.stderr)")
        #expect(try String(contentsOfFile: directory + "/p.yaml", encoding: .utf8) == "mine\n")
        #expect(!FileManager.default.fileExists(atPath: directory + "/ran"), "the command ran although nothing was to be written")
        let forced = try learn("p.yaml", extra: ["--force"], ["touch", "ran"], in: directory)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try String(contentsOfFile: directory + "/p.yaml", encoding: .utf8).hasPrefix("# Learned by"))
        #expect(FileManager.default.fileExists(atPath: directory + "/ran"))
    }

    @Test(arguments: [false, true])
    func aFailingCommandStillWritesWhatItDid(asNobody: Bool) throws {
        if asNobody { try #require(CLI.canDropToNobody) }
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let command = ["sh", "-c", "cat data.txt; exit 3"]
        let failed = try learn("p.yaml", base: nil, command, in: directory, asNobody: asNobody)
        #expect(failed.status == 3, "the task's exit code: \(failed.stderr)")
        #expect(failed.stderr.contains("learn: the run failed (exited with code 3"), "\(failed.stderr)")
        let text = try String(contentsOfFile: directory + "/p.yaml", encoding: .utf8)
        #expect(!text.contains("extends:"), "no base, no extends")
        #expect(text.contains("# base: none"))
        let check = try bulkhead(["policy", "check", "./p.yaml"], in: directory)
        #expect(check.status == 0, "\(check.stderr)")
        let again = try bulkhead(["run", "--policy", "./p.yaml", "--"] + command, in: directory, asNobody: asNobody)
        #expect(again.status == 3, "the same run, the same failure, nothing refused: \(again.stderr)")
        #expect(again.stdout == "hello\n")
    }
}

import Bulkhead
import Foundation
import Testing

/// The shipped policies must work when bulkhead itself runs as an ordinary user: seccomp with
/// no_new_privs, no cgroups (best-effort limits fall back), no uid switch. The test drops to uid 65534.
@Suite(.enabled(if: CLI.canDropToNobody))
struct UnprivilegedTests {
    private func asNobody(_ arguments: [String]) throws -> CLIResult { try CLI.bulkheadAsNobody(arguments) }

    @Test(arguments: ["default", "strict"])
    func shippedPolicyRunsPython(policy: String) throws {
        let result = try asNobody(["run", "--quiet", "--policy", policy, "--", "/usr/bin/python3", "-c",
                                   "import os, threading; t = threading.Thread(target=lambda: None); t.start(); t.join(); "
                                       + "print(os.getuid())"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "65534\n")
    }

    @Test(.enabled(if: SignalScope.available)) func theTaskCannotSignalBulkheadEitherWithoutRoot() throws {
        // Task and bulkhead share uid 65534 here: only the signal scope keeps bulkhead out of reach.
        let result = try asNobody(["run", "--quiet", "--", "sh", "-c", "kill -STOP $PPID; echo $?; kill -0 $$ && echo self"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "1\nself\n")
    }

    @Test func strictStillRefusesProcessesAndSockets() throws {
        let bin = try #require(CLI.unprivilegedCopies)
        #expect(try asNobody(["run", "--quiet", "--policy", "strict", "--", bin + "/bulkhead-probe", "fork"]).status == 128 + SIGSYS)
        let socket = try asNobody(["run", "--quiet", "--policy", "strict", "--", bin + "/bulkhead-probe", "socket", "inet"])
        #expect(socket.stdout.contains("EAFNOSUPPORT"))
    }

    @Test func defaultStillKillsNamespaceCreation() throws {
        let bin = try #require(CLI.unprivilegedCopies)
        #expect(try asNobody(["run", "--quiet", "--", bin + "/bulkhead-probe", "unshare-user"]).status == 128 + SIGSYS)
        let status = try asNobody(["run", "--quiet", "--", bin + "/bulkhead-probe", "status"])
        #expect(status.stdout.contains("NoNewPrivs:\t1"))
        #expect(status.stdout.contains("CapEff:\t0000000000000000"))
        #expect(status.stdout.contains("Seccomp:\t2"))
    }

    @Test func strictWarnsAboutBestEffortLimits() throws {
        let result = try asNobody(["run", "--policy", "strict", "--", "/bin/true"])
        #expect(result.status == 0)
        #expect(result.stderr.contains("best-effort"))
    }

    @Test func processModeContainsFaultsWithoutRoot() throws {
        // A uid of its own: without a cgroup the fork bomb is held by RLIMIT_NPROC, which it fills for
        // its whole uid, and a test running as 65534 meanwhile could start neither a process nor a thread.
        let result = try CLI.bulkheadAsNobody(["task", "run", "compute", "crash-segv", "fork-bomb", "--mode", "process"], uid: 65532)
        #expect(result.status == 1, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("compute") && $0.contains("ok:") }, "\(result.stdout)")
        #expect(lines.contains { $0.hasPrefix("crash-segv") && $0.contains("SIGSEGV") })
        #expect(lines.contains { $0.hasPrefix("fork-bomb") && $0.contains("contained") })
    }

    @Test func aPolicyThatNeedsRootIsRefused() throws {
        let path = CLI.temporaryPath("needs-root.yaml")
        try "version: 1\nextends: default\nuser: { uid: 1234, gid: 1234 }\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o644)
        defer { unlink(path) }
        let result = try asNobody(["run", "--policy", path, "--", "/bin/true"])
        #expect(result.status == 125)
        #expect(result.stderr.contains("needs root"))
    }
}

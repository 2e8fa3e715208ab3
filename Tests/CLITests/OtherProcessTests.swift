import Foundation
import TestSupport
import Testing

/// A task must not reach processes outside itself through calls that name a process by pid: prlimit(2)
/// on bulkhead lowered its descriptor limit and broke the clean-up of descendants; setpriority(2),
/// sched_setaffinity(2) and the like throttle any process of the task's uid. Each probe call reads the
/// target's setting and writes it back unchanged, so a call that gets through changes nothing: the
/// test fails on exit code 0 ("ok").
@Suite struct OtherProcessTests {
    static let calls = ["prlimit", "setpriority", "sched_setaffinity", "sched_setparam", "sched_setscheduler",
                        "sched_setattr", "ioprio_set", "get_robust_list", "pidfd_open", "migrate_pages", "move_pages", "kcmp"]
    static let violation = 128 + SIGSYS

    private func expectRefused(_ result: CLIResult, _ what: String) {
        // 10: the call failed with an errno (named on stdout); 159: the filter killed the task.
        #expect(result.status == 10 || result.status == Self.violation, "\(what): \(result.status) \(result.stdout)\(result.stderr)")
        #expect(!result.stdout.contains(": ok"), "\(what): \(result.stdout)")
    }

    @Test(arguments: ["default", "strict"], calls)
    func bulkheadItselfIsOutOfReach(policy: String, call: String) throws {
        let result = try CLI.bulkhead(["run", "--quiet", "--policy", policy, "--", CLI.probe, "pid-call", call, "parent"])
        expectRefused(result, "\(policy) \(call) on bulkhead")
    }

    @Test(arguments: ["default", "strict"], calls)
    func hostProcessesOfTheSameUidAreOutOfReach(policy: String, call: String) throws {
        // This test process: as root, the same uid as a default task; a strict task runs as nobody, and
        // the kernel would refuse it anyway, but the filter must already have.
        let result = try CLI.bulkhead(["run", "--quiet", "--policy", policy, "--", CLI.probe, "pid-call", call, String(getpid())])
        expectRefused(result, "\(policy) \(call) on pid \(getpid())")
    }

    @Test(.enabled(if: CLI.canDropToNobody), arguments: ["default", "strict"], calls)
    func bulkheadIsOutOfReachWithoutRoot(policy: String, call: String) throws {
        // Task and bulkhead share uid 65534: nothing in the kernel stops prlimit on the parent.
        let result = try CLI.bulkheadAsNobody(["run", "--quiet", "--policy", policy, "--",
                                               try CLI.unprivilegedProbe(), "pid-call", call, "parent"])
        expectRefused(result, "\(policy) \(call) on bulkhead, as nobody")
    }

    @Test(arguments: ["prlimit", "setpriority", "sched_setaffinity", "sched_setparam", "sched_setscheduler",
                      "sched_setattr", "ioprio_set", "get_robust_list"])
    func theTaskStillActsOnItself(call: String) throws {
        let result = try CLI.bulkhead(["run", "--quiet", "--", CLI.probe, "pid-call", call, "0"])
        #expect(result.status == 0, "\(call): \(result.stdout)\(result.stderr)")
        let shell = try CLI.bulkhead(["run", "--quiet", "--", "sh", "-c", "ulimit -n 64 && ulimit -n && nice -n 3 nice"])
        #expect(shell.stdout == "64\n3\n", "\(shell.stderr)")
    }

    /// The review's attack: lower bulkhead's descriptor limit, leave a setsid'd descendant. Before the fix
    /// the clean-up failed with EMFILE, took that for "nothing left", and the descendant outlived bulkhead.
    @Test func aTaskCannotDisarmTheCleanUpThroughPrlimit() throws {
        let marker = "43.3\(getpid())"
        let result = try CLI.bulkhead(["run", "--quiet", "--", "sh", "-c",
                                       "setsid sleep \(marker) </dev/null >/dev/null 2>&1 & sleep 0.2; "
                                           + "prlimit --pid $PPID --nofile=0:0; echo $?"])
        #expect(result.stdout != "0\n", "prlimit on bulkhead got through")
        #expect(ProcessTable.gone(matching: "sleep \(marker)"), "the setsid'd descendant outlived bulkhead")
    }

    /// The same attack under a policy of the user's own that lets it through (no filter at all): bulkhead
    /// reads its list of children through a descriptor opened before the task started, so the sweep
    /// still works at a descriptor limit of 0. Writing the report then fails, which is an error (125).
    @Test func theCleanUpHoldsWhenAPolicyLetsPrlimitThrough() throws {
        let directory = CLI.temporaryPath("nofilter")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Without a pid namespace: the task must reach bulkhead for this test.
        try "version: 1\nextends: \(CLI.unisolatedDefault)\nseccomp: none\n".write(toFile: directory + "/p.yaml", atomically: true,
                                                                                  encoding: .utf8)
        let marker = "44.3\(getpid())"
        let result = try CLI.bulkhead(["run", "--quiet", "--policy", directory + "/p.yaml", "--report", directory + "/r.json", "--",
                                       "sh", "-c", "setsid sleep \(marker) </dev/null >/dev/null 2>&1 & sleep 0.2; "
                                           + "prlimit --pid $PPID --nofile=0:0; echo $?"])
        #expect(result.stdout == "0\n", "the policy should have let prlimit through: \(result.stderr)")
        #expect(ProcessTable.gone(matching: "sleep \(marker)"), "the setsid'd descendant outlived bulkhead")
        #expect(result.status == 125, "\(result.stderr)")
    }
}

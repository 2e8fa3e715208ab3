import Bulkhead
import Foundation
import TestSupport
import Testing

@Suite struct RunCommandTests {
    @Test func exitCodesFollowTheShellConvention() throws {
        #expect(try CLI.bulkhead(["run", "--quiet", "--", "sh", "-c", "exit 5"]).status == 5)
        #expect(try CLI.bulkhead(["run", "--quiet", "--", "sh", "-c", "kill -TERM $$"]).status == 128 + SIGTERM)
        let missing = try CLI.bulkhead(["run", "--", "no-such-command-bulkhead"])
        #expect(missing.status == 127)
        #expect(missing.stderr.contains("command not found"))
        #expect(try CLI.bulkhead(["run", "--timeout", "300ms", "--quiet", "--", "sleep", "5"]).status == 124)
    }

    @Test func bulkheadRefusalsAre125() throws {
        #expect(try CLI.bulkhead(["run"]).status == 125)
        #expect(try CLI.bulkhead(["run", "--no-such-flag", "--", "true"]).status == 125)
        let badTimeout = try CLI.bulkhead(["run", "--timeout", "soon", "--", "true"])
        #expect(badTimeout.status == 125)
        #expect(badTimeout.stderr.contains("--timeout soon"))
        #expect(try CLI.bulkhead(["run", "--policy", "/nonexistent/policy.yaml", "--", "true"]).status == 125)
        #expect(try CLI.bulkhead(["no-such-subcommand"]).status == 125)
    }

    /// Help is none of the common forms: the hand parser must hand it on, and ArgumentParser answers it.
    /// (What the two parsers make of the forms both take is compared in `RunCommandParsingTests`.)
    @Test func helpComesFromArgumentParser() throws {
        let help = try CLI.bulkhead(["run", "--help"])
        #expect(help.status == 0, "\(help.stderr)")
        #expect(help.stdout.hasPrefix("OVERVIEW: Run a command under a policy"), "\(help.stdout)")
        #expect(help.stdout.contains("--policy") && help.stdout.contains("--timeout"))
    }

    @Test func summaryGoesToStderrUnlessQuiet() throws {
        let loud = try CLI.bulkhead(["run", "--", "sh", "-c", "echo out"])
        #expect(loud.stdout == "out\n")
        #expect(loud.stderr.contains("bulkhead: exited with code 0"))
        let quiet = try CLI.bulkhead(["run", "--quiet", "--", "sh", "-c", "echo out"])
        #expect(quiet.stderr.isEmpty)
    }

    @Test func reportDescribesTheOutcome() throws {
        let path = CLI.temporaryPath("report.json")
        defer { unlink(path) }
        let run = try CLI.bulkhead(["run", "--quiet", "--report", path, "--", "sh", "-c", "exit 3"])
        #expect(run.status == 3)
        let report = try CLI.json(path)
        let outcome = try #require(report["outcome"] as? [String: Any])
        #expect(outcome["kind"] as? String == "exited")
        #expect(outcome["exitCode"] as? Int == 3)
        let usage = try #require(report["usage"] as? [String: Any])
        for key in ["wallSeconds", "userSeconds", "systemSeconds", "peakRSSBytes"] { #expect(usage[key] != nil, "\(key)") }
        #expect((usage["peakRSSBytes"] as? Int ?? 0) > 0)
        let policy = try #require(report["policy"] as? [String: Any])
        #expect(policy["name"] as? String == "default")
        #expect(report["bulkheadExitCode"] as? Int == 3)
    }

    @Test func violationIsReportedAsSuch() throws {
        let path = CLI.temporaryPath("violation.json")
        defer { unlink(path) }
        let run = try CLI.bulkhead(["run", "--policy", "strict", "--report", path, "--", CLI.probe, "fork"])
        #expect(run.status == 128 + SIGSYS)
        #expect(run.stderr.contains("policy violation"))
        let outcome = try #require(try CLI.json(path)["outcome"] as? [String: Any])
        #expect(outcome["kind"] as? String == "violation")
        #expect(outcome["signalName"] as? String == "SIGSYS")
    }

    @Test func timeoutReportAndNoSurvivors() throws {
        let path = CLI.temporaryPath("timeout.json")
        defer { unlink(path) }
        let marker = "41.3\(getpid())"
        let run = try CLI.bulkhead(["run", "--quiet", "--timeout", "0.4s", "--report", path, "--",
                                    "sh", "-c", "sleep \(marker) & setsid sleep \(marker) & sleep \(marker)"])
        #expect(run.status == 124)
        let outcome = try #require(try CLI.json(path)["outcome"] as? [String: Any])
        #expect(outcome["kind"] as? String == "timedOut")
        #expect(ProcessTable.gone(matching: "sleep \(marker)"))
    }

    @Test func descendantsThatLeftTheProcessGroupAreKilled() throws {
        let marker = "42.3\(getpid())"
        let run = try CLI.bulkhead(["run", "--quiet", "--", "sh", "-c",
                                    "setsid sleep \(marker) & setsid sh -c 'sleep \(marker) &' ; echo started"])
        #expect(run.status == 0)
        #expect(run.stdout == "started\n")
        #expect(ProcessTable.gone(matching: "sleep \(marker)"))
    }

    /// A task under bulkhead's own uid (the default policy as root) must not be able to kill or stop
    /// bulkhead: that would end supervision, and a descendant outside the process group would outlive it.
    @Test(.enabled(if: SignalScope.available)) func theTaskCannotSignalBulkhead() throws {
        let marker = "44.1\(getpid())"
        let path = CLI.temporaryPath("scoped.json")
        defer { unlink(path) }
        for signal in ["KILL", "STOP", "TERM"] {
            let run = try CLI.bulkhead(["run", "--quiet", "--report", path, "--", "sh", "-c",
                                        "setsid sleep \(marker) & kill -\(signal) $PPID; echo $?"])
            #expect(run.status == 0, "\(signal): \(run.stderr)")
            #expect(run.stdout == "1\n", "\(signal): kill should fail")
            #expect(run.stderr.contains("Operation not permitted"), "\(signal): \(run.stderr)")
            #expect((try CLI.json(path)["outcome"] as? [String: Any])?["kind"] as? String == "exited")
            #expect(ProcessTable.gone(matching: "sleep \(marker)"))
        }
        // Within its own tree the task signals as usual.
        let own = try CLI.bulkhead(["run", "--quiet", "--", "sh", "-c", "sleep 5 & kill $!; wait $!; echo $?; kill -TERM $$"])
        #expect(own.stdout == "143\n")
        #expect(own.status == 128 + SIGTERM)
    }

    @Test(arguments: [SIGTERM, SIGINT, SIGHUP])
    func signalToBulkheadEndsTheTaskAndWritesTheReport(signal: Int32) throws {
        let path = CLI.temporaryPath("interrupted.json")
        defer { unlink(path) }
        let marker = "43.\(signal)\(getpid())"
        let run = try CLI.bulkhead(["run", "--quiet", "--report", path, "--", "sh", "-c", "sleep \(marker) & sleep \(marker)"],
                                   signal: signal, signalAfter: 0.5)
        #expect(run.status == 128 + signal)
        let report = try CLI.json(path)
        #expect(report["interruptedBy"] as? String != nil)
        #expect(ProcessTable.gone(matching: "sleep \(marker)"))
    }

    @Test func missingReportDirectoryIsAnError() throws {
        let run = try CLI.bulkhead(["run", "--quiet", "--report", "/nonexistent-dir/r.json", "--", "true"])
        #expect(run.status == 125)
        #expect(run.stderr.contains("cannot write report"))
    }
}

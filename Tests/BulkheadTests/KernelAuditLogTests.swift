@testable import Bulkhead
import BulkheadPolicy
import Foundation
import Testing

@Suite struct KernelAuditLogTests {
    private func record(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func parsesSeccompKillRecords() {
        let line = #"6,2041,3157359613,-;audit: type=1326 audit(1795687288.026:462): "#
            + #"auid=4294967295 uid=65534 gid=65534 ses=4294967295 pid=27858 comm="bulkhead-probe" exe="/x/bulkhead-probe" "#
            + #"sig=31 arch=c000003e syscall=56 compat=0 ip=0x7f692f1ed353 code=0x80000000"#
        #expect(KernelAuditLog.parse(record(line)) == .init(pid: 27858, architecture: 0xC000_003E, syscall: 56, time: 1795687288.026))
        #expect(KernelAuditLog.parse(record("6,1,1,-;audit: type=1400 pid=1 arch=c000003e syscall=1")) == nil)
        #expect(KernelAuditLog.parse(record("garbage")) == nil)
        #expect(KernelAuditLog.parse(record("6,1,1,-;audit: type=1326 pid=x arch=zz syscall=")) == nil)
    }

    /// pid_max is 32768: the log holds kills of earlier processes that had the task's pid, and the
    /// task's own record may not be printed yet. Only a kill at or after the task's start is its own.
    @Test func onlyAKillSinceTheTaskStartedIsTheTasks() {
        let kill = KernelAuditLog.SeccompKill(pid: 42, architecture: 0xC000_003E, syscall: 56, time: 1000.5)
        #expect(KernelAuditLog.belongs(kill, to: 42, notBefore: 1000.4))
        #expect(KernelAuditLog.belongs(kill, to: 42, notBefore: 1000.51))   // coarse clock, truncated to ms
        #expect(!KernelAuditLog.belongs(kill, to: 42, notBefore: 1000.6))   // an earlier process with pid 42
        #expect(!KernelAuditLog.belongs(kill, to: 43, notBefore: 1000.4))
        var unstamped = kill
        unstamped.time = nil
        #expect(!KernelAuditLog.belongs(unstamped, to: 42, notBefore: 0))
    }

    @Test func namesSyscallsPerEntryPoint() {
        #expect(KernelAuditLog.describe(.init(pid: 1, architecture: 0xC000_003E, syscall: 56)) == "clone")
        #expect(KernelAuditLog.describe(.init(pid: 1, architecture: 0x4000_0003, syscall: 20)) == "getpid (i386 entry)")
        #expect(KernelAuditLog.describe(.init(pid: 1, architecture: 0xC000_003E, syscall: 39 | 0x4000_0000)) == "getpid (x32 entry)")
        #expect(KernelAuditLog.describe(.init(pid: 1, architecture: 0xC000_003E, syscall: 9999)) == "syscall 9999")
    }

    /// The kernel rate-limits these records and auditd can divert them, so a missing name is allowed;
    /// a wrong one is not.
    @Test(.enabled(if: geteuid() == 0)) func violationNamesTheSyscallWhenTheKernelSaysIt() throws {
        let policy = try PolicyLoader.loadShipped(name: "strict")
        let run = try TaskRunner.run(["python3", "-c", "import os; os.fork()"], policy: policy)
        guard case .violation(let signal, let syscall) = run.result.outcome else {
            Issue.record("expected a violation, got \(run.result.outcome)")
            return
        }
        #expect(signal == SIGSYS)
        // Named through the seccomp listener where there is one (the whole call), else from the kernel log.
        if let syscall { #expect(syscall == "clone" || syscall.hasPrefix("clone("), "\(syscall)") }
    }
}

import BulkheadPolicy
import Testing
#if canImport(Glibc)
import Glibc
#endif

@testable import Bulkhead

/// The judge decides verdict and layer from how a probe ended and what the policy says, so that the
/// same probe line reads differently under different policies.
@Suite struct AuditJudgeTests {
    private func probe(_ id: String) throws -> AuditProbe { try #require(AuditCatalog.probe(id)) }
    private func shipped(_ name: String) throws -> Policy { try PolicyReference.of(name).load().policy }
    private func exited(_ code: Int32) -> RunResult { RunResult(outcome: .exited(code: code), usage: Usage()) }

    @Test func outcomesThatEndTheProbeNameTheirLayer() throws {
        let bpf = try probe("kern-bpf"), policy = try shipped("default")
        let killed = AuditJudge.verdict(bpf, result: RunResult(outcome: .violation(signal: SIGSYS, syscall: "bpf"), usage: Usage()), output: "", policy: policy)
        #expect(killed.state == .blocked && killed.layer == .seccompKill)
        let late = AuditJudge.verdict(bpf, result: RunResult(outcome: .timedOut(limitSeconds: 2), usage: Usage()), output: "", policy: policy)
        #expect(late.layer == .timeout)
        let limited = AuditJudge.verdict(try probe("res-memory-bomb"), result: RunResult(outcome: .limitExceeded(.memory, signal: SIGKILL), usage: Usage()),
                                         output: "", policy: policy)
        #expect(limited.layer == .limit && limited.evidence.contains("limits.memory"))
        let failed = AuditJudge.verdict(bpf, result: RunResult(outcome: .setupFailed(stage: .exec, errno: .permissionDenied), usage: Usage()), output: "", policy: policy)
        #expect(failed.state == .error)
    }

    @Test func theSameRefusalIsTheFiltersUnderOnePolicyAndTheUidsUnderAnother() throws {
        let rootOnly = try probe("file-root-only")
        let line = "blocked EACCES openat the root-only file /tmp/x/secret\n"
        // strict's openat rules answer EACCES only for writing; a read-only open refused is the uid's doing.
        let strict = AuditJudge.verdict(rootOnly, result: exited(41), output: line, policy: try shipped("strict"))
        #expect(strict.layer == (geteuid() == 0 ? .user : .capabilities))
        // Without a user switch, the kernel's DAC check is what CAP_DAC_OVERRIDE would bypass.
        let byDefault = AuditJudge.verdict(rootOnly, result: exited(41), output: line, policy: try shipped("default"))
        #expect(byDefault.layer == .capabilities)
        // Opening for writing is refused by strict's filter rule itself.
        let write = AuditJudge.verdict(try probe("file-write-outside"), result: exited(41), output: "blocked EACCES openat O_CREAT in /tmp/x\n",
                                       policy: try shipped("strict"))
        #expect(write.layer == .seccompErrno)
    }

    @Test func anErrnoNoLayerExplainsIsTheHostsOrMeansTheInterfaceIsMissing() throws {
        var open = Policy()
        open.seccomp = nil
        let vsock = AuditJudge.verdict(try probe("net-vsock"), result: exited(41), output: "blocked EAFNOSUPPORT socket AF_VSOCK\n", policy: open)
        #expect(vsock.state == .notApplicable)
        // The same errno from default's filter (ENOSYS for unknown families) is a block by seccomp.
        let filtered = AuditJudge.verdict(try probe("net-vsock"), result: exited(41), output: "blocked ENOSYS socket AF_VSOCK\n", policy: try shipped("default"))
        #expect(filtered.layer == .seccompErrno)
        let host = AuditJudge.verdict(try probe("kern-clone-newuser"), result: exited(41), output: "blocked ENOSPC clone CLONE_NEWUSER\n", policy: open)
        #expect(host.layer == .host)
    }

    @Test func limitsAndProtectionsTheProbeReadItself() throws {
        var limited = Policy()
        limited.limits.openFiles = 64
        let files = AuditJudge.verdict(try probe("res-open-files"), result: exited(41), output: "blocked EMFILE openat after 61 descriptors\n", policy: limited)
        #expect(files.layer == .limit)
        let unlimited = AuditJudge.verdict(try probe("res-open-files"), result: exited(41), output: "blocked EMFILE openat after 1021 descriptors\n", policy: Policy())
        #expect(unlimited.layer == .host)
        let nnp = AuditJudge.verdict(try probe("file-setuid-nnp"), result: exited(41), output: "blocked no_new_privs execve x\n", policy: Policy())
        #expect(nnp.layer == .noNewPrivs)
    }

    @Test func aDatagramThatNeverArrivedIsNoEscape() throws {
        let udp = try probe("net-udp4-loopback"), line = "escaped sent a datagram to the auditor's socket on 127.0.0.1 port 1\n"
        #expect(AuditJudge.verdict(udp, result: exited(40), output: line, policy: Policy(), datagramArrived: true).state == .escaped)
        let lost = AuditJudge.verdict(udp, result: exited(40), output: line, policy: Policy(), datagramArrived: false)
        #expect(lost.state == .blocked && lost.layer == .host)
    }

    @Test func filterRulesAreMatchedOnTheArgumentsTheProbePassed() throws {
        let policy = try shipped("default")
        // kill(-1, 0) meets default's EPERM rule; kill of one pid meets the allow rule.
        #expect(AuditJudge.filterAnswers(policy.seccomp, call: "kill", arguments: [0: UInt64.max, 1: 0], errno: EPERM))
        #expect(!AuditJudge.filterAnswers(policy.seccomp, call: "kill", arguments: [0: 4242, 1: 18], errno: EPERM))
        // An unknown syscall falls to default's ENOSYS; an allowed one never does.
        #expect(AuditJudge.filterAnswers(policy.seccomp, call: "int0x80", arguments: [:], errno: ENOSYS))
        #expect(!AuditJudge.filterAnswers(policy.seccomp, call: "read", arguments: [:], errno: ENOSYS))
        #expect(!AuditJudge.filterAnswers(nil, call: "socket", arguments: [0: 2], errno: EAFNOSUPPORT))
    }

    @Test func anExceptionTurnsAnEscapeIntoAKeptPromise() throws {
        let bpf = try probe("kern-bpf"), escaped = AuditVerdict(state: .escaped, evidence: "created an eBPF map")
        #expect(!AuditResult(probe: bpf, verdict: escaped, exception: nil, wallSeconds: 0).promiseHolds)
        #expect(AuditResult(probe: bpf, verdict: escaped, exception: .init(probe: "kern-bpf", reason: "tracing job"), wallSeconds: 0).promiseHolds)
        #expect(!AuditResult(probe: bpf, verdict: AuditVerdict(state: .error, evidence: "x"), exception: .init(probe: "kern-bpf", reason: "r"), wallSeconds: 0).promiseHolds)
    }
}

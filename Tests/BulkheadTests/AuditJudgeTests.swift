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

    /// The verdict for probe `id` that ended with `outcome`.
    private func judge(_ id: String, ended outcome: Outcome, under policy: Policy) throws -> AuditVerdict {
        AuditJudge.verdict(try probe(id), result: RunResult(outcome: outcome, usage: Usage()), output: "", policy: policy)
    }

    /// The verdict for probe `id` that exited with `code` after printing `line`.
    private func judge(_ id: String, _ line: String, code: Int32 = 41, under policy: Policy,
                       datagramArrived: Bool? = nil) throws -> AuditVerdict {
        AuditJudge.verdict(try probe(id), result: RunResult(outcome: .exited(code: code), usage: Usage()), output: line + "\n",
                           policy: policy, datagramArrived: datagramArrived)
    }

    @Test func outcomesThatEndTheProbeNameTheirLayer() throws {
        let policy = try shipped("default")
        let killed = try judge("kern-bpf", ended: .violation(signal: SIGSYS, syscall: "bpf"), under: policy)
        #expect(killed.state == .blocked && killed.layer == .seccompKill)
        #expect(try judge("kern-bpf", ended: .timedOut(limitSeconds: 2), under: policy).layer == .timeout)
        let limited = try judge("res-memory-bomb", ended: .limitExceeded(.memory, signal: SIGKILL), under: policy)
        #expect(limited.layer == .limit && limited.evidence.contains("limits.memory"))
        #expect(try judge("kern-bpf", ended: .setupFailed(stage: .exec, errno: .permissionDenied), under: policy).state == .error)
    }

    @Test func theSameRefusalIsTheFiltersUnderOnePolicyAndTheUidsUnderAnother() throws {
        let line = "blocked EACCES openat the root-only file /tmp/x/secret"
        // Without a view, a read-only open refused under a user switch is the uid's doing.
        var switched = try shipped("strict")
        switched.filesystem = nil
        #expect(try judge("file-root-only", line, under: switched).layer == (geteuid() == 0 ? .user : .capabilities))
        // Without a user switch, the kernel's DAC check is what CAP_DAC_OVERRIDE would bypass.
        var plain = try shipped("default")
        plain.filesystem = nil
        #expect(try judge("file-root-only", line, under: plain).layer == .capabilities)
        // A filter rule that answers opening for writing with EACCES is the filter's doing.
        var refusing = plain
        let creating = ArgumentCondition(index: 2, comparison: .maskedEqual(mask: 0o100, value: 0o100), low32: true)
        refusing.seccomp?.rules.append(SyscallRule(syscall: "openat", action: .errno(EACCES), conditions: [creating]))
        #expect(try judge("file-write-outside", "blocked EACCES openat O_CREAT in /tmp/x", under: refusing).layer == .seccompErrno)
        // The shipped policies' views: what is not granted does not exist; what is, Landlock holds too.
        #expect(try judge("file-root-only", "blocked ENOENT openat the root-only file /root/x", under: shipped("strict")).layer
                    == .mountView)
        #expect(try judge("file-root-only", line, under: shipped("strict")).layer == .landlock)
    }

    @Test func anErrnoNoLayerExplainsIsTheHostsOrMeansTheInterfaceIsMissing() throws {
        var open = Policy()
        open.seccomp = nil
        #expect(try judge("net-vsock", "blocked EAFNOSUPPORT socket AF_VSOCK", under: open).state == .notApplicable)
        // The same kind of refusal from default's filter (ENOSYS for unknown families) is a block by seccomp.
        #expect(try judge("net-vsock", "blocked ENOSYS socket AF_VSOCK", under: shipped("default")).layer == .seccompErrno)
        #expect(try judge("kern-clone-newuser", "blocked ENOSPC clone CLONE_NEWUSER", under: open).layer == .host)
    }

    @Test func theAccessKeysNameLandlockOrTheNamespace() throws {
        var view = Policy()
        view.filesystem = FilesystemPolicy(read: [PathGrant("/etc")], restricts: true)
        #expect(try judge("file-root-only", "blocked EACCES openat the root-only file /tmp/x/secret", under: view).layer == .landlock)
        #expect(try judge("file-hardlink-out", "blocked EXDEV linkat /tmp/x/g/link -> /tmp/x/secret", under: view).layer == .landlock)
        var offline = Policy()
        offline.network = .none
        #expect(try judge("net-tcp4-loopback", "blocked ECONNREFUSED connect to the listener", under: offline).layer == .namespace)
        var ports = Policy()
        ports.network = .rules(NetworkRules(connect: [443]))
        #expect(try judge("net-tcp4-loopback", "blocked EACCES connect to the listener", under: ports).layer == .landlock)
        // Without those keys the same refusals are the host's.
        #expect(try judge("net-tcp4-loopback", "blocked ECONNREFUSED connect to the listener", under: Policy()).layer == .host)
    }

    @Test func limitsAndProtectionsTheProbeReadItself() throws {
        var limited = Policy()
        limited.limits.openFiles = 64
        #expect(try judge("res-open-files", "blocked EMFILE openat after 61 descriptors", under: limited).layer == .limit)
        #expect(try judge("res-open-files", "blocked EMFILE openat after 1021 descriptors", under: Policy()).layer == .host)
        #expect(try judge("file-setuid-nnp", "blocked no_new_privs execve x", under: Policy()).layer == .noNewPrivs)
    }

    @Test func aDatagramThatNeverArrivedIsNoEscape() throws {
        let line = "escaped sent a datagram to the auditor's socket on 127.0.0.1 port 1"
        #expect(try judge("net-udp4-loopback", line, code: 40, under: Policy(), datagramArrived: true).state == .escaped)
        let lost = try judge("net-udp4-loopback", line, code: 40, under: Policy(), datagramArrived: false)
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
        let excepted = AuditPromise.Exception(probe: "kern-bpf", reason: "tracing job")
        #expect(!AuditResult(probe: bpf, verdict: escaped, exception: nil, wallSeconds: 0).promiseHolds)
        #expect(AuditResult(probe: bpf, verdict: escaped, exception: excepted, wallSeconds: 0).promiseHolds)
        let failed = AuditVerdict(state: .error, evidence: "x")
        #expect(!AuditResult(probe: bpf, verdict: failed, exception: excepted, wallSeconds: 0).promiseHolds)
    }
}

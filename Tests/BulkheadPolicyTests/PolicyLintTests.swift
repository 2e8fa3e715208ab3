#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@testable import BulkheadPolicy

/// Each lint rule on a small policy that has exactly its pitfall, located at the key or item written;
/// the shipped policies' exposure scores pinned.
@Suite struct PolicyLintTests {
    /// A policy with no finding at all; each test adds one pitfall.
    static func tight(
        allow: [String] = [], rules: [String] = [], limits: String = "{ memory: 64MiB, processes: 8, wall: 10s }",
        tail: String = ""
    ) -> String {
        var text =
            "version: 1\nseccomp:\n  default: kill\n  allow: [\((["read", "write", "exit_group"] + allow).joined(separator: ", "))]\n"
        text += rules.isEmpty ? "  rules: []\n" : "  rules:\n" + rules.map { "    - \($0)\n" }.joined()
        text += "limits: \(limits)\n" + tail
        return text
    }

    func lint(_ text: String, file: String = "p.yaml", sourceLocation: SourceLocation = #_sourceLocation) -> PolicyLint? {
        do { return try PolicyLinter.lint(text: text, file: file) } catch {
            Issue.record("unexpected error: \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// Line and column (1-based) of the first occurrence of `needle` in `text`.
    func position(of needle: String, in text: String, sourceLocation: SourceLocation = #_sourceLocation) -> (Int, Int) {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let range = line.range(of: needle) { return (index + 1, line.distance(from: line.startIndex, to: range.lowerBound) + 1) }
        }
        Issue.record("'\(needle)' not in the text", sourceLocation: sourceLocation)
        return (0, 0)
    }

    func expectAt(
        _ finding: LintFinding?, _ needle: String, in text: String, file: String = "p.yaml",
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let (line, column) = position(of: needle, in: text, sourceLocation: sourceLocation)
        let at = finding.map { LintLocation(file: $0.location.file, line: $0.location.line, column: $0.location.column) }
        #expect(at == LintLocation(file: file, line: line, column: column), sourceLocation: sourceLocation)
    }

    @Test func theTightPolicyHasNoFindingAndScoresZero() throws {
        let result = try #require(lint(Self.tight()))
        #expect(result.findings.isEmpty, "\(result.findings)")
        #expect(result.score.value == 0)
        #expect(result.score.rating == "tight")
    }

    @Test(arguments: [
        ("syscall-ptrace", "ptrace"), ("syscall-ptrace", "process_vm_readv"), ("syscall-bpf", "bpf"),
        ("syscall-perf-event", "perf_event_open"), ("syscall-userfaultfd", "userfaultfd"),
        ("syscall-io-uring", "io_uring_enter"), ("syscall-keyring", "keyctl"), ("syscall-mount", "mount"),
        ("syscall-mount", "pivot_root"), ("syscall-kexec", "kexec_load"), ("syscall-kernel-module", "init_module"),
        ("personality-unconditioned", "personality"), ("clone-unconditioned", "clone"), ("clone-unconditioned", "clone3"),
        ("unshare-unconditioned", "unshare"), ("unshare-unconditioned", "setns"), ("ioctl-tiocsti", "ioctl"),
        ("socket-any-family", "socket")
    ])
    func aSyscallAllowedByNameIsFoundAtItsItem(rule: String, syscall: String) throws {
        // network: none keeps socket's finding alone (with IP sockets the host's network is open too).
        let text = Self.tight(allow: [syscall], tail: "network: none\n")
        let result = try #require(lint(text))
        #expect(result.findings.map(\.rule) == [rule])
        expectAt(result.findings.first, "\(syscall)]", in: text)
        #expect(result.findings.first?.message.contains(syscall) == true)
        #expect(result.findings.first?.severity == PolicyLinter.rules.first { $0.id == rule }?.severity)
        #expect(result.score.value > 0)
    }

    @Test func aGroupCountsAndTheFindingPointsAtIt() throws {
        let text = Self.tight(allow: ["\"@debug\""])
        let result = try #require(lint(text))
        #expect(result.findings.map(\.rule) == ["syscall-ptrace", "syscall-perf-event"])
        for finding in result.findings { expectAt(finding, "\"@debug\"", in: text) }
    }

    @Test func aRuleThatLetsCallsThroughCounts() throws {
        let text = Self.tight(rules: ["{ syscall: bpf, action: log }", "{ syscall: \"@mount\", action: errno EPERM }"])
        let result = try #require(lint(text))
        #expect(result.findings.map(\.rule) == ["syscall-bpf"])
        expectAt(result.findings.first, "{ syscall: bpf", in: text)
    }

    @Test func argumentConditionsAndRefusalsCloseTheUnconditionedFindings() throws {
        let text = Self.tight(
            rules: [
                "{ syscall: personality, when: [{ arg: 0, eq: PER_LINUX }] }",
                "{ syscall: clone, when: [{ arg: 0, has-none: CLONE_NEWUSER|CLONE_NEWNS }] }",
                "{ syscall: clone3, action: errno ENOSYS }",
                "{ syscall: unshare, when: [{ arg: 0, has-none: CLONE_NEWUSER }] }",
                "{ syscall: ioctl, action: kill, when: [{ arg: 1, eq: TIOCSTI }] }",
                "{ syscall: ioctl, action: kill, when: [{ arg: 1, eq: TIOCLINUX }] }",
                "{ syscall: ioctl, when: [{ arg: 1, ne: TIOCSTI }, { arg: 1, ne: TIOCLINUX }] }",
                "{ syscall: socket, when: [{ arg: 0, eq: AF_INET }] }",
                "{ syscall: ptrace, action: errno EPERM }"
            ], tail: "network: { connect: [443] }\n")
        let result = try #require(lint(text))
        #expect(result.findings.isEmpty, "\(result.findings)")
    }

    @Test func ioctlGuardedOnlyIn64BitsIsOpenWithHighBits() throws {
        let text = Self.tight(rules: [
            "{ syscall: ioctl, when: [{ arg: 1, ne: TIOCSTI, width: 64 }, { arg: 1, ne: TIOCLINUX, width: 64 }] }"
        ])
        let result = try #require(lint(text))
        #expect(result.findings.map(\.rule) == ["ioctl-tiocsti"])
        #expect(
            result.findings.first?.message.contains("= TIOCSTI with high bits set, TIOCLINUX with high bits set:") == true,
            "\(result.findings)")
        expectAt(result.findings.first, "{ syscall: ioctl, when", in: text)
    }

    @Test func ioctlAllowedWithOneExceptionLeavesTheOtherRequestOpen() throws {
        let text = Self.tight(rules: ["{ syscall: ioctl }", "{ syscall: ioctl, action: kill, when: [{ arg: 1, eq: TIOCSTI }] }"])
        let result = try #require(lint(text))
        #expect(result.findings.map(\.rule) == ["ioctl-tiocsti"])
        #expect(result.findings.first?.message.hasSuffix("TIOCSTI") == false)
        #expect(result.findings.first?.message.contains("= TIOCLINUX:") == true, "\(result.findings)")
        expectAt(result.findings.first, "{ syscall: ioctl }", in: text)
    }

    @Test func socketConditionedOnTheWrongFamiliesIsOpen() throws {
        let text = Self.tight(rules: ["{ syscall: socket, when: [{ arg: 0, ne: AF_UNIX }] }"], tail: "network: none\n")
        let result = try #require(lint(text))
        #expect(result.findings.map(\.rule) == ["socket-any-family"])
        #expect(result.findings.first?.message.contains("AF_PACKET, AF_ALG, AF_VSOCK") == true, "\(result.findings)")
    }

    @Test func defaultAllowOpensEverySyscallRuleAtTheDefault() throws {
        let text = "version: 1\nseccomp:\n  default: allow\nlimits: { memory: 1GiB, processes: 8, cpu: 1s }\n"
        let result = try #require(lint(text))
        let expected =
            PolicyLinter.rules.map(\.id).filter { $0.hasPrefix("syscall-") || $0.hasSuffix("-unconditioned") }
            + ["seccomp-default-allow", "ioctl-tiocsti", "socket-any-family", "network-host"]
        #expect(Set(result.findings.map(\.rule)) == Set(expected))
        #expect(result.findings.first?.rule == "seccomp-default-allow")
        #expect(result.findings.first?.severity == .error)
        for finding in result.findings where finding.rule != "network-host" { expectAt(finding, "allow", in: text) }
        // No file writes network: the finding is at the top.
        #expect(result.findings.last { $0.rule == "network-host" }?.location == LintLocation(file: "p.yaml", line: 1, column: 1))
        #expect(result.score.value >= 5 && result.score.rating == "exposed", "\(result.score.value)")
    }

    @Test func seccompNoneIsAnErrorAndOpensEverything() throws {
        let text = "version: 1\nseccomp: none\nlimits: { memory: 1GiB, processes: 8, cpu: 1s }\n"
        let result = try #require(lint(text))
        #expect(result.findings.first?.rule == "seccomp-none")
        #expect(!result.findings.contains { $0.rule == "seccomp-default-allow" })
        #expect(result.findings.contains { $0.rule == "syscall-ptrace" } && result.findings.contains { $0.rule == "ioctl-tiocsti" })
        for finding in result.findings where finding.rule != "network-host" { expectAt(finding, "none", in: text) }
        #expect(result.score.value >= 5 && result.score.rating == "exposed", "\(result.score.value)")
        // Without limits either, the policy is open.
        #expect(try #require(lint("version: 1\nseccomp: none\n")).score.rating == "open")
    }

    @Test func seccompNoneOverAParentsFilterIsWhereEverySyscallFindingPoints() throws {
        let dir = temporaryDirectory()
        writeFile(dir + "/base.yaml", "version: 1\nseccomp:\n  default: kill\n  allow: [read, ptrace]\n")
        let child = "version: 1\nextends: ./base.yaml\nseccomp: none\nlimits: { memory: 1GiB, processes: 8, wall: 1s }\n"
        writeFile(dir + "/child.yaml", child)
        let result = try PolicyLinter.lint(.file(dir + "/child.yaml"))
        #expect(result.findings.first?.rule == "seccomp-none")
        #expect(result.findings.contains { $0.rule == "syscall-bpf" })
        for finding in result.findings where finding.rule != "network-host" {
            expectAt(finding, "none", in: child, file: dir + "/child.yaml")
        }
    }

    @Test func keptCapabilitiesAreNamedWorstFirst() throws {
        let text = Self.tight(tail: "capabilities:\n  keep: [net_bind_service, CAP_NET_RAW, sys_admin]\n")
        let result = try #require(lint(text))
        #expect(result.findings.map(\.rule) == ["dangerous-capability", "dangerous-capability", "dangerous-capability"])
        #expect(result.findings.map(\.severity) == [.error, .warning, .note])
        #expect(result.findings.map { $0.message.prefix(while: { $0 != " " }) } == ["CAP_SYS_ADMIN", "CAP_NET_RAW", "CAP_NET_BIND_SERVICE"])
        expectAt(result.findings[0], "sys_admin", in: text)
        expectAt(result.findings[1], "CAP_NET_RAW", in: text)
        expectAt(result.findings[2], "net_bind_service", in: text)
        // Kept alone, a lesser capability adds less to the score than CAP_SYS_ADMIN.
        let lesser = try #require(lint(Self.tight(tail: "capabilities: { keep: [net_bind_service] }\n")))
        let admin = try #require(lint(Self.tight(tail: "capabilities: { keep: [sys_admin] }\n")))
        #expect(0 < lesser.score.value && lesser.score.value < admin.score.value)
    }

    @Test func theHostsNetworkIsFoundWhereTheFilterAllowsIPSockets() throws {
        let socket = "{ syscall: socket, when: [{ arg: 0, eq: AF_INET6 }] }"
        let unwritten = try #require(lint(Self.tight(rules: [socket])))
        #expect(unwritten.findings.map(\.rule) == ["network-host"])
        #expect(unwritten.findings.first?.location == LintLocation(file: "p.yaml", line: 1, column: 1))
        #expect(unwritten.findings.first?.message.contains("AF_INET6 sockets") == true, "\(unwritten.findings)")
        let text = Self.tight(rules: [socket], tail: "network: host\n")
        let written = try #require(lint(text))
        #expect(written.findings.map(\.rule) == ["network-host"])
        expectAt(written.findings.first, "host", in: text)
        for network in ["none", "{ connect: [443] }"] {
            #expect(try #require(lint(Self.tight(rules: [socket], tail: "network: \(network)\n"))).findings.isEmpty)
        }
        // Without IP sockets the host's network is out of reach whatever the key says.
        #expect(try #require(lint(Self.tight(tail: "network: host\n"))).findings.isEmpty)
    }

    @Test func aWriteGrantInsideOrAroundAnExecGrantIsFound() throws {
        let text = Self.tight(tail: "filesystem: { exec: [/usr, /opt/tools], write: [/tmp, /usr/local/bin, /opt] }\n")
        let result = try #require(lint(text))
        #expect(result.findings.map(\.rule) == ["writable-exec-path", "writable-exec-path"])
        expectAt(result.findings.first, "/usr/local/bin", in: text)
        expectAt(result.findings.last, "/opt]", in: text)
        #expect(
            result.findings.last?.message
                == "write grant /opt overlaps the exec grant /opt/tools: the task can write a program there and run it")
        // Neighbours are not nested: /opt2 is not beneath /opt.
        #expect(try #require(lint(Self.tight(tail: "filesystem: { exec: [/opt], write: [/opt2, $CWD] }\n"))).findings.isEmpty)
    }

    @Test func bestEffortLandlockSectionsAreFound() throws {
        let text = Self.tight(tail: "filesystem: { read: [/etc], best-effort: true }\nnetwork: { connect: [443], best-effort: yes }\n")
        let result = try #require(lint(text.replacingOccurrences(of: "yes", with: "true")))
        #expect(result.findings.map(\.rule) == ["best-effort-relied-on", "best-effort-relied-on"])
        #expect(result.findings.map(\.severity) == [.warning, .warning])
        expectAt(result.findings.first, "true", in: text)
        expectAt(result.findings.last, "yes", in: text)
        #expect(result.findings.first?.message.hasPrefix("filesystem is best-effort") == true)
        #expect(result.findings.last?.message.hasPrefix("network is best-effort") == true)
    }

    @Test(arguments: [
        ("no-memory-limit", "{ processes: 8, wall: 10s }"), ("no-process-limit", "{ memory: 64MiB, wall: 10s }"),
        ("no-time-limit", "{ memory: 64MiB, processes: 8 }")
    ])
    func aMissingLimitIsFoundAtTheLimitsKey(rule: String, limits: String) throws {
        let text = Self.tight(limits: limits)
        let result = try #require(lint(text))
        #expect(result.findings.map(\.rule) == [rule])
        expectAt(result.findings.first, "limits:", in: text)
    }

    @Test func otherLimitsSatisfyTheChecksAndNoLimitsAtAllPointAtTheTop() throws {
        #expect(try #require(lint(Self.tight(limits: "{ address-space: 1GiB, processes: 8, cpu: 1s }"))).findings.isEmpty)
        let text = "version: 1\nseccomp:\n  allow: [read]\n"
        let result = try #require(lint(text))
        #expect(result.findings.map(\.rule) == ["no-memory-limit", "no-process-limit", "no-time-limit"])
        #expect(result.findings.allSatisfy { $0.location == LintLocation(file: "p.yaml", line: 1, column: 1) })
    }

    @Test func bestEffortNamespacesAreFoundAtTheirListItem() throws {
        let text = Self.tight(tail: "namespaces: { enable: [pid, net, uts], best-effort: [uts, pid, ipc] }\n")
        let result = try #require(lint(text))
        // ipc is not enabled: marking it best-effort changes nothing.
        #expect(result.findings.map(\.rule) == ["best-effort-relied-on", "best-effort-relied-on"])
        #expect(result.findings.map(\.severity) == [.warning, .note])
        expectAt(result.findings[0], "pid, ipc]", in: text)
        expectAt(result.findings[1], "uts, pid", in: text)
        #expect(result.findings[0].message.hasPrefix("namespaces.pid is best-effort"))
        let all = Self.tight(tail: "namespaces: { enable: [net], best-effort: true }\n")
        let marked = try #require(lint(all))
        #expect(marked.findings.count == 1 && marked.findings[0].message.hasPrefix("namespaces.net is best-effort"))
        expectAt(marked.findings.first, "true", in: all)
    }

    @Test func bestEffortOnWhatAUserReliesOnIsFound() throws {
        let text = Self.tight(
            limits: "{ memory: 64MiB, processes: 8, wall: 10s, best-effort: [wall, memory] }",
            tail: "user: { uid: 65534, gid: 65534, best-effort: true }\n")
        let result = try #require(lint(text))
        #expect(result.findings.map(\.rule) == ["best-effort-relied-on", "best-effort-relied-on"])
        #expect(result.findings.map(\.severity) == [.warning, .note])
        expectAt(result.findings[0], "true", in: text)
        expectAt(result.findings[1], "memory]", in: text)
        #expect(result.findings[1].message.hasPrefix("limits.memory is best-effort"))
        // A best-effort rlimit changes nothing and is not reported.
        let rlimitOnly = Self.tight(limits: "{ memory: 64MiB, processes: 8, wall: 10s, best-effort: [wall] }")
        #expect(try #require(lint(rlimitOnly)).findings.isEmpty)
    }

    @Test func findingsInASnippedPolicyPointAtTheExtendsLine() throws {
        let text = "version: 1\nname: child\nextends: default\n"
        let result = try #require(lint(text))
        #expect(result.findings.map(\.rule) == ["writable-exec-path", "no-memory-limit", "no-process-limit", "no-time-limit"])
        let memory = try #require(result.findings.dropFirst().first)
        expectAt(memory, "default", in: text)
        let shipped = try #require(ShippedPolicies.text(named: "default"))
        let (line, column) = position(of: "limits:", in: shipped)
        #expect(memory.location.inheritedFrom == "shipped:default:\(line):\(column)")
        // What the child writes itself is located in the child.
        let opened = "version: 1\nextends: default\nseccomp:\n  rules: [{ syscall: ptrace, action: allow }]\n"
        let ptrace = try #require(lint(opened)).findings.first { $0.rule == "syscall-ptrace" }
        expectAt(ptrace, "{ syscall: ptrace", in: opened)
        #expect(ptrace?.location.inheritedFrom == nil)
    }

    @Test func aSyscallTheParentRulesOutStaysOutWhenTheChildAllowsIt() throws {
        // default kills ptrace with a rule; a child's allow item does not lift a parent's rule.
        let text = "version: 1\nextends: default\nseccomp:\n  allow: [ptrace, bpf]\n"
        let result = try #require(lint(text + "limits: { memory: 1GiB, processes: 8, wall: 1s }\nnetwork: none\n"))
        // (default's own finding, a writable working directory beneath its exec grant, is inherited.)
        #expect(result.findings.map(\.rule) == ["writable-exec-path"], "\(result.findings)")
    }

    @Test func findingsInAnExtendedFileOnDiskPointIntoThatFile() throws {
        let dir = temporaryDirectory()
        let base = "version: 1\nseccomp:\n  default: kill\n  allow: [read, ptrace]\nlimits: { memory: 1GiB, processes: 8, wall: 1s }\n"
        writeFile(dir + "/base.yaml", base)
        writeFile(dir + "/child.yaml", "version: 1\nextends: ./base.yaml\nseccomp:\n  allow: [write]\n")
        let result = try PolicyLinter.lint(.file(dir + "/child.yaml"))
        #expect(result.file == dir + "/child.yaml")
        #expect(result.findings.map(\.rule) == ["syscall-ptrace"])
        expectAt(result.findings.first, "ptrace", in: base, file: dir + "/base.yaml")
    }

    @Test func aPolicyThatDoesNotLoadIsTheLoadersLocatedError() {
        #expect(throws: PolicyError.self) { try PolicyLinter.lint(text: "version: 1\nseccomp:\n  allow: [ptrac]\n", file: "p.yaml") }
        do {
            _ = try PolicyLinter.lint(text: "version: 1\nseccomp:\n  allow: [ptrac]\n", file: "p.yaml")
        } catch {
            #expect(error.line == 3 && error.column == 11)
        }
    }

    /// A change to a shipped policy or to the weights that raises a score must update this on purpose.
    @Test(arguments: [("default", 1.1), ("strict", 0.3), ("tasks", 0.6), ("network-client", 1.1), ("build", 0.6)])
    func shippedPolicyScoresArePinned(name: String, score: Double) throws {
        let result = try PolicyLinter.lint(.shipped(name))
        #expect(result.score.value == score, "\(name): \(result.findings.map(\.rule))")
        #expect(!result.hasFinding(atLeast: .error), "\(result.findings)")
    }

    @Test func everyRuleHasAUniqueIdAWeightAndAFix() {
        let ids = PolicyLinter.rules.map(\.id)
        #expect(Set(ids).count == ids.count)
        for rule in PolicyLinter.rules {
            #expect(rule.weight > 0 && !rule.fix.isEmpty && !rule.title.isEmpty, "\(rule.id)")
            #expect(rule.id.allSatisfy { $0.isLowercase || $0 == "-" }, "\(rule.id)")
        }
    }

    @Test func scoreItemsAddUpToTheScore() throws {
        let result = try #require(lint("version: 1\nseccomp: none\ncapabilities: { keep: [sys_admin] }\n"))
        let sum = result.score.items.reduce(0) { $0 + $1.adds }
        #expect(abs(sum - result.score.value) < 0.05)
        #expect(result.score.items.allSatisfy { (0...1).contains($0.badness) })
        #expect(result.score.value <= 10 && result.score.rating == "open")
    }
}

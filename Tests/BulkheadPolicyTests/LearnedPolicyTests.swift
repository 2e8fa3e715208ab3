@testable import BulkheadPolicy
import Testing

/// The learned policy's text from evidence, without running anything: what base and evidence make, and the
/// evidence read back.
@Suite struct LearnedPolicyTests {
    private func evidence(base: String?) -> LearnedEvidence {
        var e = LearnedEvidence(base: base)
        e.commands = ["sh -c 'a | b'", "odd\u{1}name%"]
        var clone = LearnedEvidence.Calls()
        clone.allowed = 3
        clone.cloneKinds = [.process]
        e.syscalls["clone"] = clone
        var socket = LearnedEvidence.Calls()
        socket.allowed = 1
        socket.socketDomains = [1]
        e.syscalls["socket"] = socket
        var open = LearnedEvidence.Calls()
        open.allowed = 10
        e.syscalls["openat"] = open
        var refused = LearnedEvidence.Calls()
        refused.refused = [38: 2]
        e.syscalls["clone3"] = refused
        var killed = LearnedEvidence.Calls()
        killed.beyondBase = 1
        e.syscalls["ptrace"] = killed
        for name in ["rt_sigaction", "rt_sigprocmask", "pipe2", "wait4"] {
            var c = LearnedEvidence.Calls()
            c.allowed = 1
            e.syscalls[name] = c
        }
        e.otherEntries["i386 socketcall"] = 2
        e.read = ["/etc/passwd", "/usr/lib/a", "/usr/lib/b", "/usr/lib/c", "/with space/x\ny"]
        e.written = ["/tmp/out"]
        e.executed = ["/usr/bin/sh"]
        return e
    }

    @Test func theEvidenceBlockReadsBack() throws {
        let original = evidence(base: "default")
        let parsed = try #require(try LearnedEvidence.parse("version: 1\n" + original.block))
        #expect(parsed == original)
        #expect(try LearnedEvidence.parse("version: 1\n") == nil)
        #expect(throws: LearnedEvidence.ParseError.self) {
            try LearnedEvidence.parse(LearnedEvidence.marker + "\n# syscall: read allowed=x\n")
        }
    }

    @Test func mergeAddsCountsAndFacts() throws {
        var a = evidence(base: "default")
        var b = LearnedEvidence(base: "default")
        b.commands = ["python3 x.py"]
        var clone = LearnedEvidence.Calls()
        clone.allowed = 1
        clone.cloneKinds = [.thread]
        b.syscalls["clone"] = clone
        b.read = ["/etc/hosts"]
        a.merge(b)
        #expect(a.syscalls["clone"]?.allowed == 4)
        #expect(a.syscalls["clone"]?.cloneKinds == [.process, .thread])
        #expect(a.commands.count == 3)
        #expect(a.read.contains("/etc/hosts") && a.read.contains("/etc/passwd"))
    }

    @Test func theTextLoadsAndStaysWithinTheBase() throws {
        let base = try PolicyLoader.loadShipped(name: "default")
        let (text, notes) = LearnedPolicyText.make(evidence(base: "default"), base: try #require(base.seccomp))
        let policy = try PolicyLoader.load(text: text, file: "learned.yaml")
        let seccomp = try #require(policy.seccomp)
        #expect(seccomp.defaultAction == .kill)
        // Only what was used and the calls always allowed; the base's other allowances are gone.
        #expect(!seccomp.allow.contains("mkdir"))
        #expect(!seccomp.allow.contains("ptrace") && !seccomp.rules.contains { $0.syscall == "ptrace" })
        #expect(seccomp.allow.contains("pipe2") && seccomp.allow.contains("wait4") && seccomp.allow.contains("execve"))
        #expect(seccomp.rules.contains(SyscallRule(syscall: "clone3", action: .errno(38))))
        #expect(seccomp.rules.filter { $0.syscall == "socket" }.count == 1)
        // The base's other sections come through extends.
        #expect(policy.namespaces == base.namespaces)
        #expect(policy.filesystem == base.filesystem)
        #expect(notes.contains { $0.contains("ptrace") })
        #expect(notes.contains { $0.contains("i386 socketcall") })
        #expect(text.contains("# filesystem:\n#   read:\n#     - /etc/passwd\n#     - /usr/lib\n"), "\(text)")
    }

    @Test func wholeGroupsAreFolded() throws {
        let members = try #require(SyscallGroups.expand("@process-exit"))
        let folded = LearnedPolicyText.folded(Set(members + ["read"]))
        #expect(folded == ["@process-exit", "read"])
        // A group with one member unused stays spelled out.
        let partial = LearnedPolicyText.folded(Set(members.dropLast()))
        #expect(!partial.contains("@process-exit"))
    }

    @Test func withoutABaseNothingIsExtended() throws {
        var e = evidence(base: nil)
        e.syscalls["ptrace"]?.beyondBase = 0
        e.syscalls["ptrace"]?.allowed = 1
        let base = try PolicyLoader.load(text: LearnedPolicyText.noBaseText, file: "(no base)")
        let (text, _) = LearnedPolicyText.make(e, base: try #require(base.seccomp))
        #expect(!text.contains("extends:"))
        #expect(!text.contains("inherit:"))
        let policy = try PolicyLoader.load(text: text, file: "learned.yaml")
        #expect(policy.seccomp?.allow.contains("ptrace") == true, "no base: what the run did is allowed")
    }

    /// What glibc does around threads at moments no run controls comes with the threads, within the base.
    @Test func threadsBringWhatTheCLibraryDoesForThem() throws {
        let base = try #require(try PolicyLoader.loadShipped(name: "default").seccomp)
        var threaded = evidence(base: "default")
        threaded.syscalls["clone"]?.cloneKinds = [.thread]
        let withThreads = try PolicyLoader.load(text: LearnedPolicyText.make(threaded, base: base).text, file: "t.yaml")
        #expect(withThreads.seccomp?.allow.contains("madvise") == true)
        #expect(withThreads.seccomp?.allow.contains("set_robust_list") == true)
        let processes = try PolicyLoader.load(text: LearnedPolicyText.make(evidence(base: "default"), base: base).text, file: "p.yaml")
        #expect(processes.seccomp?.allow.contains("madvise") == false, "no thread, no companion")
    }
}

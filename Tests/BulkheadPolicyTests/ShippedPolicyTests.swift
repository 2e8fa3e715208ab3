import BulkheadSystem
import Testing
@testable import BulkheadPolicy

@Suite struct ShippedPolicyTests {
    @Test(arguments: ShippedPolicies.names)
    func loadsAndRoundTrips(name: String) throws {
        let policy = try PolicyLoader.loadShipped(name: name)
        #expect(policy.name == name)
        let printed = PolicyPrinter.yaml(policy)
        let reloaded = try PolicyLoader.load(text: printed, file: "printed.yaml")
        #expect(reloaded == policy)
        // Printing is stable: the reloaded policy prints identically.
        #expect(PolicyPrinter.yaml(reloaded) == printed)
    }

    @Test func defaultPolicyShape() throws {
        let p = try PolicyLoader.loadShipped(name: "default")
        let s = try #require(p.seccomp)
        #expect(s.defaultAction == .errno(ENOSYS_VALUE))
        for name in ["read", "execve", "wait4", "getrandom", "futex", "mmap", "pipe2", "newfstatat"] {
            #expect(s.allow.contains(name), "\(name) should be allowed")
        }
        // Syscalls with rules are not in the allow list.
        for name in ["clone", "clone3", "ioctl", "socket", "personality", "ptrace", "mount", "openat", "chmod", "prlimit64"] {
            #expect(!s.allow.contains(name), "\(name) has rules")
        }
        #expect(s.rules.contains { $0.syscall == "ptrace" && $0.action == .kill })
        #expect(s.rules.contains { $0.syscall == "io_uring_setup" && $0.action == .errno(ENOSYS_VALUE) })
        #expect(s.rules.contains { $0.syscall == "clone3" && $0.action == .errno(ENOSYS_VALUE) })
        let clone = s.rules.filter { $0.syscall == "clone" }
        #expect(clone.count == 1)
        #expect(clone.first?.conditions
                == [ArgumentCondition(index: 0, comparison: .maskedEqual(mask: 0x7e02_0000, value: 0), low32: true)])
        let tiocsti = s.rules.first { $0.syscall == "ioctl" && $0.action == .kill }
        #expect(tiocsti?.conditions.first?.low32 == true)
        #expect(p.capabilities.keep.isEmpty)
        #expect(p.limits.core == 0)
        #expect(p.limits.memory == nil && p.limits.processes == nil && p.limits.wall == nil)
        #expect(p.environment.clear)
        #expect(p.environment.set == [EnvironmentVariable(name: "PATH", value: "/usr/local/bin:/usr/bin:/bin")])
        #expect(p.environment.pass == ["TERM", "LANG", "LC_*", "HOME", "USER", "TZ"])
    }

    @Test func strictPolicyShape() throws {
        let p = try PolicyLoader.loadShipped(name: "strict")
        let s = try #require(p.seccomp)
        #expect(s.defaultAction == .kill)
        #expect(s.allow.contains("execve"))
        for name in ["fork", "vfork", "execveat", "socket", "ptrace", "connect", "kill", "rt_sigqueueinfo", "pidfd_send_signal",
                     "memfd_create"] {
            #expect(!s.allow.contains(name), "\(name) must not be allowed")
        }
        // Files may be written: the view and Landlock keep the writes in scratch and the private /tmp.
        #expect(p.namespaces?.enabled == NamespaceKind.allCases && p.network == .none)
        let f = try #require(p.filesystem)
        #expect(f.restricts && f.scratch && f.tmpfs.map(\.path) == ["/tmp"] && f.write.isEmpty)
        #expect(f.exec.contains(PathGrant(PathGrant.command)) && f.read.contains(PathGrant(PathGrant.workingDirectory)))
        #expect(s.rules.contains { $0.syscall == "clone" && $0.action == .allow
            && $0.conditions == [ArgumentCondition(index: 0, comparison: .maskedEqual(mask: 0x10000, value: 0x10000), low32: true)] })
        #expect(p.limits.wall == 10 && p.limits.cpu == 5)
        #expect(p.limits.memory == 256 << 20 && p.limits.fileSize == 16 << 20)
        #expect(p.limits.processes == 32 && p.limits.openFiles == 64 && p.limits.core == 0)
        #expect(p.limits.bestEffort == [.memory, .processes])
        #expect(p.user == UserPolicy(uid: 65534, gid: 65534, groups: [], bestEffort: true))
        #expect(p.environment.set == [EnvironmentVariable(name: "PATH", value: "/usr/bin:/bin")])
    }

    @Test func unknownShippedName() {
        #expect(throws: PolicyError.self) { try PolicyLoader.loadShipped(name: "strikt") }
    }
}

@Suite struct GroupTests {
    @Test func everyMemberResolves() {
        for group in SyscallGroups.all {
            #expect(group.name.hasPrefix("@"))
            #expect(!group.summary.isEmpty)
            for member in group.members {
                if member.hasPrefix("@") {
                    #expect(SyscallGroups.group(named: member) != nil, "\(group.name): unknown group \(member)")
                } else {
                    #expect(SyscallTable.isKnown(member), "\(group.name): libseccomp does not know \(member)")
                }
            }
        }
    }

    @Test func expansion() throws {
        let stdio = try #require(SyscallGroups.expand("@stdio"))
        #expect(stdio.contains("read") && stdio.contains("exit_group") && stdio.contains("rt_sigreturn"))
        #expect(!stdio.contains("ioctl"))
        #expect(stdio == stdio.sorted())
        let threads = try #require(SyscallGroups.expand("threads"))
        #expect(!threads.contains("clone"))
        #expect(SyscallGroups.expand("@nope") == nil)
        for group in SyscallGroups.all { #expect(!(SyscallGroups.expand(group.name) ?? []).contains("ioctl")) }
    }

    @Test func syscallTable() {
        #expect(SyscallTable.allNames.count > 300)
        #expect(SyscallTable.isKnown("openat"))
        #expect(!SyscallTable.isKnown("socketcall")) // i386 multiplexer, not native on x86_64
        #expect(!SyscallTable.isKnown("opneat"))
    }

    @Test func names() {
        #expect(ErrnoNames.value(named: "EPERM") == 1)
        #expect(ErrnoNames.value(named: "ewouldblock") == ErrnoNames.value(named: "EAGAIN"))
        #expect(ErrnoNames.name(of: 11) == "EAGAIN")
        #expect(ErrnoNames.name(of: 38) == "ENOSYS")
        #expect(ErrnoNames.name(of: 133) == "EHWPOISON")
        #expect(CapabilityNames.number(named: "net_bind_service") == 10)
        #expect(CapabilityNames.name(of: 40) == "CAP_CHECKPOINT_RESTORE")
        #expect(CapabilityNames.name(of: 41) == nil)
        #expect(SymbolicConstants.value(of: "CLONE_NEWNS|CLONE_NEWUSER") == 0x1002_0000)
        #expect(SymbolicConstants.value(of: "AF_NETLINK") == 16)
        #expect(SymbolicConstants.value(of: "TIOCSTI") == 0x5412)
        #expect(SymbolicConstants.value(of: "O_CREAT") == 0o100)
        #expect(SymbolicConstants.value(of: "SOCK_CLOEXEC") == 0o2000000)
        #expect(SymbolicConstants.value(of: "NOPE") == nil)
    }
}

let ENOSYS_VALUE: Int32 = 38

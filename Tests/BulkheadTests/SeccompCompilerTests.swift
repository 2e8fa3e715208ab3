import BulkheadSystem
import Bulkhead
import BulkheadPolicy
import Foundation
import TestSupport
import Testing

// These tests run the compiled BPF for real: `bulkhead-probe load-filter FILE -- bulkhead-probe MODE`
// sets no_new_privs, installs the filter and execs the probe again, which then tries one thing.
// Testing the compiled filter instead of the policy text is the point: several conditions on one argument
// are ANDed (moby issue 52494) and rules whose action equals the default get dropped (containerd issue 13330).

// MARK: - Fixtures

/// What a dynamically linked C probe needs from execve to exit (glibc 2.36, found with strace -f).
/// `ioctl` is here because stdio asks whether stdout is a terminal (TCGETS).
let probeStartup: [String] = [
    "access", "arch_prctl", "brk", "close", "execve", "exit", "exit_group", "fstat", "futex", "getrandom",
    "gettid", "ioctl", "madvise", "mmap", "mprotect", "munmap", "newfstatat", "openat", "pread64", "prlimit64",
    "read", "readlink", "rseq", "rt_sigaction", "rt_sigprocmask", "set_robust_list", "set_tid_address",
    "sigaltstack", "wait4", "write",
]

private let ENOSYSValue: Int32 = 38
private let EPERMValue: Int32 = 1
private let EXDEVValue: Int32 = 18 // distinctive: nothing returns it naturally in these probes
private let TIOCSTI: UInt64 = 0x5412
private let CLONE_THREAD: UInt64 = 0x10000
private let SIGSYS: Int32 = 31

private func policy(default action: SeccompAction = .kill, allow extra: [String] = [],
                    rules: [SyscallRule] = []) -> SeccompPolicy {
    SeccompPolicy(defaultAction: action, allow: Array(Set(probeStartup + extra)).sorted(), rules: rules)
}

private func low32(_ index: Int, _ comparison: ArgumentComparison) -> ArgumentCondition {
    ArgumentCondition(index: index, comparison: comparison, low32: true)
}

// MARK: - Running the probe

enum ProbeOutcome: Equatable, CustomStringConvertible {
    case exited(Int32, String)
    case signaled(Int32, String)

    var isKilledBySIGSYS: Bool { if case .signaled(SIGSYS, _) = self { return true } else { return false } }
    var exitCode: Int32? { if case .exited(let c, _) = self { return c } else { return nil } }
    var output: String { switch self { case .exited(_, let o), .signaled(_, let o): return o } }
    var description: String {
        switch self {
        case .exited(let c, let o): return "exited(\(c)) \(o)"
        case .signaled(let s, let o): return "signaled(\(s)) \(o)"
        }
    }
}

enum Probe {
    static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> ProbeOutcome {
        let process = Process()
        if let environment { process.environment = environment }
        process.executableURL = URL(fileURLWithPath: BuiltBinaries.probe)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        switch process.terminationReason {
        case .exit: return .exited(process.terminationStatus, text)
        case .uncaughtSignal: return .signaled(process.terminationStatus, text)
        @unknown default: return .exited(-1, text)
        }
    }

    /// Runs `bulkhead-probe args` under the filter.
    static func run(_ filter: CompiledFilter, _ arguments: String...) throws -> ProbeOutcome {
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("bulkhead-test-\(UUID().uuidString).bpf")
        try Data(filter.bpf).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try run(["load-filter", file.path, "--", BuiltBinaries.probe] + arguments)
    }

    static func run(_ policy: SeccompPolicy, _ arguments: String...) throws -> ProbeOutcome {
        let filter = try SeccompCompiler.compile(policy)
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("bulkhead-test-\(UUID().uuidString).bpf")
        try Data(filter.bpf).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try run(["load-filter", file.path, "--", BuiltBinaries.probe] + arguments)
    }
}

// MARK: - Filters enforced for real

@Suite struct SeccompFilterBehaviour {
    @Test func allowedSyscallWorks() throws {
        let outcome = try Probe.run(policy(allow: ["getpid"]), "getpid")
        #expect(outcome.exitCode == 0, "\(outcome)")
    }

    @Test func deniedSyscallKillsWithSIGSYS() throws {
        let outcome = try Probe.run(policy(), "getpid")
        #expect(outcome.isKilledBySIGSYS, "\(outcome)")
    }

    @Test func errnoRuleReturnsThatErrno() throws {
        let p = policy(rules: [SyscallRule(syscall: "ptrace", action: .errno(EPERMValue))])
        let outcome = try Probe.run(p, "ptrace-traceme")
        #expect(outcome.exitCode == 10 && outcome.output.contains("EPERM"), "\(outcome)")
    }

    @Test func errnoDefaultWithAllowList() throws {
        // Default errno: the filter must still allow the start-up syscalls and answer the rest with EXDEV.
        let outcome = try Probe.run(policy(default: .errno(EXDEVValue)), "getpid")
        #expect(outcome.exitCode == 10 && outcome.output.contains("EXDEV"), "\(outcome)")
    }

    @Test func defaultAllowSkipsRedundantAllowRules() throws {
        // Allow rules equal to the default are refused by libseccomp (EACCES); the compiler drops them.
        let p = SeccompPolicy(defaultAction: .allow, allow: ["getpid", "read"],
                              rules: [SyscallRule(syscall: "personality", action: .errno(EXDEVValue))])
        #expect(try Probe.run(p, "getpid").exitCode == 0)
        let outcome = try Probe.run(p, "personality", "0xffffffff")
        #expect(outcome.output.contains("EXDEV"), "\(outcome)")
    }

    @Test func alternateEntryPointsAreKilledEvenWhenGetpidIsAllowed() throws {
        let filter = try SeccompCompiler.compile(policy(allow: ["getpid"]))
        #expect(try Probe.run(filter, "getpid").exitCode == 0)
        // Only meaningful where the kernel has IA32 emulation; without it int 0x80 faults (SIGSEGV) anyway.
        if try Probe.run(["int80-getpid"]).exitCode == 0 {
            let int80 = try Probe.run(filter, "int80-getpid")
            #expect(int80.isKilledBySIGSYS, "int 0x80: \(int80)")
        }
        let x32 = try Probe.run(filter, "x32-getpid")
        #expect(x32.isKilledBySIGSYS, "x32: \(x32)")
    }

    @Test func bpfContainsTheX32Check() throws {
        // libseccomp emits `if nr >= 0x40000000 → bad-arch action` only when x32 is not in the filter.
        for layout in [SeccompFilterLayout.linear, .binaryTree] {
            #expect(try Self.hasX32Check(SeccompCompiler.compile(policy(), layout: layout).bpf), "\(layout)")
        }
    }

    static func hasX32Check(_ bpf: [UInt8]) -> Bool {
        var found = false
        for i in stride(from: 0, to: bpf.count - 7, by: 8) {
            let code = UInt16(bpf[i]) | UInt16(bpf[i + 1]) << 8
            let k = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bpf[i + 4 + $1]) << (8 * UInt32($1)) }
            if code == 0x35 /* BPF_JMP|BPF_JGE|BPF_K */ && k == 0x4000_0000 { found = true }
        }
        return found
    }

    @Test func cloneOnlyWithCLONE_THREAD() throws {
        // clock_nanosleep: clone-flags waits for its thread to exit.
        let p = policy(allow: ["clock_nanosleep"], rules: [
            SyscallRule(syscall: "clone", action: .allow,
                        conditions: [ArgumentCondition(index: 0, comparison: .maskedEqual(mask: CLONE_THREAD, value: CLONE_THREAD),
                                                       low32: false)]),
            // glibc tries clone3 first and falls back to clone on ENOSYS.
            SyscallRule(syscall: "clone3", action: .errno(ENOSYSValue)),
        ])
        let filter = try SeccompCompiler.compile(p)
        let thread = try Probe.run(filter, "thread")
        #expect(thread.exitCode == 0, "thread: \(thread)")
        let fork = try Probe.run(filter, "fork")
        #expect(fork.isKilledBySIGSYS, "fork: \(fork)")
        let clone3 = try Probe.run(filter, "clone3")
        #expect(clone3.exitCode == 10 && clone3.output.contains("ENOSYS"), "clone3: \(clone3)")
        // CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM
        #expect(try Probe.run(filter, "clone-flags", "0x50f00").exitCode == 0)
        #expect(try Probe.run(filter, "clone-flags", "0x11").isKilledBySIGSYS) // SIGCHLD | ...: a process
    }

    @Test func socketFamilies() throws {
        let p = policy(rules: [
            SyscallRule(syscall: "socket", action: .allow, conditions: [low32(0, .equal(1))]),       // AF_UNIX
            SyscallRule(syscall: "socket", action: .errno(EPERMValue), conditions: [low32(0, .equal(16))]), // AF_NETLINK
        ])
        let filter = try SeccompCompiler.compile(p)
        #expect(try Probe.run(filter, "socket", "unix").exitCode == 0)
        #expect(try Probe.run(filter, "socket", "inet").isKilledBySIGSYS)
        #expect(try Probe.run(filter, "socket", "packet").isKilledBySIGSYS)
        let netlink = try Probe.run(filter, "socket", "netlink")
        #expect(netlink.output.contains("EPERM"), "\(netlink)")
        // High bits are ignored by the kernel: 0x1_00000001 is AF_UNIX to it, and to the filter.
        #expect(try Probe.run(filter, "syscall", "41", "0x100000001", "1", "0").exitCode == 0)
        // ... and 0x1_00000002 is AF_INET: refused, not let through as "not AF_UNIX".
        #expect(try Probe.run(filter, "syscall", "41", "0x100000002", "1", "0").isKilledBySIGSYS)
    }

    @Test func tiocstiDenyRuleCatchesHighBits() throws {
        let p = policy(default: .allow, rules: [
            SyscallRule(syscall: "ioctl", action: .errno(EXDEVValue), conditions: [low32(1, .equal(TIOCSTI))]),
        ])
        let filter = try SeccompCompiler.compile(p)
        for mode in ["ioctl-tiocsti", "ioctl-tiocsti-high"] {
            let outcome = try Probe.run(filter, mode)
            #expect(outcome.output.contains("EXDEV"), "\(mode): \(outcome)")
        }
    }

    @Test func exceptionToAnUnconditionalAllow() throws {
        // ioctl allowed except TIOCSTI, whose action is the default (kill). Naively, libseccomp would drop the
        // conditional rule next to the unconditional one (or refuse it with EACCES): TIOCSTI would be allowed.
        let p = policy(rules: [
            SyscallRule(syscall: "ioctl", action: .allow),
            SyscallRule(syscall: "ioctl", action: .kill, conditions: [low32(1, .equal(TIOCSTI))]),
        ])
        let filter = try SeccompCompiler.compile(p)
        #expect(try Probe.run(filter, "status").exitCode == 0) // stdio's TCGETS still works
        #expect(try Probe.run(filter, "ioctl-tiocsti").isKilledBySIGSYS)
        #expect(try Probe.run(filter, "ioctl-tiocsti-high").isKilledBySIGSYS)
        // The same with an exception that is not the default.
        let q = policy(rules: [
            SyscallRule(syscall: "ioctl", action: .allow),
            SyscallRule(syscall: "ioctl", action: .errno(EXDEVValue), conditions: [low32(1, .equal(TIOCSTI))]),
        ])
        let g = try SeccompCompiler.compile(q)
        #expect(try Probe.run(g, "status").exitCode == 0)
        #expect(try Probe.run(g, "ioctl-tiocsti-high").output.contains("EXDEV"))
    }

    @Test func low32NotEqualIsNotBypassedByHighBits() throws {
        let p = policy(rules: [
            SyscallRule(syscall: "ioctl", action: .allow, conditions: [low32(1, .notEqual(TIOCSTI))]),
        ])
        let filter = try SeccompCompiler.compile(p)
        #expect(try Probe.run(filter, "status").exitCode == 0)
        #expect(try Probe.run(filter, "ioctl-tiocsti").isKilledBySIGSYS)
        #expect(try Probe.run(filter, "ioctl-tiocsti-high").isKilledBySIGSYS)
        // 32 masked alternatives cost instructions, but libseccomp keeps them to a few per bit.
        let plain = try SeccompCompiler.compile(policy())
        print("low32 ne: \(filter.instructionCount - plain.instructionCount) extra instructions")
        #expect(filter.instructionCount - plain.instructionCount < 32 * 6)
    }

    @Test func conditionalRuleWithTheDefaultActionAloneIsDropped() throws {
        // "personality(0xffffffff) → kill" with default kill adds nothing: every other personality call is
        // killed too. The compiler must not fail (libseccomp says EACCES) and the result must match.
        let p = policy(rules: [
            SyscallRule(syscall: "personality", action: .kill, conditions: [low32(0, .equal(0xffff_ffff))]),
        ])
        #expect(try Probe.run(p, "personality", "0xffffffff").isKilledBySIGSYS)
        #expect(try Probe.run(p, "personality", "0").isKilledBySIGSYS)
    }
}

// MARK: - Errors

@Suite struct SeccompCompileErrors {
    @Test func unknownSyscall() {
        #expect(throws: SeccompCompileError.unknownSyscall("no_such_call")) {
            try SeccompCompiler.compile(SeccompPolicy(allow: ["read", "no_such_call"]))
        }
        #expect(throws: SeccompCompileError.unknownSyscall("nope")) {
            try SeccompCompiler.compile(SeccompPolicy(rules: [SyscallRule(syscall: "nope", action: .allow)]))
        }
    }

    @Test func foreignArchitectureSyscall() {
        #expect(throws: SeccompCompileError.notNativeSyscall("socketcall")) {
            try SeccompCompiler.compile(SeccompPolicy(allow: ["socketcall"]))
        }
    }

    @Test func conflictingUnconditionalRules() {
        let p = SeccompPolicy(rules: [SyscallRule(syscall: "getpid", action: .allow),
                                      SyscallRule(syscall: "getpid", action: .errno(1))])
        #expect(throws: SeccompCompileError.conflictingActions(syscall: "getpid", .allow, .errno(1))) {
            try SeccompCompiler.compile(p)
        }
    }

    @Test func sameConditionsDifferentActions() throws {
        let c = [low32(1, .equal(5))]
        let p = SeccompPolicy(rules: [SyscallRule(syscall: "ioctl", action: .allow, conditions: c),
                                      SyscallRule(syscall: "ioctl", action: .errno(1), conditions: c)])
        let error = #expect(throws: SeccompCompileError.self) { try SeccompCompiler.compile(p) }
        #expect(error == .ambiguousRules(syscall: "ioctl", .allow, .errno(1)))
        #expect(error?.description.contains("ioctl") == true)
    }

    @Test func overlappingRulesOnDifferentArguments() {
        let p = SeccompPolicy(rules: [
            SyscallRule(syscall: "socket", action: .allow, conditions: [low32(0, .equal(1))]),
            SyscallRule(syscall: "socket", action: .errno(1), conditions: [low32(1, .equal(3))]),
        ])
        #expect(throws: SeccompCompileError.ambiguousRules(syscall: "socket", .allow, .errno(1))) {
            try SeccompCompiler.compile(p)
        }
    }

    @Test func exclusiveRulesAreFine() throws {
        let p = SeccompPolicy(rules: [
            SyscallRule(syscall: "socket", action: .allow, conditions: [low32(0, .equal(1))]),
            SyscallRule(syscall: "socket", action: .errno(1), conditions: [low32(0, .equal(2)), low32(1, .equal(3))]),
            SyscallRule(syscall: "mmap", action: .allow,
                        conditions: [ArgumentCondition(index: 1, comparison: .less(4096), low32: false)]),
            SyscallRule(syscall: "mmap", action: .errno(12),
                        conditions: [ArgumentCondition(index: 1, comparison: .greaterOrEqual(4096), low32: false)]),
            SyscallRule(syscall: "personality", action: .allow,
                        conditions: [ArgumentCondition(index: 0, comparison: .equal(8), low32: false)]),
            SyscallRule(syscall: "personality", action: .errno(1),
                        conditions: [ArgumentCondition(index: 0, comparison: .notEqual(8), low32: false)]),
            SyscallRule(syscall: "ioctl", action: .allow, conditions: [low32(1, .equal(TIOCSTI))]),
            SyscallRule(syscall: "ioctl", action: .errno(1), conditions: [low32(1, .notEqual(TIOCSTI))]),
        ])
        #expect(try SeccompCompiler.compile(p).instructionCount > 0)
    }

    @Test func twoComparisonsOnOneArgument() {
        let p = SeccompPolicy(rules: [SyscallRule(syscall: "ioctl", action: .allow, conditions: [
            ArgumentCondition(index: 1, comparison: .greaterOrEqual(5), low32: false),
            ArgumentCondition(index: 1, comparison: .lessOrEqual(9), low32: false),
        ])])
        #expect(throws: SeccompCompileError.duplicateArgument(syscall: "ioctl", index: 1)) {
            try SeccompCompiler.compile(p)
        }
    }

    @Test func valuesThatCanNeverMatch() {
        let wide = SeccompPolicy(rules: [SyscallRule(syscall: "ioctl", action: .allow,
                                                     conditions: [low32(1, .equal(0x1_0000_5412))])])
        #expect(throws: SeccompCompileError.valueTooWide(syscall: "ioctl", index: 1, value: 0x1_0000_5412)) {
            try SeccompCompiler.compile(wide)
        }
        let outside = SeccompPolicy(rules: [SyscallRule(syscall: "clone", action: .allow, conditions: [
            ArgumentCondition(index: 0, comparison: .maskedEqual(mask: 0xff, value: 0x100), low32: false)])])
        #expect(throws: SeccompCompileError.self) { try SeccompCompiler.compile(outside) }
    }

    @Test func badErrnoAndIndex() {
        #expect(throws: SeccompCompileError.invalidErrno(0, syscall: nil)) {
            try SeccompCompiler.compile(SeccompPolicy(defaultAction: .errno(0)))
        }
        #expect(throws: SeccompCompileError.invalidErrno(5000, syscall: "read")) {
            try SeccompCompiler.compile(SeccompPolicy(rules: [SyscallRule(syscall: "read", action: .errno(5000))]))
        }
        #expect(throws: SeccompCompileError.invalidArgumentIndex(syscall: "read", index: 6)) {
            try SeccompCompiler.compile(SeccompPolicy(rules: [SyscallRule(syscall: "read", action: .allow,
                                                                          conditions: [low32(6, .equal(0))])]))
        }
    }

    @Test func multipleExceptionsAreRefused() {
        let p = SeccompPolicy(rules: [
            SyscallRule(syscall: "ioctl", action: .allow),
            SyscallRule(syscall: "ioctl", action: .kill, conditions: [low32(1, .equal(TIOCSTI))]),
            SyscallRule(syscall: "ioctl", action: .kill, conditions: [low32(1, .equal(0x541C))]),
        ])
        #expect(throws: SeccompCompileError.unsupportedExceptions(syscall: "ioctl", count: 2)) {
            try SeccompCompiler.compile(p)
        }
    }
}

// MARK: - Output

@Suite struct SeccompCompilerOutput {
    /// Up to the threshold the linear program (the shortest); above it the binary tree, which costs the
    /// task less per call (`bulkhead bench --filters` measures both).
    @Test(arguments: [SeccompCompiler.binaryTreeThreshold, SeccompCompiler.binaryTreeThreshold + 1])
    func automaticLayoutIsTheTreeAboveTheThreshold(count: Int) throws {
        let policy = FilterBenchmark.allowlist(count)
        #expect(policy.allow.count == count)
        let linear = try SeccompCompiler.compile(policy, layout: .linear)
        let tree = try SeccompCompiler.compile(policy, layout: .binaryTree)
        #expect(linear != tree)
        #expect(try SeccompCompiler.compile(policy) == (count > SeccompCompiler.binaryTreeThreshold ? tree : linear))
    }

    @Test func pseudoCodeMentionsTheSyscalls() throws {
        let p = SeccompPolicy(allow: ["read", "write"], rules: [
            SyscallRule(syscall: "socket", action: .allow, conditions: [low32(0, .equal(1))]),
        ])
        let text = try SeccompCompiler.pseudoCode(p)
        for name in ["read", "write", "socket", "KILL_PROCESS"] {
            #expect(text.contains(name), "\(name) missing from:\n\(text)")
        }
    }

    @Test func compileIsDeterministic() throws {
        let p = policy(allow: ["getpid"])
        #expect(try SeccompCompiler.compile(p) == SeccompCompiler.compile(p))
        #expect(try SeccompCompiler.compile(p).bpf.count % 8 == 0)
    }
}

// MARK: - More semantics

@Suite struct SeccompRuleSemantics {
    @Test func rulesOverrideTheAllowList() throws {
        let p = policy(allow: ["getpid"], rules: [SyscallRule(syscall: "getpid", action: .errno(EXDEVValue))])
        #expect(try Probe.run(p, "getpid").output.contains("EXDEV"))
    }

    @Test func exceptionWithTwoConditions() throws {
        // ioctl allowed, except TIOCSTI on fd 0: the complement is "fd != 0 OR request != TIOCSTI".
        let p = policy(rules: [
            SyscallRule(syscall: "ioctl", action: .allow),
            SyscallRule(syscall: "ioctl", action: .errno(EXDEVValue),
                        conditions: [low32(0, .equal(0)), low32(1, .equal(TIOCSTI))]),
        ])
        let filter = try SeccompCompiler.compile(p)
        #expect(try Probe.run(filter, "status").exitCode == 0)
        #expect(try Probe.run(filter, "ioctl-tiocsti-high").output.contains("EXDEV"))
        // TIOCSTI on fd 1 is outside the exception: allowed by the filter (the kernel answers ENOTTY).
        let other = try Probe.run(filter, "syscall", "16", "1", "0x5412", "0")
        #expect(other.exitCode == 10 && !other.output.contains("EXDEV"), "\(other)")
    }

    @Test func overlappingRulesWithTheSameActionAreORed() throws {
        let p = policy(rules: [
            SyscallRule(syscall: "personality", action: .errno(EXDEVValue), conditions: [low32(0, .equal(1))]),
            SyscallRule(syscall: "personality", action: .errno(EXDEVValue),
                        conditions: [ArgumentCondition(index: 0, comparison: .greater(0x10), low32: false)]),
        ])
        let filter = try SeccompCompiler.compile(p)
        #expect(try Probe.run(filter, "personality", "1").output.contains("EXDEV"))
        #expect(try Probe.run(filter, "personality", "0x20").output.contains("EXDEV"))
        #expect(try Probe.run(filter, "personality", "2").isKilledBySIGSYS)
    }
}

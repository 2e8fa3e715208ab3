import CLaunch
import BulkheadPolicy
import Testing

@testable import Bulkhead

/// The supervisor learns what the policy says about a notified call by running the policy's own filter
/// (`ViolationListener.action`). Checked here against the actions the shipped policies state, on both
/// filter layouts, and on the filter the task runs under with a listener: it must notify exactly what the
/// policy refuses and the notification covers.
@Suite struct SeccompOracleTests {
    static let x86_64: UInt32 = 0xC000_003E
    static let i386: UInt32 = 0x4000_0003

    private func number(_ name: String) throws -> Int32 { try SeccompRulePlanner.resolve(name) }

    @Test(arguments: [SeccompFilterLayout.linear, .binaryTree])
    func theStrictFilterAnswersAsThePolicySays(layout: SeccompFilterLayout) throws {
        let seccomp = try #require(try PolicyLoader.loadShipped(name: "strict").seccomp)
        let filter = try SeccompCompiler.compile(seccomp, layout: layout)
        func action(_ name: String, _ arguments: [UInt64] = []) throws -> SeccompAction {
            ViolationListener.action(of: filter, architecture: Self.x86_64, number: try number(name), arguments: arguments)
        }
        #expect(try action("getppid") == .allow)
        #expect(try action("socket", [2, 1, 0]) == .errno(97))          // AF_INET: errno EAFNOSUPPORT
        #expect(try action("clone", [0x11, 0, 0, 0, 0]) == .kill)       // fork: SIGCHLD without CLONE_THREAD
        #expect(try action("clone", [0x3d0f00, 0, 0, 0, 0]) == .allow)  // a thread
        #expect(try action("openat", [0, 0, 1]) == .allow)              // O_WRONLY: the view and Landlock hold writes
        #expect(try action("ptrace") == .kill)
        // Another architecture is refused whole; so is the x32 bit.
        #expect(ViolationListener.action(of: filter, architecture: Self.i386, number: 20, arguments: []) == .kill)
        #expect(ViolationListener.action(of: filter, architecture: Self.x86_64, number: 39 | 0x4000_0000, arguments: []) == .kill)
    }

    @Test func theNotifyingFilterHandsOverKillsAndReportedErrnosOnly() throws {
        var seccomp = try #require(try PolicyLoader.loadShipped(name: "strict").seccomp)
        seccomp.rules.append(SyscallRule(syscall: "mkdir", action: .errno(1), report: true))
        let filter = try SeccompCompiler.compile(seccomp, notifying: NotifiedRefusals(kills: true, reportedErrnos: true))
        let notify: UInt32 = 0x7fc0_0000
        func verdict(_ name: String, _ arguments: [UInt64] = [], architecture: UInt32 = Self.x86_64) throws -> UInt32 {
            var call = bh_notification()
            call.arch = architecture
            call.nr = try number(name)
            let a = arguments + Array(repeating: 0, count: 6 - arguments.count)
            call.args = (a[0], a[1], a[2], a[3], a[4], a[5])
            return filter.bpf.withUnsafeBytes { bh_seccomp_evaluate($0.baseAddress, UInt32(filter.instructionCount), &call) }
        }
        #expect(try verdict("getppid") == 0x7fff_0000)
        #expect(try verdict("ptrace") == notify)
        #expect(try verdict("mkdir") == notify)
        #expect(try verdict("socket", [2, 1, 0]) == 0x0005_0000 | 97)  // a quiet errno stays the filter's own
        #expect(try verdict("getppid", architecture: Self.i386) == notify)
        // Watch mode hands over every refusal, quiet errnos included.
        let watch = try SeccompCompiler.compile(seccomp, notifying: NotifiedRefusals(everyRefusal: true))
        #expect(ViolationListener.action(of: watch, architecture: Self.x86_64, number: try number("getppid"), arguments: []) == .allow)
        var call = bh_notification()
        call.arch = Self.x86_64
        call.nr = try number("socket")
        call.args = (2, 1, 0, 0, 0, 0)
        #expect(watch.bpf.withUnsafeBytes { bh_seccomp_evaluate($0.baseAddress, UInt32(watch.instructionCount), &call) } == notify)
    }
}

@testable import bulkhead
import Testing

/// `bulkhead run` has two parsers: the hand-written fast path of the common forms and ArgumentParser for
/// everything else. They must read the same arguments the same way.
@Suite struct RunCommandParsingTests {
    static let forms: [[String]] = [
        ["--quiet", "--policy", "strict", "--", "sh", "-c", "echo $PATH"],
        ["--policy=strict", "--quiet", "sh", "-c", "echo $PATH"],
        ["--quiet", "--policy", "strict", "--timeout", "5s", "sh", "-c", "echo $PATH"],
        ["--verbose", "--policy", "./strict", "--report", "r.json", "--", "true"],
        ["--report=/dev/stdout", "--verbose", "--quiet", "--timeout=1s", "true", "--verbose"],
        ["--", "--verbose"],
        ["--keep-scratch", "--policy", "p.yaml", "--", "sh", "-c", "ls $BULKHEAD_SCRATCH"],
        ["--quiet", "--keep-scratch", "--report=r.json", "true"],
    ]

    @Test(arguments: forms) func bothParsersAgree(form: [String]) throws {
        let fast = try #require(RunInvocation.parseFast(form.map { Array($0.utf8) }[...]), "the fast path should take \(form)")
        let full = try RunCommand.parse(form).invocation
        #expect(fast == full, "\(form)")
    }

    @Test func verboseIsAFlagOfBoth() throws {
        #expect(RunInvocation.parseFast([Array("--verbose".utf8), Array("--".utf8), Array("true".utf8)])?.verbose == true)
        #expect(try RunCommand.parse(["--verbose", "--", "true"]).verbose)
        #expect(RunInvocation.parseFast([Array("--".utf8), Array("true".utf8)])?.verbose == false)
    }
}

import Foundation
import Testing

/// Thread mode through the built binary: a fault that kills bulkhead must not kill the test runner.
/// Each crash runs beside a `sleep:2` whose result is lost with the process.
@Suite struct ThreadModeTests {
    #if arch(x86_64)
    static let trapStatus: Int32 = 128 + SIGILL
    #else
    static let trapStatus: Int32 = 128 + SIGTRAP
    #endif

    @Test(arguments: [("crash-segv", 128 + SIGSEGV), ("crash-abort", 128 + SIGABRT), ("crash-trap", trapStatus),
                      ("stack-overflow", 128 + SIGSEGV), ("exit-early", 3)])
    func aFaultEndsTheWholeProcess(fault: String, status: Int32) throws {
        let result = try BulkheadBinary.threadMode(["sleep:2", fault])
        #expect(result.status == status, "\(result.stdout)\(result.stderr)")
        #expect(result.line(for: "sleep:2") == nil, "the other task's result should be lost: \(result.stdout)")
        #expect(!result.stdout.contains("TASK"), "no table from a dead process")
    }

    @Test func workloadsAloneSucceed() throws {
        let result = try BulkheadBinary.threadMode(["compute", "hash-file", "sleep:0.1", "allocate:16", "file-roundtrip"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.progressLines.count == 5)
        #expect(result.line(for: "compute") == "task-done compute ok ok: 17984 primes below 200000")
    }

    @Test func hangIsOnlyEndedByTheTimeout() throws {
        let result = try BulkheadBinary.threadMode(["hang", "sleep:0.1"], timeout: "1s")
        #expect(result.status == 1)
        #expect(result.line(for: "hang")?.contains("still running after the 1.00s timeout") == true, "\(result.stdout)")
        #expect(result.line(for: "sleep:0.1")?.contains(" ok ") == true)
    }

    @Test func scribbleCorruptsCompute() throws {
        let result = try BulkheadBinary.threadMode(["compute", "scribble"])
        #expect(result.status == 1)
        #expect(result.line(for: "compute")?.contains("failed result corrupted") == true, "\(result.stdout)")
    }

    @Test(arguments: [("chdir", "in the working directory /proc"), ("setenv", "not found"), ("umask", "mode 0600")])
    func processStateFaultsBreakFileRoundtrip(fault: String, symptom: String) throws {
        let result = try BulkheadBinary.threadMode(["file-roundtrip", fault])
        #expect(result.status == 1)
        let line = try #require(result.line(for: "file-roundtrip"), "\(result.stdout)")
        #expect(line.contains("failed") && line.contains(symptom), "\(line)")
    }

    @Test func closeFdsTakesAnotherTasksDescriptor() throws {
        let result = try BulkheadBinary.threadMode(["hash-file", "close-fds"])
        #expect(result.status == 1)
        let line = try #require(result.line(for: "hash-file"), "\(result.stdout)")
        #expect(line.contains("failed"), "\(line)")
        #expect(result.line(for: "close-fds")?.contains("closed 0 ") == false)
    }

    @Test func fdLeakStarvesTheOthers() throws {
        // A known descriptor limit: the machine's may be above fd-leak's cap.
        let result = try BulkheadBinary.threadMode(["file-roundtrip", "fd-leak"], openFiles: 4096)
        #expect(result.status == 1)
        #expect(result.line(for: "fd-leak")?.contains("open refused after") == true, "\(result.stdout)")
        #expect(result.line(for: "file-roundtrip")?.contains("Too many open files") == true, "\(result.stdout)")
    }

    @Test func resourceFaultsStopOnlyAtTheirSafetyCaps() throws {
        let result = try BulkheadBinary.threadMode(["fork-bomb:100", "memory-hog:256"])
        #expect(result.status == 1)
        #expect(result.line(for: "fork-bomb:100")?.contains("started 100 processes and nothing refused them") == true, "\(result.stdout)")
        #expect(result.line(for: "memory-hog:256")?.contains("took 256 MiB and nothing stopped it") == true, "\(result.stdout)")
    }
}

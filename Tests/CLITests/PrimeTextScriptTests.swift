import Foundation
import Testing

/// scripts/prime-text reloads an executable's page cache in 2 MiB pages; it must never change the file and
/// must refuse what is not a file.
@Suite struct PrimeTextScriptTests {
    private var script: String { CLI.packageDirectory + "/scripts/prime-text" }

    @Test func leavesTheExecutableAsItWasAndRunnable() throws {
        let copy = CLI.temporaryPath("probe")
        defer { unlink(copy) }
        try FileManager.default.copyItem(atPath: CLI.probe, toPath: copy)
        let before = try Data(contentsOf: URL(fileURLWithPath: copy))
        let primed = try CLI.run(script, [copy])
        #expect(primed.status == 0, "\(primed.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == before)
        #expect(try CLI.run(copy, ["exit", "7"]).status == 7)
    }

    @Test func refusesMissingFilesAndMisuse() throws {
        #expect(try CLI.run(script, []).status == 2)
        #expect(try CLI.run(script, ["/nonexistent/bulkhead"]).status == 2)
        #expect(try CLI.run(script, ["/tmp"]).status == 2)
    }
}

import Testing

@testable import BulkheadPolicy

/// `report: true` on errno rules and `seccomp.mode`: parsed with located errors, kept through `extends`,
/// the printer and the cache's codec.
@Suite struct ReportAndWatchKeysTests {
    static let policy = """
        version: 1
        seccomp:
          default: kill
          mode: watch
          allow: [read]
          rules:
            - { syscall: socket, action: errno EACCES, report: true }
            - { syscall: mkdir, action: errno EPERM }

        """

    @Test func bothKeysAreRead() {
        let p = mustLoad(Self.policy)
        #expect(p.seccomp?.mode == .watch)
        #expect(p.seccomp?.rules.first { $0.syscall == "socket" }?.report == true)
        #expect(p.seccomp?.rules.first { $0.syscall == "mkdir" }?.report == false)
        #expect(mustLoad("version: 1\nseccomp: { default: kill }\n").seccomp?.mode == .enforce)
    }

    @Test func printerAndCodecKeepThem() throws {
        let p = mustLoad(Self.policy)
        #expect(try PolicyLoader.load(text: PolicyPrinter.yaml(p), file: "x") == p)
        #expect(PolicyCodec.decode(PolicyCodec.encode(p)) == p)
    }

    @Test func aChildLayerSetsTheModeAndKeepsReports() {
        let child = mustLoad("version: 1\nextends: strict\nseccomp:\n  mode: watch\n")
        #expect(child.seccomp?.mode == .watch)
        let plain = mustLoad("version: 1\nextends: strict\n")
        #expect(plain.seccomp?.mode == .enforce)
    }

    @Test func reportOnARuleThatIsNotErrnoIsALocatedError() throws {
        let error = try #require(loadError("version: 1\nseccomp:\n  rules:\n    - { syscall: ptrace, action: kill, report: true }\n"))
        #expect(error.hasPrefix("p.yaml:4:"), "\(error)")
        #expect(error.contains("errno rules only"), "\(error)")
    }

    @Test func aReportThatIsNotABoolAndAnUnknownModeAreLocatedErrors() throws {
        let text = "version: 1\nseccomp:\n  rules:\n    - { syscall: socket, action: errno EPERM, report: yes please }\n"
        let report = try #require(loadError(text))
        #expect(report.hasPrefix("p.yaml:4:"), "\(report)")
        let mode = try #require(loadError("version: 1\nseccomp:\n  mode: wathc\n"))
        #expect(mode.hasPrefix("p.yaml:3:9:"), "\(mode)")
        #expect(mode.contains("watch"), "\(mode)")
    }
}

@Suite struct WatchModeLintTests {
    @Test func watchModeIsFoundLikeNoFilter() throws {
        let lint = try PolicyLinter.lint(mustLoad(ReportAndWatchKeysTests.policy), sources: [])
        #expect(lint.findings.contains { $0.rule == "seccomp-none" }, "\(lint.findings.map(\.rule))")
        let enforced = try PolicyLinter.lint(mustLoad("version: 1\nextends: strict\n"), sources: [])
        #expect(!enforced.findings.contains { $0.rule == "seccomp-none" })
    }
}

import BulkheadSystem
import SystemPackage
import ArgumentParser
import Bulkhead
import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

/// `bulkhead audit`: runs the probe battery under a policy and holds the policy to its `audit:`
/// promises. Every decision is the library's (`AuditRunner`, `AuditJudge`); this parses and renders.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Run the escape-probe battery under a policy and check what it promises.",
        discussion: """
        Each probe tries one thing a hostile task would try, in its own sandboxed child under the policy, \
        as many at a time as there are CPUs. The table gives each probe's verdict (blocked, escaped, not \
        applicable here) and the layer that stopped it, found from how the probe ended. The policy's \
        `audit:` section says what it promises (every probe blocked, except those it lists with a reason). \
        Exit 0 when every promise holds, 1 when one does not, 125 on a bad policy or bad arguments, 128+N when \
        stopped by signal N. Probes, layers and report formats: docs/audit.md.
        """)

    @Option(help: "A shipped policy name, or a policy file (./strict for a file of that name).") var policy: String?
    @Option(help: ArgumentHelp("Only the probes whose id matches (* and ?; several patterns separated by commas).", valueName: "glob"))
    var probe: String?
    @Option(help: ArgumentHelp("Also write a JUnit XML report to this file.", valueName: "file")) var junit: String?
    @Option(help: ArgumentHelp("Also write a JSON report to this file (schema: docs/audit.md).", valueName: "file")) var json: String?
    @Option(help: ArgumentHelp("Also write a SARIF 2.1.0 report (code scanning): one result per broken promise, at the policy file.",
                               valueName: "file"))
    var sarif: String?
    @Flag(help: "Print the probe ids, families and what each tries, and exit.") var list = false

    func run() throws {
        if list {
            for probe in AuditCatalog.probes { print("\(probe.id)  \(probe.family.rawValue)  \(probe.tries)") }
            return
        }
        guard let policy else { throw CLIError("audit needs --policy NAME or FILE") }
        var probes = AuditCatalog.probes
        if let probe {
            probes = AuditCatalog.matching(probe)
            guard !probes.isEmpty else { throw CLIError("no probe matches '\(probe)' (bulkhead audit --list prints them)") }
        }
        for path in [junit, json, sarif].compactMap({ $0 }) { try Self.checkWritable(path) }
        let loaded = try PolicySource.load(policy).0.policy
        let executable = (ExecutablePath.directory() ?? ".") + "/bulkhead-probe"
        guard access(executable, X_OK) == 0 else {
            throw CLIError("the probe \(executable) is missing: build the whole package (scripts/setup)")
        }
        let progress: (@Sendable (Int, Int, String) -> Void)? = isatty(2) == 1 ? Self.showProgress : nil
        let runner = AuditRunner(policy: loaded, probe: executable)
        let cache = FilterCache.forCurrentUser()
        let report: AuditReport
        do throws(AuditError) {
            report = try runner.run(probes, filterCache: cache, progress: progress)
        } catch {
            if progress != nil { FileHandleStderr.write("\r\u{1b}[K") }
            if let signal = error.signal {
                FileHandleStderr.write("bulkhead: \(error.description)\n")
                throw ExitCode(128 + signal)
            }
            throw CLIError(error.description)
        }
        if progress != nil { FileHandleStderr.write("\r\u{1b}[K") }
        for warning in report.warnings { FileHandleStderr.write("bulkhead: warning: \(warning)\n") }
        print(report.table, terminator: "")
        do {
            if let junit { try AtomicFile.write(report.junit, to: junit) }
            if let json { try AtomicFile.write(report.json.rendered(), to: json) }
            if let sarif { try AtomicFile.write(report.sarif(policyURI: policy, line: Self.auditLine(policy)).rendered(), to: sarif) }
        } catch {
            throw CLIError("cannot write the report: \(error)")
        }
        throw ExitCode(report.promisesHold ? 0 : 1)
    }

    /// The line of the policy file's top-level `audit:` key, where SARIF results point; 1 without one
    /// (or for a shipped policy, which has no file here).
    private static func auditLine(_ argument: String) -> Int {
        guard case .file(let path) = PolicyReference.of(argument),
              let bytes = try? FileContents.readFile(path, limit: 1 << 20) else { return 1 }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        return (lines.firstIndex { $0.hasPrefix("audit:") } ?? 0) + 1
    }

    /// One line on the terminal, rewritten as each probe ends.
    @Sendable private static func showProgress(done: Int, total: Int, id: String) {
        FileHandleStderr.write("\r\u{1b}[K[\(done)/\(total)] \(id)")
    }

    /// A report goes to an existing folder where this process can make a file, tried (a file made and
    /// removed at once) before the battery runs, so that a bad path costs nothing and leaves nothing.
    private static func checkWritable(_ path: String) throws {
        guard !path.isEmpty else { throw CLIError("a report needs a file name") }
        let folder = Paths.directory(of: path)
        var info = stat()
        guard stat(folder, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw CLIError("cannot write \(path): the folder \(folder) does not exist")
        }
        if stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { throw CLIError("cannot write \(path): it is a folder") }
        var template = Array((folder + "/.bulkhead-audit-XXXXXX").utf8CString)
        // mkstemp: no other thread runs yet that could inherit the descriptor before it is closed.
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw CLIError("cannot write \(path): the folder \(folder) takes no new file (\(Errno.current.text))")
        }
        close(fd)
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    }
}

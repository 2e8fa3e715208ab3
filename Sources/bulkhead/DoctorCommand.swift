import BulkheadSystem
import SystemPackage
import ArgumentParser
import Bulkhead
import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

/// `bulkhead doctor`: prints what `HostCheck` found, one line per finding, and whether each shipped
/// policy can run here as this user. Every decision is the library's; this only renders.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check what this machine and this user offer bulkhead, and whether the shipped policies can run.",
        discussion: """
        One line per finding (state, name, what was found, what it means for which policy keys), then a \
        verdict per shipped policy, decided by planning it and launching /bin/true under it. Exit 0 when \
        every shipped policy can run here as this user, 1 when one cannot, 125 on bad arguments.
        """)

    @Option(help: ArgumentHelp("Also write the findings as JSON to this file ('-': stdout, instead of the text).", valueName: "file"))
    var json: String?

    func validate() throws {
        if let json, json.isEmpty { throw ValidationError("--json needs a file name, or '-' for stdout") }
    }

    func run() throws {
        let report = HostCheck.run()
        if json != "-" { printText(report) }
        if json == "-" {
            try writeStandardOutput(report.json.rendered())
        } else if let json {
            do { try AtomicFile.write(report.json.rendered(), to: json) } catch {
                throw CLIError("cannot write \(error)")
            }
        }
        throw ExitCode(report.exitCode)
    }

    /// Straight into descriptor 1: reopening it by path (/dev/stdout) is refused when it is a pipe
    /// another uid made (setpriv as nobody under a root parent: EACCES).
    private func writeStandardOutput(_ text: String) throws {
        var rest = Array(text.utf8)[...]
        while !rest.isEmpty {
            let written = rest.withUnsafeBytes { Glibc.write(1, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw CLIError("cannot write the JSON to stdout: \(Errno.current.text)")
            }
            rest = rest.dropFirst(written)
        }
    }

    private func printText(_ report: HostReport) {
        let kernel = report.kernel, process = report.process
        print("kernel: Linux \(kernel.release) (\(kernel.architecture))")
        let width = HostFinding.State.allCases.map(\.rawValue.count).max() ?? 0
        for finding in report.findings {
            let state = finding.state.rawValue.padding(to: width)
            let keys = finding.policyKeys.isEmpty ? "" : " [\(finding.policyKeys.joined(separator: ", "))]"
            print("\(state)  \(finding.name): \(finding.detail) -- \(finding.meaning)\(keys)")
        }
        for verdict in report.policies {
            let trial = verdict.trialCommand.map { " (planned, and \($0) launched under it)" } ?? " (planned; no /bin/true to launch)"
            if verdict.canRun {
                print("policy \(verdict.name): can run here as uid \(process.effectiveUID)\(trial)")
            } else {
                print("policy \(verdict.name): CANNOT run here as uid \(process.effectiveUID): "
                      + (verdict.error ?? "unknown reason").split(separator: "\n").joined(separator: "\n  "))
            }
            for warning in verdict.warnings { print("  warning: \(warning)") }
        }
        print("summary: \(report.summary)")
    }
}

private extension String {
    func padding(to width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}

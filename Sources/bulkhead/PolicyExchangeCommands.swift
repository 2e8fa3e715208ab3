import ArgumentParser
import Bulkhead
import BulkheadPolicy
import BulkheadSystem
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// `bulkhead policy export` and `bulkhead policy import`: OCI seccomp profiles, both ways. What one side
/// cannot carry goes to stderr, never silently away (docs/oci.md).
extension PolicyCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write the policy's seccomp filter as an OCI seccomp profile (Docker, Podman, runc, Kubernetes).",
            discussion: """
                The profile holds the rules Bulkhead's filter is compiled from. What a seccomp profile cannot carry \
                (capabilities, limits, namespaces, file system, network, user, environment) is listed on stderr as \
                'not exported: ...'. Exit 125 when the policy does not load or installs no filter. Mapping: docs/oci.md.
                """)
        @Option(help: "The format to write: oci (the only one).") var format: ExportFormat
        @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file")) var output: String?
        @Flag(help: "Replace the output file when it exists.") var force = false
        @Argument(help: "A shipped policy name (always the shipped policy), or a policy file (./strict for a file of that name).")
        var policy: String

        enum ExportFormat: String, ExpressibleByArgument, CaseIterable { case oci }

        func run() throws {
            let loaded = try PolicySource.load(policy).0.policy
            let export: OCIProfileExport?
            do { export = try OCIProfileExporter.export(loaded) } catch {
                throw CLIError("\(policy): cannot compile the seccomp filter: \(error)")
            }
            guard let export else {
                throw CLIError("\(policy): the policy installs no seccomp filter (seccomp: none): there is no profile to export")
            }
            try ExchangeOutput.write(export.profile.rendered(), to: output, force: force)
            for line in export.notExported { FileHandleStderr.write("bulkhead: not exported: \(line)\n") }
            for note in export.notes { FileHandleStderr.write("bulkhead: note: \(note)\n") }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Write the policy equivalent to an OCI seccomp profile (JSON) as a commented policy file.",
            discussion: """
                What the profile says that a policy carries differently is named on stderr with its FILE:LINE:COL. \
                A profile that would become more permissive is refused (exit 125), and nothing is written: an action \
                or operator Bulkhead cannot express, a syscall this machine's libseccomp does not know in an entry \
                that refuses it, a file that is not JSON or is larger than 4 MiB. Mapping: docs/oci.md.
                """)
        @Argument(help: "The profile, a JSON file.") var profile: String
        @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file")) var output: String?
        @Flag(help: "Replace the output file when it exists.") var force = false

        func run() throws {
            let imported: OCIProfileImport
            do throws(PolicyError) {
                imported = try OCIProfileImport.read(path: profile)
                try imported.checkCompiles()
            } catch {
                throw CLIError(located: error.description)
            }
            let base = profile.split(separator: "/").last.map(String.init) ?? profile
            let name = base.hasSuffix(".json") ? String(base.dropLast(5)) : base
            let text = imported.yaml(name: name.isEmpty ? "imported" : name)
            // The text must load as it is written: a policy that does not load is not written at all.
            do throws(PolicyError) { _ = try PolicyLoader.load(text: text, file: output ?? "<stdout>") } catch {
                throw CLIError("the imported policy does not load (a bug; please report it): \(error)")
            }
            try ExchangeOutput.write(text, to: output, force: force)
            for warning in imported.warnings { FileHandleStderr.write(warning + "\n") }
        }
    }
}

/// Where export and import write: stdout, or a file that is not replaced unless `--force` says so.
enum ExchangeOutput {
    static func write(_ text: String, to path: String?, force: Bool) throws {
        guard let path else {
            do throws(Errno) { try FileContents.write(text.utf8, to: 1) } catch {
                throw CLIError("cannot write to stdout: \(error.text)")
            }
            return
        }
        var info = stat()
        if !force, lstat(path, &info) == 0 { throw CLIError("\(path) exists: not replaced without --force") }
        do throws(FileWriteError) { try AtomicFile.write(text, to: path) } catch {
            throw CLIError("cannot write \(error)")
        }
    }
}

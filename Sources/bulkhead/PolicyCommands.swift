import ArgumentParser
import Bulkhead
import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Check, show, compile and lint policy files; export and import OCI seccomp profiles.",
        subcommands: [Check.self, Show.self, Compile.self, Groups.self, Lint.self, Export.self, Import.self, Learn.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate a policy file: exit 0 when it is valid, 125 with located errors when not.")
        @Argument(help: "A shipped policy name (always the shipped policy), or a policy file (./strict for a file of that name).")
        var file: String

        func run() throws {
            let policy = try PolicySource.load(file).0.policy
            print("\(file): ok (\(policy.name ?? "unnamed"))")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Print the fully resolved policy (after extends and group expansion) as YAML.")
        @Argument(help: "A shipped policy name (always the shipped policy), or a policy file (./strict for a file of that name).")
        var file: String

        func run() throws {
            let policy = try PolicySource.load(file).0.policy
            print(PolicyPrinter.yaml(policy), terminator: "")
        }
    }

    struct Compile: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "compile",
            abstract: "Print the policy's seccomp filter as libseccomp pseudo-filter code, or raw BPF with --bpf.")
        @Argument(help: "A shipped policy name (always the shipped policy), or a policy file (./strict for a file of that name).")
        var file: String
        @Flag(name: .long, help: "Write the raw BPF program (struct sock_filter[]) to stdout.") var bpf = false

        func run() throws {
            let policy = try PolicySource.load(file).0.policy
            guard let seccomp = policy.seccomp else { throw CLIError("\(file): the policy installs no seccomp filter") }
            do {
                if bpf {
                    let program = try SeccompCompiler.compile(seccomp).bpf
                    program.withUnsafeBytes { bytes in _ = write(1, bytes.baseAddress, bytes.count) }
                } else {
                    print(try SeccompCompiler.pseudoCode(seccomp), terminator: "")
                }
            } catch {
                throw CLIError("\(file): cannot compile the seccomp filter: \(error)")
            }
        }
    }

    struct Groups: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "groups",
            abstract: "List the syscall groups (@name) policies can use.")
        @Flag(name: .long, help: "Also list each group's syscalls.") var verbose = false

        func run() throws {
            for group in SyscallGroups.all {
                print(group.name + String(repeating: " ", count: max(1, 19 - group.name.count)) + group.summary)
                if verbose { print("    " + group.members.joined(separator: " ")) }
            }
        }
    }

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lint",
            abstract: """
                Report what a policy leaves open: findings with a stable id, a severity, a line and a fix, and an \
                exposure score from 0 (tight) to 10 (open).
                """,
            discussion: """
                Exit codes: 0 when no finding is at or above --fail-on, 1 when one is, 125 when the policy does not \
                load (with the located error). The rules, severities and the score table are in docs/lint.md.
                """)
        @Argument(help: "A shipped policy name (always the shipped policy), or a policy file (./strict for a file of that name).")
        var file: String
        @Option(name: .long, help: "text, json or sarif (SARIF 2.1.0, for code scanning).")
        var format: LintFormat = .text
        @Option(name: .customLong("fail-on"), help: "The lowest severity that makes the exit code 1: error, warning, note, or never.")
        var failOn: LintThreshold = .error

        enum LintFormat: String, ExpressibleByArgument, CaseIterable { case text, json, sarif }

        enum LintThreshold: String, ExpressibleByArgument, CaseIterable {
            case error, warning, note, never

            var severity: LintSeverity? { LintSeverity(rawValue: rawValue) }
        }

        func run() throws {
            let lint: PolicyLint
            do throws(PolicyError) { lint = try PolicyLinter.lint(PolicyReference(argument: file)) } catch {
                throw CLIError(located: error.description)
            }
            switch format {
            case .text: print(LintReport.text(lint), terminator: "")
            case .json: print(LintReport.json(lint).rendered(), terminator: "")
            case .sarif: print(LintSARIF.document(lint).rendered(), terminator: "")
            }
            if let threshold = failOn.severity, lint.hasFinding(atLeast: threshold) { throw ExitCode(1) }
        }
    }
}

import ArgumentParser
import Bulkhead
import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command under a policy and report how it ended.",
        discussion: "Without --policy the embedded default policy applies. Use -- before the command.")

    @Option(name: .long, help: "Policy file (YAML or JSON), or the name of a shipped policy (default, strict).")
    var policy: String?

    @Option(name: .long, help: "Wall-clock limit such as 10s or 1.5m; overrides limits.wall.")
    var timeout: String?

    @Option(name: .long, help: "Write the outcome as JSON to this file (atomically).")
    var report: String?

    @Flag(name: .long, help: "Do not print the one-line summary to stderr.")
    var quiet = false

    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.")
    var command: [String] = []

    func run() throws {
        var arguments = command
        if arguments.first == "--" {
            arguments.removeFirst()
        } else if let first = arguments.first, first.hasPrefix("-") {
            // Passthrough capture also swallows a mistyped option before the command.
            throw CLIError("unknown option '\(first)' (put -- before a command that starts with '-')")
        }
        guard !arguments.isEmpty else { throw CLIError("no command given: bulkhead run [--policy FILE] -- COMMAND [ARGS...]") }
        let (loaded, source) = try PolicySource.load(policy)
        var options = RunOptions(stopSignals: StopSignals.all, sweepOrphans: OrphanSweeper.adoptOrphans())
        if let timeout {
            switch Units.parseDuration(timeout) {
            case .success(let seconds) where seconds > 0: options.timeout = seconds
            case .success: throw CLIError("--timeout \(timeout): must be more than zero")
            case .failure(let error): throw CLIError("--timeout \(timeout): \(error.message) (\(Units.durationHint))")
            }
        }
        // The task may run as our uid: keep it from ptracing or reading the supervisor (pitfall 14).
        SupervisorHardening.makeNonDumpable()
        let environment = ProcessEnvironment.current()
        let plan: SandboxPlan
        let result: RunResult
        do {
            plan = try SandboxPlan(policy: loaded, launcherEnvironment: environment, filterCache: FilterCache.forCurrentUser(environment: environment))
            result = try plan.run(arguments, options: options)
        } catch {
            throw CLIError(error.description)
        }
        if !quiet {
            for warning in result.warnings { FileHandleStderr.write("bulkhead: warning: \(warning)\n") }
            FileHandleStderr.write("bulkhead: \(OutcomeText.summary(result))\n")
        }
        if let report {
            do {
                try RunReport(result: result, policy: loaded, policySource: source, command: arguments).write(to: report)
            } catch {
                FileHandleStderr.write("bulkhead: error: cannot write report \(report): \(error)\n")
                throw ExitCode(ExitCodes.launcherFailed)
            }
        }
        throw ExitCode(result.exitCode)
    }
}

/// Finds the policy a command names: a file path, else a shipped policy, else the embedded default.
enum PolicySource {
    static func load(_ name: String?) throws -> (Policy, String) {
        guard let name else { return (try shipped("default"), "embedded:default") }
        if access(name, F_OK) != 0, ShippedPolicies.names.contains(name) {
            return (try shipped(name), "embedded:\(name)")
        }
        do { return (try PolicyLoader.load(path: name), name) } catch { throw CLIError(error.description, prefixed: false) }
    }

    private static func shipped(_ name: String) throws -> Policy {
        do { return try PolicyLoader.loadShipped(name: name) } catch { throw CLIError(error.description, prefixed: false) }
    }
}

/// A refusal of bulkhead itself: printed as it is, exit code 125.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String, prefixed: Bool = true) {
        description = prefixed && !message.hasPrefix("error:") ? "error: " + message : message
    }
}

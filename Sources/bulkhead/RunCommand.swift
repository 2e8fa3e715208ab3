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

    @Option(name: .long, help: """
        A shipped policy by name (default, strict, tasks) or a policy file (YAML or JSON). A shipped name \
        always means the shipped policy, even when a file of that name exists: write ./strict for the file.
        """)
    var policy: String?

    @Option(name: .long, help: "Wall-clock limit such as 10s or 1.5m; overrides limits.wall.")
    var timeout: String?

    @Option(name: .long, help: "Write the outcome as JSON to this file (replaced atomically), FIFO or character device (e.g. /dev/stdout).")
    var report: String?

    @Flag(name: .long, help: "Do not print the one-line summary to stderr.")
    var quiet = false

    @Flag(name: .long, help: "Before the task starts, print to stderr which policy applies and where it came from.")
    var verbose = false

    @Flag(name: .long, help: "Leave the run's scratch directory (filesystem.scratch) in place; the report names it.")
    var keepScratch = false

    @Flag(name: .long, help: """
        Refuse nothing: let every call the seccomp policy would refuse through, and report each (seccomp.mode: watch).
        """)
    var watch = false

    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.")
    var command: [String] = []

    /// The same invocation `RunInvocation.parseFast` makes of the same arguments.
    var invocation: RunInvocation {
        RunInvocation(policy: policy, timeout: timeout, report: report, quiet: quiet, verbose: verbose, keepScratch: keepScratch,
                      watch: watch, command: Self.commandBytes(command))
    }

    func run() throws {
        throw ExitCode(try invocation.execute())
    }

    /// The captured command as the bytes bulkhead was given. ArgumentParser hands it over as Strings,
    /// which have repaired any byte that is not UTF-8; but passthrough capture takes everything from
    /// where it starts to the end, so the same arguments are the tail of the raw argv.
    static func commandBytes(_ command: [String]) -> [[UInt8]] {
        let tail = Array(RawArguments.current().suffix(command.count))
        if tail.count == command.count,
           zip(tail, command).allSatisfy({ String(decoding: $0, as: UTF8.self).utf8.elementsEqual($1.utf8) }) {
            return tail
        }
        // Not the tail after all (no form of `run` is known to do that): the Strings are what was parsed.
        return command.map { Array($0.utf8) }
    }
}

/// One `bulkhead run`, however its arguments were parsed.
struct RunInvocation: Equatable {
    var policy: String?
    var timeout: String?
    var report: String?
    var quiet = false
    var verbose = false
    var keepScratch = false
    var watch = false
    /// Bytes, not Strings: the task gets exactly what bulkhead was given (see `RawArguments`).
    var command: [[UInt8]] = []

    /// The common forms of `bulkhead run` parsed by hand: ArgumentParser's reflection costs about a
    /// millisecond at start-up, more than the whole sandboxed launch. Anything unusual (help, an unknown
    /// or malformed option) returns nil and goes through ArgumentParser, which explains the problem.
    /// `RunCommandParsingTests` (CLITests) gives both parsers the same forms and compares what they make.
    /// Looks at bytes, not Characters: grapheme breaking is cold code a launch need not page in.
    static func parseFast(_ arguments: ArraySlice<[UInt8]>) -> RunInvocation? {
        func isOption(_ argument: [UInt8]) -> Bool { argument.first == UInt8(ascii: "-") }
        var invocation = RunInvocation()
        var rest = arguments
        while let argument = rest.first {
            if argument.elementsEqual("--".utf8) || !isOption(argument) || argument.elementsEqual("-".utf8) {
                invocation.command = Array(rest)
                return invocation
            }
            rest.removeFirst()
            if argument.elementsEqual("--quiet".utf8) { invocation.quiet = true; continue }
            if argument.elementsEqual("--verbose".utf8) { invocation.verbose = true; continue }
            if argument.elementsEqual("--keep-scratch".utf8) { invocation.keepScratch = true; continue }
            if argument.elementsEqual("--watch".utf8) { invocation.watch = true; continue }
            let name: ArraySlice<UInt8>, value: String
            if let equals = argument.firstIndex(of: UInt8(ascii: "=")) {
                name = argument[..<equals]
                value = String(decoding: argument[(equals + 1)...], as: UTF8.self)
            } else {
                guard let next = rest.first, !isOption(next) else { return nil }
                name = argument[...]
                value = String(decoding: next, as: UTF8.self)
                rest.removeFirst()
            }
            if name.elementsEqual("--policy".utf8) {
                invocation.policy = value
            } else if name.elementsEqual("--timeout".utf8) {
                invocation.timeout = value
            } else if name.elementsEqual("--report".utf8) {
                invocation.report = value
            } else {
                return nil
            }
        }
        return invocation
    }

    /// - Returns: the exit code for bulkhead: the task's, or what its ending maps to.
    func execute() throws -> Int32 {
        var arguments = command
        if let first = arguments.first, first.elementsEqual("--".utf8) {
            arguments.removeFirst()
        } else if let first = arguments.first, first.elementsEqual("--help".utf8) || first.elementsEqual("-h".utf8) {
            throw CleanExit.helpRequest(RunCommand.self)
        } else if let first = arguments.first, first.first == UInt8(ascii: "-") {
            // Passthrough capture also swallows a mistyped option before the command.
            throw CLIError("unknown option '\(ArgumentText.escaped(first))' (put -- before a command that starts with '-')")
        }
        guard !arguments.isEmpty else { throw CLIError("no command given: bulkhead run [--policy FILE] -- COMMAND [ARGS...]") }
        let prepared: PreparedRun
        var request = RunRequest(policy: policy, timeout: timeout)
        request.keepsScratch = keepScratch
        request.watch = watch
        do throws(RunRequestError) { prepared = try request.prepare() } catch {
            throw CLIError(error)
        }
        // The process ends with exit(), which runs no deinitialisers: let go of the plan's cgroup slots here.
        defer { prepared.close() }
        // Resolved only when shown: realpath costs path walks a quiet launch need not pay.
        let source = report != nil || verbose ? prepared.reference.source : ""
        if verbose { FileHandleStderr.write("bulkhead: policy \(prepared.policy.name ?? "(unnamed)") from \(source)\n") }
        if !quiet { for note in prepared.notes { FileHandleStderr.write("bulkhead: warning: \(note)\n") } }
        let result: RunResult
        do { result = try prepared.run(arguments) } catch { throw CLIError(error.description) }
        if !quiet {
            for warning in result.warnings { FileHandleStderr.write("bulkhead: warning: \(warning)\n") }
            for event in result.violations { FileHandleStderr.write("bulkhead: violation: \(event.line)\n") }
            FileHandleStderr.write("bulkhead: \(OutcomeText.summary(result))\n")
            if let scratch = result.access?.scratch, scratch.kept {
                FileHandleStderr.write("bulkhead: scratch directory kept: \(scratch.path)\n")
            }
        }
        if let cleanupError = result.cleanupError {
            FileHandleStderr.write("bulkhead: error: part of the task may still be running: \(cleanupError)\n")
        }
        if let report {
            do {
                try RunReport(result: result, policy: prepared.policy, policySource: source, command: arguments).write(to: report)
            } catch {
                FileHandleStderr.write("bulkhead: error: cannot write report \(report): \(error.reason)\n")
                return ExitCodes.launcherFailed
            }
        }
        return result.exitCode
    }
}

/// The policy a command names (`PolicyReference`), with a policy error turned into the CLI's refusal.
enum PolicySource {
    static func load(_ argument: String?, cache: PolicyCache? = nil,
                     artifact: PolicyArtifact? = nil) throws -> (CachedPolicy, PolicyReference) {
        let reference = PolicyReference.of(argument)
        do throws(PolicyError) { return (try reference.load(cache: cache, artifact: artifact), reference) } catch {
            throw CLIError(located: error.description)
        }
    }
}

extension CLIError {
    /// A request's refusal: a policy error keeps its location at the start of the line.
    init(_ error: RunRequestError) {
        if case .policy(let policyError) = error { self.init(located: policyError.description) } else { self.init(error.description) }
    }
}

/// A refusal of bulkhead itself: printed on stderr, exit code 125.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    /// A located policy error ("FILE:LINE:COL: error: ...") is printed exactly so, at the start of the
    /// line, the form editors and CI log parsers recognise; other messages get a "bulkhead: " prefix.
    let located: Bool

    init(_ message: String) {
        description = message.hasPrefix("error:") ? message : "error: " + message
        located = false
    }

    init(located message: String) {
        description = message
        located = true
    }

    var line: String { located ? description : "bulkhead: " + description }
}

import ArgumentParser
import Bulkhead
import BulkheadPolicy
import BulkheadSystem
#if canImport(Glibc)
import Glibc
#endif

/// `bulkhead policy learn`: a policy from what a run did (README, "Learning a policy").
extension PolicyCommand {
    struct Learn: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "learn",
            abstract: "Run a command and write the policy that allows what it did, and nothing else.",
            discussion: """
                Every process and thread of the command is watched through seccomp user notification; the policy \
                written holds each system call the run made (in @groups where a whole group was used, with \
                conditions on clone, socket and open), the file-system grants it saw as a commented-out proposal, \
                and its evidence, which --merge reads back. Exit code: the command's; when it failed, the policy \
                it observed is still written and stderr says so. 125 when bulkhead refuses (an existing --output \
                without --force, a --merge file that is not a learned policy): nothing is written then.
                """)
        @Option(name: .shortAndLong, help: ArgumentHelp("The policy file to write.", valueName: "file")) var output: String
        @Option(help: ArgumentHelp("""
            The shipped policy the learned one extends and stays within (\(ShippedPolicies.names.joined(separator: ", "))): \
            the run is judged by it, and its other sections apply. Default: none (everything allowed while learning).
            """, valueName: "name")) var base: String?
        @Option(help: ArgumentHelp("A policy learned before: its evidence is added to this run's.", valueName: "file")) var merge: String?
        @Flag(help: "Replace the output file when it exists.") var force = false
        @Option(help: "Wall-clock limit such as 10s or 1.5m.") var timeout: String?
        @Argument(parsing: .captureForPassthrough, help: "The command and its arguments, after --.") var command: [String] = []

        func run() throws {
            var arguments = RunCommand.commandBytes(command)
            if arguments.first?.elementsEqual("--".utf8) == true { arguments.removeFirst() }
            guard !arguments.isEmpty else { throw CLIError("no command given: bulkhead policy learn --output FILE -- COMMAND [ARGS...]") }
            var info = stat()
            // Before the run: a refusal must come before the command has done anything.
            if !force, lstat(output, &info) == 0 { throw CLIError("\(output) exists: not replaced without --force") }
            let earlier = try merge.map(Self.evidence(in:))
            if let base, !ShippedPolicies.names.contains(base) {
                throw CLIError("--base \(base): not a shipped policy (\(ShippedPolicies.names.joined(separator: ", ")))")
            }
            if let earlier, let base, earlier.base != base {
                throw CLIError("--merge \(merge ?? ""): learned with base \(earlier.base ?? "none"), not \(base)")
            }
            let baseName = base ?? earlier?.base
            let basePolicy: Policy
            do throws(PolicyError) { basePolicy = try PolicyLearning.base(named: baseName) } catch {
                throw CLIError(located: error.description)
            }
            let seconds: Double?
            do throws(RunRequestError) { seconds = try RunRequest.seconds(timeout) } catch { throw CLIError(error) }
            let result: RunResult
            do { result = try PolicyLearning.run(arguments, base: basePolicy, baseName: baseName, timeout: seconds) } catch {
                throw CLIError(error.description)
            }
            guard var evidence = result.learned, let seccomp = basePolicy.seccomp else {
                throw CLIError("the run ended before its seccomp listener reached bulkhead: nothing was learned")
            }
            if let earlier { evidence.merge(earlier) }
            let (text, notes) = LearnedPolicyText.make(evidence, base: seccomp)
            // The text must load as it is written: a policy that does not load is not written at all.
            do throws(PolicyError) { _ = try PolicyLoader.load(text: text, file: output) } catch {
                throw CLIError("the learned policy does not load (a bug; please report it): \(error)")
            }
            try ExchangeOutput.write(text, to: output, force: force)
            for note in notes { FileHandleStderr.write("bulkhead: note: \(note)\n") }
            for warning in result.warnings { FileHandleStderr.write("bulkhead: warning: \(warning)\n") }
            let count = evidence.syscalls.values.filter { $0.allowed > 0 }.count
            FileHandleStderr.write("bulkhead: learned \(count) system calls; wrote \(output)\n")
            if result.exitCode != 0 {
                FileHandleStderr.write("bulkhead: learn: the run failed (\(OutcomeText.summary(result))): \(output) holds what it did "
                                           + "until then\n")
            }
            if let cleanupError = result.cleanupError {
                FileHandleStderr.write("bulkhead: error: part of the task may still be running: \(cleanupError)\n")
            }
            throw ExitCode(result.exitCode)
        }

        /// The evidence of a learned policy file, or a refusal that says why there is none.
        static func evidence(in path: String) throws -> LearnedEvidence {
            let bytes: [UInt8]
            do throws(FileReadError) { bytes = try FileContents.readFile(path, limit: PolicyLoader.maxFileSize) } catch {
                throw CLIError("--merge \(path): cannot read it: \(error)")
            }
            let evidence: LearnedEvidence?
            do throws(LearnedEvidence.ParseError) { evidence = try LearnedEvidence.parse(String(decoding: bytes, as: UTF8.self)) } catch {
                throw CLIError(located: "\(path):\(error.line):1: error: evidence: \(error.message)")
            }
            guard let evidence else {
                throw CLIError("--merge \(path): not a learned policy (no evidence block; learn one with bulkhead policy learn)")
            }
            return evidence
        }
    }
}

import BulkheadSystem
import ArgumentParser
import Bulkhead
import BulkheadTasks
#if canImport(Glibc)
import Glibc
#endif

@main
struct BulkheadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulkhead",
        abstract: "Run untrusted commands in sandboxed child processes under a policy file.",
        discussion: """
        Exit codes of `bulkhead run`: the task's own code; 128+N when it was killed by signal N (a seccomp \
        violation is 128+31=159); 124 when it timed out; 125 when bulkhead refused or failed (bad policy, bad \
        arguments, a protection that cannot be applied); 126 when the command cannot be executed; 127 when it \
        was not found.
        """,
        subcommands: [RunCommand.self, PolicyCommand.self, TaskCommand.self, DemoCommand.self, BenchCommand.self, DoctorCommand.self,
                      AuditCommand.self, TaskEntryCommand.self])

    /// Parses and runs; every error becomes a message and exit code 125, never a crash.
    static func main() {
        // Blocked before any thread exists, so every later thread inherits the mask and the signals queue
        // for the supervisor's signalfd: bulkhead always lives long enough to kill the task tree.
        StopSignals.block()
        do {
            let arguments = RawArguments.current()
            if arguments.first?.elementsEqual("run".utf8) == true, let invocation = RunInvocation.parseFast(arguments.dropFirst()) {
                Glibc.exit(try invocation.execute())
            }
            // Process mode's child: no ArgumentParser start-up cost, no stop signals held back.
            if arguments.first?.elementsEqual("__task".utf8) == true, arguments.count == 2, let spec = arguments.last,
               spec.first != UInt8(ascii: "-") {
                StopSignals.unblock()
                Glibc.exit(TaskEntryPoint.main(String(decoding: spec, as: UTF8.self)))
            }
            var command = try parseAsRoot()
            // run and audit take stop signals through their supervisors' signalfds (StopSignals).
            if !(command is RunCommand || command is AuditCommand || command is PolicyCommand.Learn) { StopSignals.unblock() }
            try command.run()
        } catch let exit as ExitCode {
            Glibc.exit(exit.rawValue)
        } catch let error as CLIError {
            FileHandleStderr.write(error.line + "\n")
            Glibc.exit(ExitCodes.launcherFailed)
        } catch {
            // Help and --version are "errors" that succeed; usage mistakes are bulkhead refusing: 125.
            if exitCode(for: error) == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            FileHandleStderr.write("bulkhead: " + fullMessage(for: error) + "\n")
            Glibc.exit(ExitCodes.launcherFailed)
        }
    }
}

enum FileHandleStderr {
    static func write(_ text: String) {
        // Nowhere to report a failure to write to stderr.
        try? FileContents.write(text.utf8, to: 2)
    }
}

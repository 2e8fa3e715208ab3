import Bulkhead
import BulkheadPolicy
import Foundation

/// Runs a command under a policy through the library, capturing stdout in a temporary file.
struct Captured {
    var result: RunResult
    var output: String
}

enum TaskRunner {
    static func run(_ arguments: [String], policy: Policy, timeout: Double? = 30,
                    environment: [String: String] = ProcessEnvironment.current()) throws -> Captured {
        let plan = try SandboxPlan(policy: policy, launcherEnvironment: environment)
        let (result, output) = try capture { stdout in try plan.run(arguments, options: RunOptions(timeout: timeout, stdout: stdout)) }
        return Captured(result: result, output: String(bytes: output, encoding: .utf8) ?? "")
    }

    /// Through the byte form of `SandboxPlan.run`, with stdout as the bytes the task wrote.
    static func run(bytes arguments: [[UInt8]], plan: SandboxPlan) throws -> (result: RunResult, output: [UInt8]) {
        try capture { stdout in try plan.run(arguments, options: RunOptions(timeout: 30, stdout: stdout)) }
    }

    private static func capture(_ launch: (Int32) throws -> RunResult) throws -> (RunResult, [UInt8]) {
        let path = NSTemporaryDirectory() + "bulkhead-test-\(UUID().uuidString)"
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        // Readable by a task that runs as another uid.
        fchmod(fd, 0o666)
        defer { close(fd); unlink(path) }
        let result = try launch(fd)
        return (result, [UInt8](FileManager.default.contents(atPath: path) ?? Data()))
    }

    /// A policy with no seccomp filter and nothing else: for testing the launcher itself.
    static func bare() -> Policy {
        var policy = Policy()
        policy.name = "test-bare"
        policy.environment = EnvironmentPolicy(clear: true, set: [EnvironmentVariable(name: "PATH", value: "/usr/bin:/bin")])
        return policy
    }

    static var isRoot: Bool { geteuid() == 0 }

    /// The value of a field such as "CapEff" in /proc/self/status output.
    static func statusField(_ name: String, in text: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            return line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}

import BulkheadPolicy
import Foundation

/// The machine-readable account of one run, as `--report FILE` writes it.
public struct RunReport: Codable, Sendable {
    public struct OutcomeBody: Codable, Sendable {
        public var kind: String
        public var exitCode: Int32?
        public var signal: Int32?
        public var signalName: String?
        public var coreDumped: Bool?
        public var syscall: String?
        public var limit: String?
        public var limitSeconds: Double?
        public var stage: String?
        public var errno: Int32?
        public var errnoName: String?
        public var message: String
    }
    public struct PolicyBody: Codable, Sendable {
        public var name: String?
        public var source: String
    }

    public var outcome: OutcomeBody
    public var usage: Usage
    public var policy: PolicyBody
    public var command: [String]
    /// The exit code bulkhead returned.
    public var bulkheadExitCode: Int32
    public var limitsReached: [String]
    public var interruptedBy: String?
    public var warnings: [String]

    public init(result: RunResult, policy: Policy, policySource: String, command: [String]) {
        self.outcome = Self.body(result.outcome)
        self.usage = result.usage
        self.policy = PolicyBody(name: policy.name, source: policySource)
        self.command = command
        self.bulkheadExitCode = result.exitCode
        self.limitsReached = result.limitsReached.map(\.rawValue)
        self.interruptedBy = result.interruptedBy.map(SignalNames.name(of:))
        self.warnings = result.warnings
    }

    static func body(_ outcome: Outcome) -> OutcomeBody {
        var body = OutcomeBody(kind: outcome.kind, message: OutcomeText.describe(outcome))
        switch outcome {
        case .exited(let code): body.exitCode = code
        case .signaled(let signal, let core):
            body.signal = signal; body.signalName = SignalNames.name(of: signal); body.coreDumped = core
        case .violation(let signal, let syscall):
            body.signal = signal; body.signalName = SignalNames.name(of: signal); body.syscall = syscall
        case .timedOut(let seconds): body.limit = LimitKind.wall.rawValue; body.limitSeconds = seconds
        case .limitExceeded(let kind, let signal):
            body.limit = kind.rawValue; body.signal = signal; body.signalName = signal.map(SignalNames.name(of:))
        case .setupFailed(let stage, let err):
            body.stage = stage.rawValue; body.errno = err; body.errnoName = ErrnoNames.name(of: err)
        }
        return body
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Writes the report whole or not at all: a temporary file in the same directory, then rename(2).
    public func write(to path: String) throws {
        let data = try json()
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        do {
            try data.write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
            }
        } catch {
            unlink(temporary.path)
            throw error
        }
    }
}

/// One-line human descriptions of outcomes.
public enum OutcomeText {
    public static func describe(_ outcome: Outcome) -> String {
        switch outcome {
        case .exited(let code): return "exited with code \(code)"
        case .signaled(let signal, let core):
            return "killed by \(SignalNames.name(of: signal))\(core ? " (core dumped)" : "")"
        case .violation(let signal, let syscall):
            return "killed by \(SignalNames.name(of: signal)): policy violation" + (syscall.map { " (\($0))" } ?? " (a syscall the seccomp filter forbids)")
        case .timedOut(let seconds): return "timed out after \(formatSeconds(seconds)); task tree killed"
        case .limitExceeded(let kind, let signal):
            return "limit exceeded: \(kind.rawValue)" + (signal.map { ", killed by \(SignalNames.name(of: $0))" } ?? "")
        case .setupFailed(let stage, let err):
            let what = stage == .exec ? (err == ENOENT ? "command not found" : "cannot execute the command") : "setup failed at stage \(stage.rawValue)"
            return "\(what): \(ErrnoText.describe(err))"
        }
    }

    static func formatSeconds(_ seconds: Double) -> String {
        seconds < 1 ? "\(Int((seconds * 1000).rounded()))ms" : String(format: "%.3gs", seconds)
    }

    /// "exited with code 0 — wall 12ms, user 1ms, system 2ms, peak RSS 3.1 MiB"
    public static func summary(_ result: RunResult) -> String {
        let usage = result.usage
        var line = describe(result.outcome)
        if let signal = result.interruptedBy { line += " (bulkhead received \(SignalNames.name(of: signal)))" }
        line += " — wall \(formatSeconds(usage.wallSeconds)), user \(formatSeconds(usage.userSeconds)),"
            + " system \(formatSeconds(usage.systemSeconds)), peak RSS "
            + String(format: "%.1f MiB", Double(usage.peakRSSBytes) / 1048576)
        if !result.limitsReached.isEmpty {
            line += "; limits reached: " + result.limitsReached.map(\.rawValue).joined(separator: ", ")
        }
        return line
    }
}

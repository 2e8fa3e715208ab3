import BulkheadSystem
import SystemPackage
import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

/// The machine-readable account of one run, as `--report FILE` writes it.
public struct RunReport: Sendable {
    public var result: RunResult
    public var policyName: String?
    public var policySource: String
    /// The task's argv, byte for byte.
    public var command: [[UInt8]]

    public init(result: RunResult, policy: Policy, policySource: String, command: [[UInt8]]) {
        self.result = result; self.policyName = policy.name; self.policySource = policySource; self.command = command
    }

    public init(result: RunResult, policy: Policy, policySource: String, command: [String]) {
        self.init(result: result, policy: policy, policySource: policySource, command: command.map { Array($0.utf8) })
    }

    public var json: JSONValue {
        let usage = result.usage
        return .object([
            ("outcome", Self.outcome(result.outcome)),
            ("usage", .object([
                ("wallSeconds", .double(usage.wallSeconds)),
                ("userSeconds", .double(usage.userSeconds)),
                ("systemSeconds", .double(usage.systemSeconds)),
                ("peakRSSBytes", .int(usage.peakRSSBytes)),
            ])),
            ("policy", .object([("name", policyName.map(JSONValue.string) ?? .null), ("source", .string(policySource))])),
            // JSON strings are Unicode, arguments are bytes: `command` is text (escaped where an argument
            // is not UTF-8), and only then `commandBytes` gives every argument exactly, in hex.
            ("command", .array(command.map { .string(ArgumentText.escaped($0)) })),
            ("commandBytes", command.allSatisfy { ArgumentText.string($0) != nil }
                ? nil : .array(command.map { .string(ArgumentText.hex($0)) })),
            ("bulkheadExitCode", .int(result.exitCode)),
            ("limitsReached", .array(result.limitsReached.map { .string($0.rawValue) })),
            ("namespaces", .array(result.namespaces.map(JSONValue.string))),
            ("interruptedBy", result.interruptedBy.map { .string(SignalNames.name(of: $0)) }),
            ("warnings", .array(result.warnings.map(JSONValue.string))),
            ("cleanupError", result.cleanupError.map(JSONValue.string)),
            ("access", result.access.map(Self.access)),
            ("violations", .array(result.violations.map(Self.violation))),
            ("watchedCalls", result.policyWatched ? .int(result.watchedCalls) : nil),
        ])
    }

    /// One refused call (`ViolationEvent`): the fields of the terminal line, and the raw ones behind them.
    static func violation(_ event: ViolationEvent) -> JSONValue {
        var fields: [(String, JSONValue?)] = [
            ("syscall", .string(event.syscall)),
            ("number", .int(event.number)),
            ("entry", .string(event.entry.rawValue)),
            // Hex strings: JSON numbers lose 64-bit values in many readers.
            ("arguments", .array(event.arguments.map { .string("0x" + String($0, radix: 16)) })),
            ("decoded", .array(event.decoded.map(JSONValue.string))),
            ("call", .string(event.call)),
            ("pid", event.pid.map { .int($0) }),
            ("tid", event.tid.map { .int($0) }),
            ("hostTid", .int(event.hostTID)),
            ("executable", event.executable.map(JSONValue.string)),
            ("command", event.command.map(JSONValue.string)),
            ("action", .string(event.disposition.name)),
            ("count", .int(event.count)),
        ]
        switch event.disposition {
        case .killed: break
        case .failed(let e): fields.append(("errno", .int(e))); fields.append(("errnoName", ErrnoNames.name(of: e).map(JSONValue.string)))
        case .watched(let action): fields.append(("policyAction", .string(action.description)))
        }
        fields.append(("message", .string(event.line)))
        return .object(fields)
    }

    /// What `filesystem:` and `network:` came to: `landlock` (its ABI and rule count, or null without a
    /// domain of the task's own), the network mode, and the scratch directory when there was one.
    static func access(_ access: AppliedAccess) -> JSONValue {
        .object([
            ("landlock", access.landlockABI.map { .object([("abi", .int(Int32($0))), ("rules", .int(Int32(access.landlockRules)))]) }
                ?? .null),
            ("network", .string(access.network)),
            ("scratch", access.scratch.map { scratch in
                .object([("path", .string(scratch.path)), ("kept", .bool(scratch.kept)),
                         ("removed", .bool(!scratch.kept && scratch.removalError == nil)),
                         ("removalError", scratch.removalError.map(JSONValue.string))])
            }),
        ])
    }

    static func outcome(_ outcome: Outcome) -> JSONValue {
        var fields: [(String, JSONValue?)] = [("kind", .string(outcome.kind))]
        func signal(_ number: Int32) {
            fields.append(("signal", .int(number)))
            fields.append(("signalName", .string(SignalNames.name(of: number))))
        }
        switch outcome {
        case .exited(let code): fields.append(("exitCode", .int(code)))
        case .signaled(let number, let core): signal(number); fields.append(("coreDumped", .bool(core)))
        case .violation(let number, let syscall): signal(number); fields.append(("syscall", syscall.map(JSONValue.string)))
        case .timedOut(let seconds):
            fields.append(("limit", .string(LimitKind.wall.rawValue))); fields.append(("limitSeconds", .double(seconds)))
        case .limitExceeded(let kind, let number):
            fields.append(("limit", .string(kind.rawValue)))
            if let number { signal(number) }
        case .setupFailed(let stage, let err):
            fields.append(("stage", .string(stage.rawValue)))
            fields.append(("errno", .int(err.rawValue)))
            fields.append(("errnoName", err.name.map(JSONValue.string)))
        }
        fields.append(("message", .string(OutcomeText.describe(outcome))))
        return .object(fields)
    }

    /// Writes the report whole or not at all.
    public func write(to path: String) throws(AtomicFile.WriteError) {
        try AtomicFile.write(json.rendered(), to: path)
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
            return "killed by \(SignalNames.name(of: signal)): policy violation: " + (syscall ?? "a syscall the seccomp filter forbids")
        case .timedOut(let seconds): return "timed out after \(formatSeconds(seconds)); task tree killed"
        case .limitExceeded(let kind, let signal):
            return "limit exceeded: \(kind.rawValue)" + (signal.map { ", killed by \(SignalNames.name(of: $0))" } ?? "")
        case .setupFailed(let stage, let err):
            let what = stage == .exec
                ? (err == .noSuchFileOrDirectory ? "command not found" : "cannot execute the command")
                : "setup failed at stage \(stage.rawValue)"
            return "\(what): \(err.text)"
        }
    }

    static func formatSeconds(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        return decimal(seconds, digits: seconds < 10 ? 2 : 1) + "s"
    }

    /// `value` with a fixed number of decimals, without Foundation's String(format:).
    public static func decimal(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return "nan" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int64(scaled / scale), fraction = Int64(scaled) - whole * Int64(scale)
        var text = (value < 0 && scaled > 0 ? "-" : "") + String(whole)
        if digits > 0 {
            let f = String(fraction)
            text += "." + String(repeating: "0", count: digits - f.count) + f
        }
        return text
    }

    /// "exited with code 0 — wall 12ms, user 1ms, system 2ms, peak RSS 3.1 MiB"
    public static func summary(_ result: RunResult) -> String {
        let usage = result.usage
        var line = describe(result.outcome)
        if let signal = result.interruptedBy { line += " (bulkhead received \(SignalNames.name(of: signal)))" }
        line += " — wall \(formatSeconds(usage.wallSeconds)), user \(formatSeconds(usage.userSeconds)),"
            + " system \(formatSeconds(usage.systemSeconds)), peak RSS "
            + decimal(Double(usage.peakRSSBytes) / 1048576, digits: 1) + " MiB"
        if !result.limitsReached.isEmpty {
            line += "; limits reached: " + result.limitsReached.map(\.rawValue).joined(separator: ", ")
        }
        if result.policyWatched {
            line += "; watch: \(result.watchedCalls) call\(result.watchedCalls == 1 ? "" : "s") would have been refused"
        }
        return line
    }
}

import BulkheadPolicy

/// How one probe of the audit battery ended under a policy.
public struct AuditVerdict: Sendable, Equatable {
    public enum State: String, Sendable, Equatable {
        case blocked, escaped
        case notApplicable = "not-applicable"
        /// The probe could not be run or said something the audit does not understand.
        case error
    }

    public var state: State
    /// What stopped it; nil unless blocked.
    public var layer: AuditLayer?
    /// The probe's own line (what it read or opened, or the call and errno that stopped it), or the outcome.
    public var evidence: String

    public init(state: State, layer: AuditLayer? = nil, evidence: String) {
        self.state = state; self.layer = layer; self.evidence = evidence
    }

    public static func blocked(_ layer: AuditLayer, _ evidence: String) -> AuditVerdict {
        .init(state: .blocked, layer: layer, evidence: evidence)
    }
}

/// One probe's verdict beside the policy's promise for it.
public struct AuditResult: Sendable, Equatable {
    public var probe: AuditProbe
    public var verdict: AuditVerdict
    /// The policy's exception for this probe, if it lists one.
    public var exception: AuditPromise.Exception?
    public var wallSeconds: Double

    public init(probe: AuditProbe, verdict: AuditVerdict, exception: AuditPromise.Exception?, wallSeconds: Double) {
        self.probe = probe; self.verdict = verdict; self.exception = exception; self.wallSeconds = wallSeconds
    }

    /// The promise `expect: blocked` holds for this probe: it was blocked, cannot be tried here, or
    /// escaped with the policy's leave. An error never holds.
    public var promiseHolds: Bool {
        switch verdict.state {
        case .blocked, .notApplicable: return true
        case .escaped: return exception != nil
        case .error: return false
        }
    }
}

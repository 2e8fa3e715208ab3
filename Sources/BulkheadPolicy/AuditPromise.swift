/// What a policy promises `bulkhead audit`: every probe of the battery is blocked (or cannot be tried
/// on this machine), except those listed, each with the reason the policy lets it through.
public struct AuditPromise: Sendable, Equatable {
    public enum Expectation: String, Sendable, Equatable, CaseIterable {
        /// Every probe is blocked or not applicable; the only expectation version 1 knows.
        case blocked
    }

    /// One probe the policy lets through on purpose.
    public struct Exception: Sendable, Equatable {
        /// A probe id of `AuditProbeIDs.all`.
        public var probe: String
        /// Why the policy allows it, shown beside the escape in the audit's report.
        public var reason: String
        public init(probe: String, reason: String) { self.probe = probe; self.reason = reason }
    }

    public var expect: Expectation = .blocked
    /// In file order; one per probe.
    public var exceptions: [Exception] = []

    public init(expect: Expectation = .blocked, exceptions: [Exception] = []) {
        self.expect = expect; self.exceptions = exceptions
    }

    public func exception(for probe: String) -> Exception? { exceptions.first { $0.probe == probe } }

    /// `base` with this layer's exceptions added; one for a probe the base already excepts replaces it.
    func layered(over base: AuditPromise) -> AuditPromise {
        var result = base
        result.expect = expect
        for exception in exceptions {
            if let i = result.exceptions.firstIndex(where: { $0.probe == exception.probe }) {
                result.exceptions[i] = exception
            } else {
                result.exceptions.append(exception)
            }
        }
        return result
    }
}

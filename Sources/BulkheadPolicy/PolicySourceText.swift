import BulkheadSystem

/// One file a policy was built from: a path, or `shipped:NAME` for an embedded policy, and its text.
public struct PolicySourceText: Sendable, Equatable {
    public var location: String
    public var text: String

    public init(location: String, text: String) { self.location = location; self.text = text }

    /// The text this location holds now, or nil when it cannot be read.
    public func currentText() -> String? {
        if location.hasPrefix("shipped:") { return ShippedPolicies.text(named: String(location.dropFirst(8))) }
        return (try? FileContents.readFile(location, limit: PolicyLoader.maxFileSize)).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// A problem with a policy file, located as precisely as the input allows.
///
/// Errors render like a compiler's (`FILE:LINE:COL: error: MESSAGE`) so editors and terminals can jump
/// to the spot. A hint, when present, is appended in parentheses on the same line so that one error
/// is always one line (easy to grep, easy to assert on).
public struct PolicyError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    /// 1-based; nil for errors about the file as a whole (not found, `extends` cycle).
    public var line: Int?
    /// 1-based, counted in Unicode scalars (as libyaml counts them).
    public var column: Int?
    public var message: String
    /// A suggestion such as "did you mean 'openat'?" or "expected a duration such as 10s or 1.5m".
    public var hint: String?

    public init(file: String, line: Int? = nil, column: Int? = nil, message: String, hint: String? = nil) {
        self.file = file; self.line = line; self.column = column; self.message = message; self.hint = hint
    }

    public var description: String {
        var location = file
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        var text = "\(location): error: \(message)"
        if let hint { text += " (\(hint))" }
        return text
    }
}

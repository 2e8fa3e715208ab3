/// What a policy argument (`--policy`, `bulkhead policy check NAME`, `extends`) refers to.
///
/// One rule for every command: a bare shipped name (`default`, `strict`, `tasks`) always means the
/// policy embedded in the binary; anything else is a file. The working directory never decides: a
/// file called `strict` that an untrusted checkout or an earlier task left there must not silently
/// replace the shipped strict policy. A file with a shipped name is reached with a path (`./strict`).
public enum PolicyReference: Equatable, Sendable {
    /// A policy embedded in the binary, by its name.
    case shipped(String)
    /// A policy file, by the path as given (relative to the working directory, or for `extends` to the
    /// extending file).
    case file(String)

    public init(argument: String) {
        self = ShippedPolicies.bytes(named: argument) != nil ? .shipped(argument) : .file(argument)
    }
}

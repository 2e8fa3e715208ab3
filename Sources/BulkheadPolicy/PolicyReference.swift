#if canImport(Glibc)
import Glibc
#endif

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

extension PolicyReference {
    /// What a command's policy argument means; no argument is the embedded default.
    public static func of(_ argument: String?) -> PolicyReference {
        argument.map(PolicyReference.init(argument:)) ?? .shipped("default")
    }

    /// Loads the policy, through `cache` when there is one, with the artifact's bytes (a compiled filter)
    /// when `artifact` is given and a cache can hold them.
    public func load(cache: PolicyCache? = nil, artifact: PolicyArtifact? = nil) throws(PolicyError) -> CachedPolicy {
        switch (self, cache) {
        case (.shipped(let name), let cache?): return try cache.loadShipped(name: name, artifact: artifact)
        case (.shipped(let name), nil): return CachedPolicy(policy: try PolicyLoader.loadShipped(name: name), artifact: nil)
        case (.file(let path), let cache?): return try cache.load(path: path, artifact: artifact)
        case (.file(let path), nil): return CachedPolicy(policy: try PolicyLoader.load(path: path), artifact: nil)
        }
    }

    /// How reports and `--verbose` name where the policy came from: `embedded:strict`, or the file's
    /// absolute path with symbolic links resolved (the file that was read, whatever the working directory).
    public var source: String {
        switch self {
        case .shipped(let name): return "embedded:\(name)"
        case .file(let path):
            guard !path.utf8.contains(0), let resolved = realpath(path, nil) else { return path }
            defer { free(resolved) }
            return String(cString: resolved)
        }
    }
}

// The `filesystem:` and `network:` sections of a resolved policy: which paths the task may read, write
// and execute, and which network it reaches. Plain data; the Bulkhead module turns them into one
// Landlock ruleset (`LandlockPlan`) and, for `network: none`, a network namespace.

/// Where in a policy file a value was written, so a problem found only at launch (a granted path that
/// does not exist) can still be reported at the line that needs the fix.
public struct PolicyLocation: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) { self.file = file; self.line = line; self.column = column }

    /// "FILE:LINE:COL", as compilers and `PolicyError` write it.
    public var description: String { "\(file):\(line):\(column)" }
}

/// One path of a `read`, `write`, `exec` or `unix` list, as written: absolute, or starting with `$CWD`
/// (the run's working directory) or `$SCRATCH` (the run's scratch directory), which are resolved per
/// launch. Two grants are equal when their paths are: where they were written does not change what they
/// grant (a policy printed by `policy show` loads back equal).
public struct PathGrant: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var path: String
    public var location: PolicyLocation?

    public init(_ path: String, location: PolicyLocation? = nil) { self.path = path; self.location = location }

    public static func == (a: PathGrant, b: PathGrant) -> Bool { a.path == b.path }
    public func hash(into hasher: inout Hasher) { hasher.combine(path) }
    public var description: String { path }

    /// The placeholders a grant may start with.
    public static let workingDirectory = "$CWD"
    public static let scratchDirectory = "$SCRATCH"

    /// The path for one run: `$CWD` and `$SCRATCH` replaced by that run's directories.
    public func resolved(workingDirectory: String, scratch: String?) -> String {
        for (name, value) in [(Self.workingDirectory, workingDirectory), (Self.scratchDirectory, scratch ?? "")]
        where path == name || path.hasPrefix(name + "/") {
            return value + path.dropFirst(name.count)
        }
        return path
    }
}

/// `filesystem:`. The task's view is restricted when any of `read`, `write` or `exec` is given (even
/// empty): it may then open only what lies beneath a grant, with that grant's rights. `scratch` alone
/// makes a scratch directory without restricting anything.
public struct FilesystemPolicy: Sendable, Equatable {
    /// Read files and list directories beneath.
    public var read: [PathGrant] = []
    /// Read, and write, create, remove, rename and truncate beneath.
    public var write: [PathGrant] = []
    /// Read, and execute beneath.
    public var exec: [PathGrant] = []
    /// True when the view is restricted (one of the lists was written).
    public var restricts = false
    /// A private writable directory per run (`BULKHEAD_SCRATCH`), removed afterwards.
    public var scratch = false
    /// Where the kernel cannot apply the rules, run without them (with a warning) instead of refusing.
    public var bestEffort = false

    public init(
        read: [PathGrant] = [], write: [PathGrant] = [], exec: [PathGrant] = [], restricts: Bool = false,
        scratch: Bool = false, bestEffort: Bool = false
    ) {
        self.read = read; self.write = write; self.exec = exec; self.restricts = restricts
        self.scratch = scratch; self.bestEffort = bestEffort
    }
}

/// `network:`.
public enum NetworkPolicy: Sendable, Equatable {
    /// The host's network, unrestricted (the default).
    case host
    /// A network namespace of its own, without any interface but a loopback. Never best-effort.
    case none
    /// The host's network, restricted to these TCP ports and named unix sockets.
    case rules(NetworkRules)

    /// The mode's name, as the report gives it: host, none or rules.
    public var mode: String {
        switch self {
        case .host: return "host"
        case .none: return "none"
        case .rules: return "rules"
        }
    }
}

public struct NetworkRules: Sendable, Equatable {
    /// TCP ports the task may connect to.
    public var connect: [UInt16] = []
    /// TCP ports the task may bind.
    public var bind: [UInt16] = []
    /// Named unix sockets the task may connect to; nil leaves named sockets unrestricted.
    public var unix: [PathGrant]?
    public var bestEffort = false

    public init(connect: [UInt16] = [], bind: [UInt16] = [], unix: [PathGrant]? = nil, bestEffort: Bool = false) {
        self.connect = connect; self.bind = bind; self.unix = unix; self.bestEffort = bestEffort
    }
}

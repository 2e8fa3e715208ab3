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

/// One path of a `read`, `write`, `exec`, `unix`, `tmpfs` or `hide` list, as written: absolute, or starting
/// with `$CWD` (the run's working directory), `$SCRATCH` (the run's scratch directory) or `$COMMAND` (the
/// executable the run starts), which are resolved per launch. A trailing `?` makes the grant optional: where
/// the path does not exist it grants nothing, instead of refusing the run (bubblewrap's `--ro-bind-try`), so
/// one policy serves machines with and without, say, `/lib64`. Two grants are equal when their paths and
/// optionality are: where they were written does not change what they grant (a policy printed by
/// `policy show` loads back equal).
public struct PathGrant: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var path: String
    public var optional: Bool
    public var location: PolicyLocation?

    public init(_ path: String, optional: Bool = false, location: PolicyLocation? = nil) {
        self.path = path; self.optional = optional; self.location = location
    }

    /// A grant as a policy writes it: "/lib64?" is the optional grant of /lib64.
    public init(written: String, location: PolicyLocation? = nil) {
        let optional = written.count > 1 && written.hasSuffix("?")
        self.init(optional ? String(written.dropLast()) : written, optional: optional, location: location)
    }

    public static func == (a: PathGrant, b: PathGrant) -> Bool { a.path == b.path && a.optional == b.optional }
    public func hash(into hasher: inout Hasher) { hasher.combine(path); hasher.combine(optional) }
    /// As written in a policy.
    public var written: String { optional ? path + "?" : path }
    public var description: String { written }

    /// The placeholders a grant may start with.
    public static let workingDirectory = "$CWD"
    public static let scratchDirectory = "$SCRATCH"
    public static let command = "$COMMAND"
    public static let placeholders = [workingDirectory, scratchDirectory, command]

    /// The path for one run: `$CWD`, `$SCRATCH` and `$COMMAND` replaced by that run's.
    public func resolved(_ run: RunPaths) -> String {
        for (name, value) in [(Self.workingDirectory, run.workingDirectory), (Self.scratchDirectory, run.scratch ?? ""),
                              (Self.command, run.command ?? "")]
        where path == name || path.hasPrefix(name + "/") {
            return value + path.dropFirst(name.count)
        }
        return path
    }

    /// The path for one run, with only a working and a scratch directory known.
    public func resolved(workingDirectory: String, scratch: String?) -> String {
        resolved(RunPaths(workingDirectory: workingDirectory, scratch: scratch))
    }
}

/// What the placeholders of a grant mean for one run.
public struct RunPaths: Sendable, Equatable {
    /// `$CWD`: the working directory the task starts in.
    public var workingDirectory: String
    /// `$SCRATCH`: the run's scratch directory, when it has one.
    public var scratch: String?
    /// `$COMMAND`: the absolute path of the executable the run starts.
    public var command: String?

    public init(workingDirectory: String, scratch: String? = nil, command: String? = nil) {
        self.workingDirectory = workingDirectory; self.scratch = scratch; self.command = command
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
    /// True when the policy shapes a mount namespace's view beyond the grants (`tmpfs`, `hide`).
    public var shapesMountView: Bool { !tmpfs.isEmpty || !hide.isEmpty }
    /// Private tmpfs mounts (a mount namespace's file-system view only): empty, writable, not executable,
    /// gone with the task.
    public var tmpfs: [PathGrant] = []
    /// Paths that do not exist inside (a mount namespace's file-system view only): a directory is covered
    /// by an empty one, a file by an empty file. The last component may hold `*` (`/etc/ssh/ssh_host_*`).
    public var hide: [PathGrant] = []
    /// True when the view is restricted (one of the lists was written).
    public var restricts = false
    /// A private writable directory per run (`BULKHEAD_SCRATCH`), removed afterwards.
    public var scratch = false
    /// Where the kernel cannot apply the rules, run without them (with a warning) instead of refusing.
    public var bestEffort = false

    public init(
        read: [PathGrant] = [], write: [PathGrant] = [], exec: [PathGrant] = [], tmpfs: [PathGrant] = [], hide: [PathGrant] = [],
        restricts: Bool = false, scratch: Bool = false, bestEffort: Bool = false
    ) {
        self.read = read; self.write = write; self.exec = exec; self.tmpfs = tmpfs; self.hide = hide; self.restricts = restricts
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

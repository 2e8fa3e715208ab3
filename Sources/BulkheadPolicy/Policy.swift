import BulkheadSystem

// The resolved policy model: what a policy file says after loading, validation and `extends`.
// Everything here is plain data; compiling it into a launch plan happens in the Bulkhead module.

/// A fully resolved policy. `PolicyLoader` produces it; nothing else should construct one from user input.
public struct Policy: Sendable, Equatable {
    public var version: Int = 1
    public var name: String?
    public var description: String?
    /// nil means the policy installs no seccomp filter at all (only possible when written explicitly as `seccomp: none`).
    public var seccomp: SeccompPolicy?
    public var capabilities: CapabilityPolicy = .init()
    public var limits: Limits = .init()
    public var environment: EnvironmentPolicy = .init()
    /// Working directory of the task; nil keeps the launcher's current directory.
    public var workdir: String?
    public var user: UserPolicy?
    /// nil: the key is absent, and bulkhead picks namespaces alone (see `NamespacePolicy`).
    public var namespaces: NamespacePolicy?
    /// nil: no file-system restriction and no scratch directory.
    public var filesystem: FilesystemPolicy?
    public var network: NetworkPolicy = .host
    /// What `bulkhead audit` holds this policy to.
    public var audit: AuditPromise = .init()

    public init() {}
}

// MARK: - seccomp

public enum SeccompAction: Sendable, Equatable, Hashable, CustomStringConvertible {
    case allow
    /// Kills the whole process (SECCOMP_RET_KILL_PROCESS).
    case kill
    /// Fails the call with this errno value (a positive number such as EPERM = 1).
    case errno(Int32)
    /// Sends SIGSYS to the thread, which may handle it.
    case trap
    /// Allows the call and logs it to the kernel's audit log.
    case log

    /// The spelling used in policy files: `allow`, `kill`, `errno EPERM`, `trap`, `log`.
    public var description: String {
        switch self {
        case .allow: return "allow"
        case .kill: return "kill"
        case .errno(let e): return "errno \(ErrnoNames.name(of: e) ?? String(e))"
        case .trap: return "trap"
        case .log: return "log"
        }
    }
}

/// How an argument is compared. Values are raw 64-bit register contents.
public enum ArgumentComparison: Sendable, Equatable, Hashable {
    case equal(UInt64)
    case notEqual(UInt64)
    case less(UInt64)
    case lessOrEqual(UInt64)
    case greater(UInt64)
    case greaterOrEqual(UInt64)
    /// `(arg & mask) == value`.
    case maskedEqual(mask: UInt64, value: UInt64)
}

public struct ArgumentCondition: Sendable, Equatable, Hashable {
    /// 0...5
    public var index: Int
    public var comparison: ArgumentComparison
    /// When true (the default for `eq`/`ne`/masked comparisons whose operands fit in 32 bits) only the low
    /// 32 bits of the argument are compared, as the kernel reads `int` arguments (CVE-2019-10063: a filter
    /// comparing all 64 bits is bypassed by setting high bits).
    public var low32: Bool

    public init(index: Int, comparison: ArgumentComparison, low32: Bool) {
        self.index = index; self.comparison = comparison; self.low32 = low32
    }
}

/// One `rules:` entry. All conditions must hold (AND); several rules for one syscall are alternatives (OR).
public struct SyscallRule: Sendable, Equatable {
    public var syscall: String
    public var action: SeccompAction
    public var conditions: [ArgumentCondition]
    /// `report: true`: an `errno` rule whose refusals are counted and listed in the run's report (through
    /// seccomp user notification); the task goes on. Other rules stay quiet or, `kill`, are always reported.
    public var report: Bool

    public init(syscall: String, action: SeccompAction, conditions: [ArgumentCondition] = [], report: Bool = false) {
        self.syscall = syscall; self.action = action; self.conditions = conditions; self.report = report
    }
}

/// `seccomp.mode`: whether the filter refuses what the policy refuses, or only reports it.
public enum SeccompMode: String, Sendable, Equatable, CaseIterable {
    /// Refusals are applied (the default).
    case enforce
    /// Nothing is refused: every call the policy would refuse is let through and reported (trying a
    /// policy on a real program before enforcing it).
    case watch
}

public struct SeccompPolicy: Sendable, Equatable {
    /// Action for every syscall not named by `allow` or `rules`.
    public var defaultAction: SeccompAction = .kill
    /// Syscall names, with every `@group` already expanded, sorted and unique.
    public var allow: [String] = []
    /// Per-syscall rules. A syscall that has rules takes its actions from them only, even if `allow` names it.
    /// With `extends`, a child's rules for a syscall replace the parent's rules for it.
    public var rules: [SyscallRule] = []
    public var mode: SeccompMode = .enforce

    public init(defaultAction: SeccompAction = .kill, allow: [String] = [], rules: [SyscallRule] = [], mode: SeccompMode = .enforce) {
        self.defaultAction = defaultAction; self.allow = allow; self.rules = rules; self.mode = mode
    }
}

// MARK: - capabilities, user

public struct CapabilityPolicy: Sendable, Equatable {
    /// Canonical upper-case names with the CAP_ prefix, e.g. "CAP_NET_BIND_SERVICE". Empty: drop everything.
    public var keep: [String] = []
    public init(keep: [String] = []) { self.keep = keep }
}

public struct UserPolicy: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    /// Supplementary groups; empty clears them.
    public var groups: [UInt32] = []
    /// When true and the launcher is not root, the task keeps the launcher's uid instead of failing.
    public var bestEffort: Bool = false

    public init(uid: UInt32, gid: UInt32, groups: [UInt32] = [], bestEffort: Bool = false) {
        self.uid = uid; self.gid = gid; self.groups = groups; self.bestEffort = bestEffort
    }
}

// MARK: - limits

public enum LimitKind: String, Sendable, Equatable, Hashable, CaseIterable {
    case wall, cpu, memory, processes
    case openFiles = "open-files"
    case fileSize = "file-size"
    case core
    case stack
    case addressSpace = "address-space"
}

public struct Limits: Sendable, Equatable {
    /// Seconds of wall-clock time before the task tree is killed.
    public var wall: Double?
    /// Seconds of CPU time (RLIMIT_CPU; SIGXCPU at the limit).
    public var cpu: Double?
    /// Bytes of memory for the whole task tree (cgroup).
    public var memory: UInt64?
    /// Processes and threads in the task tree (cgroup pids; without one, RLIMIT_NPROC for non-root uids).
    public var processes: UInt64?
    public var openFiles: UInt64?
    public var fileSize: UInt64?
    public var core: UInt64?
    public var stack: UInt64?
    /// Bytes of virtual address space per process (RLIMIT_AS).
    public var addressSpace: UInt64?
    /// Limits the launcher may skip (with a warning) when the machine cannot enforce them.
    public var bestEffort: LimitKindSet = []

    public init() {}
}

// MARK: - environment

public struct EnvironmentPolicy: Sendable, Equatable {
    /// Start from an empty environment (the default). When false the launcher's environment is inherited.
    public var clear: Bool = true
    /// Variables set to a fixed value, in file order; later entries win.
    public var set: [EnvironmentVariable] = []
    /// Names copied from the launcher's environment when present. A trailing `*` matches a prefix (`LC_*`).
    public var pass: [String] = []

    public init(clear: Bool = true, set: [EnvironmentVariable] = [], pass: [String] = []) {
        self.clear = clear; self.set = set; self.pass = pass
    }
}

public struct EnvironmentVariable: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(name: String, value: String) { self.name = name; self.value = value }
}

extension ArgumentComparison {
    /// The plain comparisons by the names policy files (and the policy cache) use: eq, ne, lt, le, gt, ge.
    public init?(operator name: some StringProtocol, value: UInt64) {
        switch name {
        case "eq": self = .equal(value)
        case "ne": self = .notEqual(value)
        case "lt": self = .less(value)
        case "le": self = .lessOrEqual(value)
        case "gt": self = .greater(value)
        case "ge": self = .greaterOrEqual(value)
        default: return nil
        }
    }
}

extension Limits {
    /// The limits measured in bytes or counts (all but `wall` and `cpu`, which are seconds).
    public static let amountKinds: [LimitKind] = [.memory, .processes, .openFiles, .fileSize, .core, .stack, .addressSpace]

    public subscript(amount kind: LimitKind) -> UInt64? {
        get {
            switch kind {
            case .memory: return memory
            case .processes: return processes
            case .openFiles: return openFiles
            case .fileSize: return fileSize
            case .core: return core
            case .stack: return stack
            case .addressSpace: return addressSpace
            case .wall, .cpu: return nil
            }
        }
        set {
            switch kind {
            case .memory: memory = newValue
            case .processes: processes = newValue
            case .openFiles: openFiles = newValue
            case .fileSize: fileSize = newValue
            case .core: core = newValue
            case .stack: stack = newValue
            case .addressSpace: addressSpace = newValue
            case .wall, .cpu: break
            }
        }
    }
}

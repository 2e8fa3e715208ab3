/// What one policy file says, validated but not yet combined with the files it extends.
///
/// `extends` merges meaning, not YAML text: each file is validated on its own (so errors point into
/// the file that has them), and `apply(to:)` then layers a child over its parent with the documented
/// rules (allow lists add up, rules replace per syscall, environment.set merges, and so on).
struct PolicyLayer {
    enum Seccomp {
        /// `seccomp: none`
        case none
        /// `inherit: false` starts from an empty section instead of the parent's: a narrower filter than the
        /// parent's, which `allow` adding up could never give (what `policy learn` writes).
        case filter(defaultAction: SeccompAction?, allow: [String], rules: [SyscallRule], mode: SeccompMode? = nil,
                    inherit: Bool? = nil)
    }

    enum LimitValue {
        case unlimited
        case seconds(Double)
        case amount(UInt64)
    }

    /// The `extends` value and its node, kept for error positions.
    var extends: (value: String, line: Int?, column: Int?)?
    var name: String?
    var description: String?
    var seccomp: Seccomp?
    var capabilities: [String]?
    var limits: [LimitKind: LimitValue] = [:]
    var bestEffort: [LimitKind] = []
    var environmentClear: Bool?
    var environmentSet: [EnvironmentVariable] = []
    var environmentPass: [String] = []
    var workdir: String?
    var user: UserPolicy?
    var namespaces: Namespaces?

    /// `namespaces:` as one file says it. A child file's fields replace its parent's, except
    /// `best-effort`, which adds up (as `limits.best-effort` does).
    struct Namespaces {
        var enabled: [NamespaceKind]?
        var hostname: String?
        var uid: UInt32?
        var gid: UInt32?
        var bestEffort: [NamespaceKind] = []

        func apply(to base: NamespacePolicy?) -> NamespacePolicy {
            var n = base ?? NamespacePolicy()
            if let enabled { n.enabled = NamespacePolicy.ordered(enabled) }
            if let hostname { n.hostname = hostname }
            if let uid { n.uid = uid }
            if let gid { n.gid = gid }
            n.bestEffort = NamespacePolicy.ordered(n.bestEffort + bestEffort)
            return n
        }
    }

    var filesystem: FilesystemLayer?
    var network: NetworkPolicy?

    /// `filesystem:` as one file writes it: only what is given changes the parent's.
    struct FilesystemLayer {
        var read: [PathGrant]?
        var write: [PathGrant]?
        var exec: [PathGrant]?
        var tmpfs: [PathGrant]?
        var hide: [PathGrant]?
        var scratch: Bool?
        var bestEffort: Bool?
        var inherit: Bool?
    }
    var audit: AuditPromise?

    /// Layers this file over `base` (the resolved parent, or an empty policy).
    func apply(to base: Policy) -> Policy {
        var p = base
        if let name { p.name = name }
        if let description { p.description = description }

        switch seccomp {
        case nil: break
        case .none?: p.seccomp = nil
        case let .filter(defaultAction, allow, rules, mode, inherit)?:
            var s = inherit == false ? SeccompPolicy() : p.seccomp ?? SeccompPolicy()
            if let mode { s.mode = mode }
            if let defaultAction { s.defaultAction = defaultAction }
            // A child's rules for a syscall replace the parent's for that syscall; other rules stay.
            let replaced = Set(rules.map(\.syscall))
            s.rules = s.rules.filter { !replaced.contains($0.syscall) } + rules
            // Rules win over allow: a syscall with rules takes its action from them only.
            let ruled = Set(s.rules.map(\.syscall))
            s.allow = Set(s.allow + allow).subtracting(ruled).sorted()
            p.seccomp = s
        }

        if let capabilities { p.capabilities.keep = capabilities }

        for (kind, value) in limits {
            switch value {
            case .unlimited: p.limits[kind] = nil
            case .seconds(let s): p.limits[kind] = .seconds(s)
            case .amount(let a): p.limits[kind] = .amount(a)
            }
        }
        p.limits.bestEffort.formUnion(bestEffort)

        if let environmentClear { p.environment.clear = environmentClear }
        for variable in environmentSet {
            if let i = p.environment.set.firstIndex(where: { $0.name == variable.name }) {
                p.environment.set[i] = variable
            } else {
                p.environment.set.append(variable)
            }
        }
        for name in environmentPass where !p.environment.pass.contains(name) { p.environment.pass.append(name) }

        if let workdir { p.workdir = workdir }
        if let user { p.user = user }
        if let namespaces { p.namespaces = namespaces.apply(to: p.namespaces) }
        // A file that puts the task on the host's network (`host`, port rules) takes it out of an inherited
        // network namespace, which would leave it none; its own `namespaces` cannot ask for both (parser).
        if let network, network != .none, namespaces?.enabled == nil, var inherited = p.namespaces {
            inherited.enabled.removeAll { $0 == .net }
            inherited.bestEffort.removeAll { $0 == .net }
            p.namespaces = inherited
        }
        if let filesystem {
            // Grant lists add up, as `allow` does; scratch and best-effort replace the parent's. With
            // `inherit: false` the section starts from nothing: a narrower view than the parent's.
            var f = filesystem.inherit == false ? FilesystemPolicy() : p.filesystem ?? FilesystemPolicy()
            func adding(_ grants: [PathGrant]?, to list: [PathGrant]) -> [PathGrant] {
                list + (grants ?? []).filter { !list.contains($0) }
            }
            f.read = adding(filesystem.read, to: f.read)
            f.write = adding(filesystem.write, to: f.write)
            f.exec = adding(filesystem.exec, to: f.exec)
            f.tmpfs = adding(filesystem.tmpfs, to: f.tmpfs)
            f.hide = adding(filesystem.hide, to: f.hide)
            if filesystem.read != nil || filesystem.write != nil || filesystem.exec != nil { f.restricts = true }
            if let scratch = filesystem.scratch { f.scratch = scratch }
            if let bestEffort = filesystem.bestEffort { f.bestEffort = bestEffort }
            p.filesystem = f
        }
        // A file's network section replaces its parent's whole: a mode is not a list to add to.
        if let network { p.network = network }
        if let audit { p.audit = audit.layered(over: p.audit) }
        return p
    }
}

extension Limits {
    /// Uniform access by kind, so layering and printing need no per-field code.
    subscript(kind: LimitKind) -> PolicyLayer.LimitValue? {
        get {
            switch kind {
            case .wall: return wall.map { .seconds($0) }
            case .cpu: return cpu.map { .seconds($0) }
            default: return self[amount: kind].map { .amount($0) }
            }
        }
        set {
            var seconds: Double?, amount: UInt64?
            switch newValue {
            case .seconds(let s)?: seconds = s
            case .amount(let a)?: amount = a
            case .unlimited?, nil: break
            }
            switch kind {
            case .wall: wall = seconds
            case .cpu: cpu = seconds
            default: self[amount: kind] = amount
            }
        }
    }
}

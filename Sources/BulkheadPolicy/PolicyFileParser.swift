import BulkheadSystem
#if canImport(Glibc)
import Glibc
#endif

/// Validates one policy file's node tree into a `PolicyLayer`. Knows the v1 language; knows nothing
/// about other files (the loader follows `extends`).
struct PolicyFileParser {
    let reader: YAMLReader

    static let topLevelKeys = [
        "version", "name", "description", "extends", "seccomp", "capabilities", "limits", "environment",
        "workdir", "user", "namespaces", "filesystem", "network", "audit",
    ]
    static let seccompKeys = ["default", "allow", "rules", "mode", "inherit"]
    static let ruleKeys = ["syscall", "action", "when", "report"]
    static let operators = ["eq", "ne", "lt", "le", "gt", "ge", "has-all", "has-none", "masked-eq"]
    static let conditionKeys = ["arg", "width"] + operators
    static let limitKeys = LimitKind.allCases.map(\.rawValue) + ["best-effort"]
    static let environmentKeys = ["clear", "set", "pass"]
    static let userKeys = ["uid", "gid", "groups", "best-effort"]
    static let auditKeys = ["expect", "exceptions"]
    static let auditExceptionKeys = ["probe", "reason"]
    static let actionWords = ["allow", "kill", "errno", "trap", "log"]
    static let actionHint = "expected allow, kill, trap, log, or errno NAME such as errno EPERM"

    init(file: String) { reader = YAMLReader(file: file) }

    func parse(text: String) throws(PolicyError) -> PolicyLayer {
        guard let root = try reader.compose(text) else {
            throw PolicyError(file: reader.file, message: "the policy is empty", hint: "a policy starts with 'version: 1'")
        }
        let what = "a policy (a mapping of keys such as version and seccomp)"
        let entries = try reader.mapping(root, expected: what)
        // The version first: a newer file's new keys should be reported as a version problem.
        guard let version = entries.first(where: { $0.key == "version" }) else {
            throw reader.error(root, "missing required key 'version'", hint: "add 'version: 1'")
        }
        let v = try reader.scalar(version.value, expected: "the version number 1")
        guard v == "1" else {
            throw reader.error(version.value, "unsupported policy version '\(v)'", hint: "this bulkhead reads version 1")
        }
        try reader.checkKeys(entries, allowed: Self.topLevelKeys, in: what)
        var layer = PolicyLayer()
        var networkNode: YAMLNode?
        for (key, keyNode, value) in entries {
            switch key {
            case "version": break
            case "name": layer.name = try reader.scalar(value, expected: "a name")
            case "description": layer.description = try reader.scalar(value, expected: "a description")
            case "extends":
                let target = try reader.name(value, expected: "a shipped policy name or a path")
                layer.extends = (target, value.line, value.column)
            case "seccomp": layer.seccomp = try seccomp(value)
            case "capabilities": layer.capabilities = try capabilities(value)
            case "limits": try limits(value, into: &layer)
            case "environment": try environment(value, into: &layer)
            case "workdir":
                let path = try reader.name(value, expected: "an absolute path")
                guard path.hasPrefix("/") else {
                    throw reader.error(value, "workdir must be an absolute path, got '\(path)'")
                }
                layer.workdir = path
            case "user": layer.user = try user(value)
            case "namespaces": layer.namespaces = try NamespaceSectionParser(reader: reader).parse(value)
            case "filesystem": layer.filesystem = try filesystem(value)
            case "network":
                layer.network = try network(value)
                networkNode = value
            case "audit": layer.audit = try audit(value)
            default:
                throw reader.error(keyNode, "unknown key '\(key)'") // unreachable: mapping() checked the keys
            }
        }
        // A network namespace has no network but its own loopback: port rules beside it would be a
        // contradiction that silently wins over the rules. (`host` beside `net` is what a printed policy
        // says of a network namespace without `network: none`: the namespace holds.)
        if let networkNode, case .rules = layer.network, layer.namespaces?.enabled?.contains(.net) == true {
            throw reader.error(networkNode, "network: rules use the host's network, but namespaces "
                                   + "gives the task a network namespace of its own, which has none",
                               hint: "remove net from namespaces, or write 'network: none'")
        }
        return layer
    }

    // MARK: seccomp

    private func seccomp(_ node: YAMLNode) throws(PolicyError) -> PolicyLayer.Seccomp {
        if case .scalar = node, !reader.isNull(node) {
            let text = try reader.scalar(node, expected: "'none' or a mapping")
            guard text == "none" else {
                throw reader.error(node, "expected 'none' or a mapping with default, allow and rules, got \(reader.describe(node))")
            }
            return .none
        }
        let entries = try reader.mapping(node, expected: "the seccomp section ('none' or a mapping with default, allow, rules)",
                                         allowed: Self.seccompKeys)
        var defaultAction: SeccompAction?
        var allow: [String] = []
        var rules: [SyscallRule] = []
        var mode: SeccompMode?
        var inherit: Bool?
        for (key, _, value) in entries {
            switch key {
            case "default": defaultAction = try action(value)
            case "inherit": inherit = try reader.bool(value, expected: "inherit")
            case "mode":
                let text = try reader.name(value, expected: "a seccomp mode (enforce or watch)")
                guard let parsed = SeccompMode(rawValue: text) else {
                    throw reader.error(value, "unknown seccomp mode '\(text)'",
                                       hint: DidYouMean.hint(for: text, among: SeccompMode.allCases.map(\.rawValue))
                                           ?? "enforce (refuse what the policy refuses) or watch (refuse nothing, report it)")
                }
                mode = parsed
            case "allow":
                for item in try reader.list(value, expected: "a list of syscall names") {
                    allow += try syscallNames(item)
                }
            default:
                var located: [(rule: SyscallRule, node: YAMLNode)] = []
                for item in try reader.list(value, expected: "a list of rules") {
                    let added = try rule(item)
                    located += added.map { ($0, item) }
                    rules += added
                }
                try checkExceptions(located)
            }
        }
        return .filter(defaultAction: defaultAction, allow: Array(Set(allow)).sorted(), rules: rules, mode: mode, inherit: inherit)
    }

    /// A rule without conditions is its syscall's general case, and one conditional rule with another
    /// action may be an exception to it, which wins where it matches (`ioctl` allowed, except TIOCSTI
    /// killed): the compiler writes the general action under the exact complement of the exception's
    /// conditions (`SeccompRulePlanner`). Refused here, at the rule that breaks it, as the compiler would
    /// refuse it later without a location: two rules without conditions and different actions, and a
    /// second exception.
    private func checkExceptions(_ rules: [(rule: SyscallRule, node: YAMLNode)]) throws(PolicyError) {
        var general: [String: SeccompAction] = [:]
        for (r, node) in rules where r.conditions.isEmpty {
            if let action = general[r.syscall], action != r.action {
                throw reader.error(node, "'\(r.syscall)' already has a rule without conditions with action '\(action)'",
                                   hint: "keep one rule without conditions per syscall; give the other conditions")
            }
            general[r.syscall] = r.action
        }
        var exception: [String: SeccompAction] = [:]
        for (r, node) in rules where !r.conditions.isEmpty {
            guard let action = general[r.syscall], r.action != action else { continue }
            if exception[r.syscall] != nil {
                throw reader.error(node, "'\(r.syscall)' has a rule without conditions and already one exception to it; "
                                       + "only one is supported",
                                   hint: "merge the exceptions into one rule, or replace the rule without conditions by conditional rules")
            }
            exception[r.syscall] = r.action
        }
    }

    /// A syscall name, or a `@group` expanded to its members.
    private func syscallNames(_ node: YAMLNode) throws(PolicyError) -> [String] {
        if case .mapping = node {
            throw reader.error(node, "expected a syscall name or @group, got a mapping",
                               hint: "rules with conditions go under 'rules:'")
        }
        let name = try reader.name(node, expected: "a syscall name or @group")
        if name.hasPrefix("@") {
            guard let members = SyscallGroups.expand(name) else {
                throw reader.error(node, "unknown syscall group '\(name)'",
                                   hint: DidYouMean.hint(for: name, among: SyscallGroups.names) ?? "see 'bulkhead policy groups'")
            }
            return members
        }
        guard SyscallTable.isKnown(name) else {
            throw reader.error(node, "unknown syscall '\(name)'",
                               hint: DidYouMean.hint(for: name, among: SyscallTable.allNames))
        }
        return [name]
    }

    private func action(_ node: YAMLNode) throws(PolicyError) -> SeccompAction {
        let text = try reader.name(node, expected: "an action")
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        switch words.first?.lowercased() {
        case "allow"? where words.count == 1: return .allow
        case "kill"? where words.count == 1: return .kill
        case "trap"? where words.count == 1: return .trap
        case "log"? where words.count == 1: return .log
        case "errno"?:
            guard words.count == 2 else {
                throw reader.error(node, "'errno' needs exactly one errno name or number", hint: "e.g. errno EPERM")
            }
            let e = words[1]
            if let n = YAMLReader.parseInteger(e) {
                guard n >= 1, n <= 4095 else { throw reader.error(node, "errno \(e) is outside 1...4095") }
                return .errno(Int32(n))
            }
            guard let v = ErrnoNames.value(named: e) else {
                throw reader.error(node, "unknown errno name '\(e)'",
                                   hint: DidYouMean.hint(for: e.uppercased(), among: ErrnoNames.allNames))
            }
            return .errno(v)
        default:
            let first = words.first ?? text
            let hint = DidYouMean.hint(for: first, among: Self.actionWords) ?? Self.actionHint
            throw reader.error(node, "unknown action '\(text)'", hint: hint)
        }
    }

    private func rule(_ node: YAMLNode) throws(PolicyError) -> [SyscallRule] {
        let entries = try reader.mapping(node, expected: "a rule (a mapping with syscall, action and when)",
                                         allowed: Self.ruleKeys)
        var syscalls: [String]?
        var act: SeccompAction = .allow
        var conditions: [ArgumentCondition] = []
        var conditionNodes: [YAMLNode] = []
        var report: (value: Bool, node: YAMLNode)?
        for (key, _, value) in entries {
            switch key {
            case "syscall": syscalls = try syscallNames(value)
            case "action": act = try action(value)
            case "report": report = (try reader.bool(value, expected: "report"), value)
            default:
                for item in try reader.list(value, expected: "a list of conditions") {
                    conditions.append(try condition(item))
                    conditionNodes.append(item)
                }
            }
        }
        guard let syscalls else { throw reader.error(node, "rule is missing 'syscall'") }
        // `kill` is always reported and `allow`/`log` refuse nothing: `report` belongs to errno rules.
        if let report, report.value, case .errno = act {} else if let report, report.value {
            throw reader.error(report.node, "'report: true' applies to errno rules only (this rule's action is '\(act)')",
                               hint: "kill is always reported; to see what allow lets through, use seccomp.mode: watch")
        }
        let alternatives = try expandExclusions(conditions, nodes: conditionNodes)
        return syscalls.flatMap { name in
            alternatives.map { SyscallRule(syscall: name, action: act, conditions: $0, report: report?.value ?? false) }
        }
    }

    /// libseccomp (2.5) refuses a rule that compares one argument twice, yet "anything but these
    /// values" is a common need (every ioctl but TIOCSTI and TIOCLINUX). Several `ne` on one argument
    /// are therefore rewritten here into equivalent alternative rules, each a single masked-eq on that
    /// argument (see `ArgumentExclusion`). A single 32-bit `ne` is rewritten too: libseccomp has no
    /// masked not-equal, and a 64-bit `ne` is true for TIOCSTI with a high bit set, which the kernel
    /// then runs as TIOCSTI (CVE-2019-10063). Only a 64-bit (`width: 64`) lone `ne` stays a `notEqual`.
    /// Other repeated comparisons of one argument are errors.
    private func expandExclusions(_ conditions: [ArgumentCondition], nodes: [YAMLNode]) throws(PolicyError) -> [[ArgumentCondition]] {
        var alternatives: [[ArgumentCondition]] = [[]]
        var handled = Set<Int>()
        for c in conditions where !handled.contains(c.index) {
            let same = conditions.indices.filter { conditions[$0].index == c.index }
            handled.insert(c.index)
            let isLow32NotEqual: Bool
            if case .notEqual = c.comparison { isLow32NotEqual = c.low32 } else { isLow32NotEqual = false }
            if same.count == 1 && !isLow32NotEqual {
                alternatives = alternatives.map { $0 + [c] }
                continue
            }
            var excluded: [UInt64] = []
            for j in same {
                guard case .notEqual(let v) = conditions[j].comparison, conditions[j].low32 == c.low32 else {
                    throw reader.error(nodes[same[1]], "argument \(c.index) is compared more than once in this rule",
                                       hint: "libseccomp cannot AND two comparisons of one argument; only several 'ne' combine; "
                                           + "split the rest into separate rules")
                }
                excluded.append(v)
            }
            let cubes = ArgumentExclusion.cubes(excluding: excluded, width: c.low32 ? 32 : 64)
            var next: [[ArgumentCondition]] = []
            for prefix in alternatives {
                for cube in cubes {
                    let fits = cube.mask <= 0xffff_ffff && cube.value <= 0xffff_ffff
                    next.append(prefix + [ArgumentCondition(index: c.index, comparison: .maskedEqual(mask: cube.mask, value: cube.value),
                                                            low32: c.low32 && fits)])
                }
            }
            alternatives = next
        }
        return alternatives
    }

    private func condition(_ node: YAMLNode) throws(PolicyError) -> ArgumentCondition {
        let entries = try reader.mapping(node, expected: "a condition such as { arg: 0, eq: AF_UNIX }",
                                         allowed: Self.conditionKeys)
        var index: Int?
        var width: Int?
        var comparison: ArgumentComparison?
        var operands: [UInt64] = []
        var widthNode: YAMLNode?
        for (key, keyNode, value) in entries {
            switch key {
            case "arg":
                let n = try reader.integer(value, expected: "an argument index", symbols: false)
                guard n <= 5 else { throw reader.error(value, "argument index \(n) is outside 0...5") }
                index = Int(n)
            case "width":
                let n = try reader.integer(value, expected: "32 or 64", symbols: false)
                guard n == 32 || n == 64 else { throw reader.error(value, "width must be 32 or 64, got \(n)") }
                width = Int(n); widthNode = value
            default:
                if comparison != nil {
                    throw reader.error(keyNode, "a condition has one comparison; '\(key)' is a second one",
                                       hint: "conditions in one 'when' list are ANDed: write another list item")
                }
                if key == "masked-eq" {
                    let items = try reader.list(value, expected: "a list [MASK, VALUE]")
                    guard items.count == 2 else {
                        throw reader.error(value, "masked-eq takes [MASK, VALUE], got \(items.count) item(s)")
                    }
                    let mask = try reader.integer(items[0], expected: "a mask", symbols: true)
                    let v = try reader.integer(items[1], expected: "a value", symbols: true)
                    comparison = .maskedEqual(mask: mask, value: v); operands = [mask, v]
                    continue
                }
                let v = try reader.integer(value, expected: "a number or constant", symbols: true)
                operands = [v]
                switch key {
                case "has-all": comparison = .maskedEqual(mask: v, value: v)
                case "has-none": comparison = .maskedEqual(mask: v, value: 0)
                default: comparison = ArgumentComparison(operator: key, value: v) ?? .maskedEqual(mask: v, value: 0)
                }
            }
        }
        guard let index else { throw reader.error(node, "condition is missing 'arg' (the argument index 0...5)") }
        guard let comparison else {
            throw reader.error(node, "condition has no comparison",
                               hint: "add one of \(Self.operators.joined(separator: ", "))")
        }
        let fits32 = operands.allSatisfy { $0 <= 0xffff_ffff }
        if width == 32, !fits32 {
            throw reader.error(widthNode, "an operand does not fit in 32 bits", hint: "use width: 64")
        }
        // Compare 32 bits unless told otherwise: the kernel reads int arguments as 32 bits (CVE-2019-10063).
        return ArgumentCondition(index: index, comparison: comparison, low32: width != 64 && fits32)
    }

    // MARK: capabilities

    private func capabilities(_ node: YAMLNode) throws(PolicyError) -> [String] {
        let entries = try reader.mapping(node, expected: "the capabilities section (a mapping with keep)", allowed: ["keep"])
        var numbers = Set<Int>()
        for (_, _, value) in entries {
            for item in try reader.list(value, expected: "a list of capability names") {
                let name = try reader.name(item, expected: "a capability name")
                guard let n = CapabilityNames.number(named: name) else {
                    throw reader.error(item, "unknown capability '\(name)'",
                                       hint: DidYouMean.hint(for: CapabilityNames.canonical(name), among: CapabilityNames.all))
                }
                numbers.insert(n)
            }
        }
        return numbers.sorted().compactMap(CapabilityNames.name(of:))
    }

    // MARK: limits

    private func limits(_ node: YAMLNode, into layer: inout PolicyLayer) throws(PolicyError) {
        let entries = try reader.mapping(node, expected: "the limits section", allowed: Self.limitKeys)
        for (key, _, value) in entries {
            if key == "best-effort" {
                for item in try reader.list(value, expected: "a list of limit names") {
                    let name = try reader.name(item, expected: "a limit name")
                    guard let kind = LimitKind(rawValue: name) else {
                        throw reader.error(item, "unknown limit '\(name)'",
                                           hint: DidYouMean.hint(for: name, among: LimitKind.allCases.map(\.rawValue)))
                    }
                    if !layer.bestEffort.contains(kind) { layer.bestEffort.append(kind) }
                }
                continue
            }
            guard let kind = LimitKind(rawValue: key) else { continue }
            let text = try reader.scalar(value, expected: "a limit value or 'unlimited'")
            if text == "unlimited" { layer.limits[kind] = .unlimited; continue }
            let parsed: PolicyLayer.LimitValue
            switch kind {
            case .wall, .cpu:
                parsed = .seconds(try unit(Units.parseDuration(text), value))
            case .memory, .addressSpace, .fileSize, .stack, .core:
                parsed = .amount(try unit(Units.parseSize(text), value))
            case .processes, .openFiles:
                parsed = .amount(try unit(Units.parseCount(text), value))
            }
            let isZero: Bool
            switch parsed {
            case .seconds(let s): isZero = s == 0
            case .amount(let a): isZero = a == 0
            case .unlimited: isZero = false
            }
            if isZero, kind != .core, kind != .fileSize {
                throw reader.error(value, "a \(key) limit of 0 would kill every task",
                                   hint: "remove the key for no limit")
            }
            layer.limits[kind] = parsed
        }
    }

    private func unit<T>(_ result: Result<T, Units.ParseError>, _ node: YAMLNode) throws(PolicyError) -> T {
        switch result {
        case .success(let v): return v
        case .failure(let e): throw reader.error(node, e.message, hint: e.hint)
        }
    }

    // MARK: environment

    private func environment(_ node: YAMLNode, into layer: inout PolicyLayer) throws(PolicyError) {
        let entries = try reader.mapping(node, expected: "the environment section", allowed: Self.environmentKeys)
        for (key, _, value) in entries {
            switch key {
            case "clear": layer.environmentClear = try reader.bool(value, expected: "clear")
            case "set":
                for (name, nameNode, v) in try reader.mapping(value, expected: "a mapping of variable names to values") {
                    try checkVariableName(name, nameNode, wildcard: false)
                    if case .scalar = v, reader.isNull(v) {
                        throw reader.error(v, "variable '\(name)' has no value", hint: "write \"\" for an empty value")
                    }
                    let text = try reader.scalar(v, expected: "a string value")
                    if text.contains("\0") { throw reader.error(v, "the value of '\(name)' contains a NUL character") }
                    layer.environmentSet.append(EnvironmentVariable(name: name, value: text))
                }
            default:
                for item in try reader.list(value, expected: "a list of variable names") {
                    let name = try reader.name(item, expected: "a variable name")
                    try checkVariableName(name, item, wildcard: true)
                    if !layer.environmentPass.contains(name) { layer.environmentPass.append(name) }
                }
            }
        }
    }

    private func checkVariableName(_ name: String, _ node: YAMLNode, wildcard: Bool) throws(PolicyError) {
        if name.isEmpty { throw reader.error(node, "empty environment variable name") }
        if name.contains("=") { throw reader.error(node, "environment variable name '\(name)' contains '='") }
        if name.contains("\0") { throw reader.error(node, "environment variable name contains a NUL character") }
        let stars = name.filter { $0 == "*" }.count
        if stars > 0 {
            guard wildcard else { throw reader.error(node, "'*' is only allowed in 'pass' names") }
            guard stars == 1, name.hasSuffix("*") else {
                throw reader.error(node, "'\(name)': only one trailing '*' is allowed", hint: "e.g. LC_*")
            }
        }
    }

    // MARK: user

    private func user(_ node: YAMLNode) throws(PolicyError) -> UserPolicy {
        if case .scalar = node {
            // Short form: `user: nobody` or `user: 65534`.
            let (uid, primaryGroup) = try userID(node, primaryGroup: true)
            guard let gid = primaryGroup else {
                throw reader.error(node, "uid \(uid) has no passwd entry to take a group from",
                                   hint: "write user: { uid: \(uid), gid: GID }")
            }
            return UserPolicy(uid: uid, gid: gid)
        }
        let entries = try reader.mapping(node, expected: "the user section (a name or a mapping with uid and gid)",
                                         allowed: Self.userKeys)
        var uid: UInt32?, primaryGroup: UInt32?, gid: UInt32?
        var groups: [UInt32] = []
        var bestEffort = false
        // /etc/passwd is consulted for the primary group only when gid is not given.
        let hasGid = entries.contains { $0.key == "gid" }
        for (key, _, value) in entries {
            switch key {
            case "uid":
                let entry = try userID(value, primaryGroup: !hasGid)
                uid = entry.0; primaryGroup = entry.1
            case "gid": gid = try groupID(value)
            case "groups":
                for item in try reader.list(value, expected: "a list of group names or numbers") {
                    let g = try groupID(item)
                    if !groups.contains(g) { groups.append(g) }
                }
            default: bestEffort = try reader.bool(value, expected: "best-effort")
            }
        }
        guard let uid else { throw reader.error(node, "user is missing 'uid'") }
        guard let resolvedGid = gid ?? primaryGroup else {
            throw reader.error(node, "user is missing 'gid' (uid \(uid) has no passwd entry to take it from)")
        }
        return UserPolicy(uid: uid, gid: resolvedGid, groups: groups, bestEffort: bestEffort)
    }

    /// uid and, when /etc/passwd knows the user, its primary group.
    private func userID(_ node: YAMLNode, primaryGroup: Bool) throws(PolicyError) -> (UInt32, UInt32?) {
        let text = try reader.name(node, expected: "a user name or uid")
        if let n = YAMLReader.parseInteger(text) {
            guard n < 0xffff_ffff else { throw reader.error(node, "uid \(text) is out of range") }
            return (UInt32(n), primaryGroup ? SystemAccounts.primaryGroup(ofUID: UInt32(n)) : nil)
        }
        guard let entry = SystemAccounts.user(named: text) else {
            throw reader.error(node, "unknown user '\(text)'", hint: "no such entry in /etc/passwd; give a user from elsewhere by uid")
        }
        return entry
    }

    private func groupID(_ node: YAMLNode) throws(PolicyError) -> UInt32 {
        let text = try reader.name(node, expected: "a group name or gid")
        if let n = YAMLReader.parseInteger(text) {
            guard n < 0xffff_ffff else { throw reader.error(node, "gid \(text) is out of range") }
            return UInt32(n)
        }
        guard let gid = SystemAccounts.groupID(named: text) else {
            throw reader.error(node, "unknown group '\(text)'", hint: "no such entry in /etc/group; give a group from elsewhere by gid")
        }
        return gid
    }

    // MARK: audit

    /// `audit: { expect: blocked, exceptions: [{ probe: ID, reason: TEXT }] }`.
    private func audit(_ node: YAMLNode) throws(PolicyError) -> AuditPromise {
        let entries = try reader.mapping(node, expected: "the audit section (a mapping with expect and exceptions)",
                                         allowed: Self.auditKeys)
        var promise = AuditPromise()
        for (key, _, value) in entries {
            if key == "expect" {
                let word = try reader.scalar(value, expected: "blocked")
                guard let expectation = AuditPromise.Expectation(rawValue: word) else {
                    throw reader.error(value, "unknown audit expectation '\(word)'",
                                       hint: "expected \(AuditPromise.Expectation.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                promise.expect = expectation
                continue
            }
            for item in try reader.list(value, expected: "a list of { probe: ID, reason: TEXT }") {
                let fields = try reader.mapping(item, expected: "an exception ({ probe: ID, reason: TEXT })",
                                                allowed: Self.auditExceptionKeys)
                guard let probeNode = fields.first(where: { $0.key == "probe" })?.value else {
                    throw reader.error(item, "the exception names no probe", hint: "add probe: ID (bulkhead audit --list prints them)")
                }
                let probe = try reader.name(probeNode, expected: "a probe id")
                guard AuditProbeIDs.all.contains(probe) else {
                    throw reader.error(probeNode, "unknown probe '\(probe)'",
                                       hint: DidYouMean.hint(for: probe, among: AuditProbeIDs.all)
                                           ?? "bulkhead audit --list prints the probe ids")
                }
                guard let reasonNode = fields.first(where: { $0.key == "reason" })?.value else {
                    throw reader.error(item, "the exception for '\(probe)' gives no reason",
                                       hint: "add reason: why the policy lets it through")
                }
                let reason = try reader.scalar(reasonNode, expected: "a reason")
                guard !reason.allSatisfy(\.isWhitespace) else {
                    throw reader.error(reasonNode, "the exception for '\(probe)' gives an empty reason",
                                       hint: "say why the policy lets it through")
                }
                guard !promise.exceptions.contains(where: { $0.probe == probe }) else {
                    throw reader.error(probeNode, "probe '\(probe)' is excepted twice", hint: "keep one exception per probe")
                }
                promise.exceptions.append(.init(probe: probe, reason: reason))
            }
        }
        return promise
    }
}

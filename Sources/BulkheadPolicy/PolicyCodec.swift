import BulkheadSystem

/// A compact, exact text form of a resolved `Policy`, for the policy cache. Not a policy language:
/// line-oriented, tab-separated, every field escaped; decoding anything unexpected gives nil (a miss).
public enum PolicyCodec {
    static let format = "bulkhead-policy 2"

    public static func encode(_ policy: Policy) -> String {
        var lines: [[String]] = [[format], ["version", String(policy.version)]]
        if let name = policy.name { lines.append(["name", name]) }
        if let description = policy.description { lines.append(["description", description]) }
        if let seccomp = policy.seccomp {
            lines.append(["seccomp", action(seccomp.defaultAction)])
            lines.append(["allow"] + seccomp.allow)
            if seccomp.mode != .enforce { lines.append(["seccomp-mode", seccomp.mode.rawValue]) }
            for rule in seccomp.rules {
                lines.append(["rule", rule.syscall, action(rule.action)] + rule.conditions.map(condition))
                if rule.report { lines.append(["report"]) }
            }
        } else {
            lines.append(["seccomp", "none"])
        }
        lines.append(["keep"] + policy.capabilities.keep)
        let limits = policy.limits
        if let v = limits.wall { lines.append(["limit", LimitKind.wall.rawValue, "\(v)"]) }
        if let v = limits.cpu { lines.append(["limit", LimitKind.cpu.rawValue, "\(v)"]) }
        for kind in Limits.amountKinds {
            if let value = limits[amount: kind] { lines.append(["limit", kind.rawValue, String(value)]) }
        }
        lines.append(["best-effort"] + limits.bestEffort.members.map(\.rawValue).sorted())
        lines.append(["env-clear", policy.environment.clear ? "1" : "0"])
        for variable in policy.environment.set { lines.append(["env-set", variable.name, variable.value]) }
        lines.append(["env-pass"] + policy.environment.pass)
        if let workdir = policy.workdir { lines.append(["workdir", workdir]) }
        if let user = policy.user {
            lines.append(["user", String(user.uid), String(user.gid), user.bestEffort ? "1" : "0"] + user.groups.map(String.init))
        }
        if let namespaces = policy.namespaces {
            // ns  ENABLED  BEST-EFFORT  UID  GID  [HOSTNAME]; "-" for an id not given, names comma-separated.
            var fields = ["ns", namespaces.enabled.map(\.rawValue).joined(separator: ","),
                          namespaces.bestEffort.map(\.rawValue).joined(separator: ","),
                          namespaces.uid.map(String.init) ?? "-", namespaces.gid.map(String.init) ?? "-"]
            if let hostname = namespaces.hostname { fields.append(hostname) }
            lines.append(fields)
        }
        encodeAccess(policy, into: &lines)
        if policy.audit.expect != .blocked { lines.append(["audit-expect", policy.audit.expect.rawValue]) }
        for exception in policy.audit.exceptions { lines.append(["audit-exception", exception.probe, exception.reason]) }
        return lines.map { $0.map(escape).joined(separator: "\t") }.joined(separator: "\n") + "\n"
    }

    /// `filesystem:` and `network:`; each path with where it was written (a missing path is reported
    /// there at launch, also when the policy came from the cache).
    private static func encodeAccess(_ policy: Policy, into lines: inout [[String]]) {
        func grant(_ kind: String, _ g: PathGrant) -> [String] {
            [kind, g.written] + (g.location.map { [$0.file, String($0.line), String($0.column)] } ?? [])
        }
        if let f = policy.filesystem {
            lines.append(["fs", f.restricts ? "1" : "0", f.scratch ? "1" : "0", f.bestEffort ? "1" : "0"])
            for g in f.read { lines.append(grant("fs-read", g)) }
            for g in f.write { lines.append(grant("fs-write", g)) }
            for g in f.exec { lines.append(grant("fs-exec", g)) }
            for g in f.tmpfs { lines.append(grant("fs-tmpfs", g)) }
            for g in f.hide { lines.append(grant("fs-hide", g)) }
        }
        switch policy.network {
        case .host: break
        case .none: lines.append(["net", "none"])
        case .rules(let r):
            lines.append(["net", "rules", r.bestEffort ? "1" : "0", r.unix == nil ? "0" : "1"])
            lines.append(["net-connect"] + r.connect.map(String.init))
            lines.append(["net-bind"] + r.bind.map(String.init))
            for g in r.unix ?? [] { lines.append(grant("net-unix", g)) }
        }
    }

    private static func decodeGrant(_ fields: inout FieldCursor) -> PathGrant? {
        guard let path = fields.next() else { return nil }
        guard let file = fields.next() else { return PathGrant(written: path) }
        guard let line = fields.next().flatMap(Digits.number), let column = fields.next().flatMap(Digits.number), fields.atEnd,
              line < 1 << 31, column < 1 << 31 else { return nil }
        return PathGrant(written: path, location: PolicyLocation(file: file, line: Int(line), column: Int(column)))
    }

    private static func decodePorts(_ fields: inout FieldCursor) -> [UInt16]? {
        var ports: [UInt16] = []
        while let field = fields.next() {
            guard let n = Digits.number(field), n <= 65535 else { return nil }
            ports.append(UInt16(n))
        }
        return ports
    }

    public static func decode(_ text: String) -> Policy? {
        decode(Array(text.utf8)[...])
    }

    /// One pass over the bytes, no intermediate arrays: a cache hit runs on every `bulkhead run`, and
    /// splitting into lines and fields first cost more than the rest of the decoding.
    static func decode(_ bytes: ArraySlice<UInt8>) -> Policy? {
        var lines = LineCursor(bytes)
        guard let header = lines.next(), header.elementsEqual(format.utf8) else { return nil }
        var policy = Policy()
        policy.seccomp = nil
        while let line = lines.next() {
            var fields = FieldCursor(line)
            guard let key = fields.next() else { return nil }
            switch key {
            case "version": guard let v = fields.next().flatMap(Digits.number), v <= 1000 else { return nil }; policy.version = Int(v)
            case "name": policy.name = fields.next()
            case "description": policy.description = fields.next()
            case "seccomp":
                guard let first = fields.next() else { return nil }
                if first == "none" { policy.seccomp = nil; continue }
                guard let defaultAction = action(first) else { return nil }
                policy.seccomp = SeccompPolicy(defaultAction: defaultAction)
            case "allow":
                var names: [String] = []
                while let name = fields.next() { names.append(name) }
                policy.seccomp?.allow = names
            case "rule":
                guard let syscall = fields.next(), let ruleAction = fields.next().flatMap(action) else { return nil }
                var conditions: [ArgumentCondition] = []
                while let text = fields.next() {
                    guard let c = condition(text) else { return nil }
                    conditions.append(c)
                }
                policy.seccomp?.rules.append(SyscallRule(syscall: syscall, action: ruleAction, conditions: conditions))
            case "report":
                guard fields.atEnd, let last = policy.seccomp?.rules.indices.last else { return nil }
                policy.seccomp?.rules[last].report = true
            case "seccomp-mode":
                guard let text = fields.next(), let mode = SeccompMode(rawValue: text), fields.atEnd, policy.seccomp != nil
                else { return nil }
                policy.seccomp?.mode = mode
            case "keep": policy.capabilities.keep = fields.remaining()
            case "limit":
                guard let name = fields.next(), let kind = LimitKind(rawValue: name), let value = fields.next(), fields.atEnd
                else { return nil }
                if kind == .wall || kind == .cpu {
                    guard let seconds = Double(value) else { return nil }
                    if kind == .wall { policy.limits.wall = seconds } else { policy.limits.cpu = seconds }
                    continue
                }
                guard let n = Digits.number(value) else { return nil }
                policy.limits[amount: kind] = n
            case "best-effort":
                var kinds = LimitKindSet()
                while let value = fields.next() {
                    guard let kind = LimitKind(rawValue: value) else { return nil }
                    kinds.insert(kind)
                }
                policy.limits.bestEffort = kinds
            case "env-clear": policy.environment.clear = fields.next() == "1"
            case "env-set":
                guard let name = fields.next(), let value = fields.next(), fields.atEnd else { return nil }
                policy.environment.set.append(EnvironmentVariable(name: name, value: value))
            case "env-pass": policy.environment.pass = fields.remaining()
            case "workdir": policy.workdir = fields.next()
            case "user":
                guard let uid = fields.next().flatMap(Digits.number).flatMap(UInt32.init(exactly:)),
                      let gid = fields.next().flatMap(Digits.number).flatMap(UInt32.init(exactly:)),
                      let bestEffort = fields.next() else { return nil }
                var groups: [UInt32] = []
                while let value = fields.next() {
                    guard let g = Digits.number(value).flatMap(UInt32.init(exactly:)) else { return nil }
                    groups.append(g)
                }
                policy.user = UserPolicy(uid: uid, gid: gid, groups: groups, bestEffort: bestEffort == "1")
            case "ns":
                guard let enabled = fields.next().flatMap(namespaceKinds), let bestEffort = fields.next().flatMap(namespaceKinds),
                      let uid = fields.next().flatMap(optionalID), let gid = fields.next().flatMap(optionalID) else { return nil }
                let hostname = fields.next()
                guard fields.atEnd else { return nil }
                policy.namespaces = NamespacePolicy(enabled: enabled, hostname: hostname, uid: uid.value, gid: gid.value,
                                                    bestEffort: bestEffort)
            case "fs":
                guard let restricts = fields.next(), let scratch = fields.next(), let bestEffort = fields.next(), fields.atEnd
                else { return nil }
                policy.filesystem = FilesystemPolicy(restricts: restricts == "1", scratch: scratch == "1", bestEffort: bestEffort == "1")
            case "fs-read", "fs-write", "fs-exec", "fs-tmpfs", "fs-hide":
                guard policy.filesystem != nil, let g = decodeGrant(&fields) else { return nil }
                switch key {
                case "fs-read": policy.filesystem?.read.append(g)
                case "fs-write": policy.filesystem?.write.append(g)
                case "fs-exec": policy.filesystem?.exec.append(g)
                case "fs-tmpfs": policy.filesystem?.tmpfs.append(g)
                default: policy.filesystem?.hide.append(g)
                }
            case "net":
                guard let mode = fields.next() else { return nil }
                if mode == "none", fields.atEnd { policy.network = .none; continue }
                guard mode == "rules", let bestEffort = fields.next(), let hasUnix = fields.next(), fields.atEnd else { return nil }
                policy.network = .rules(NetworkRules(unix: hasUnix == "1" ? [] : nil, bestEffort: bestEffort == "1"))
            case "net-connect", "net-bind", "net-unix":
                guard case .rules(var rules) = policy.network else { return nil }
                if key == "net-unix" {
                    guard rules.unix != nil, let g = decodeGrant(&fields) else { return nil }
                    rules.unix?.append(g)
                } else {
                    guard let ports = decodePorts(&fields) else { return nil }
                    if key == "net-connect" { rules.connect = ports } else { rules.bind = ports }
                }
                policy.network = .rules(rules)
            case "audit-expect":
                guard let expectation = fields.next().flatMap(AuditPromise.Expectation.init(rawValue:)) else { return nil }
                policy.audit.expect = expectation
            case "audit-exception":
                guard let probe = fields.next(), let reason = fields.next(), fields.atEnd else { return nil }
                policy.audit.exceptions.append(.init(probe: probe, reason: reason))
            default: return nil
            }
        }
        return policy
    }

    private static func namespaceKinds(_ text: String) -> [NamespaceKind]? {
        var kinds: [NamespaceKind] = []
        for name in text.split(separator: ",") {
            guard let kind = NamespaceKind(rawValue: String(name)) else { return nil }
            kinds.append(kind)
        }
        return kinds
    }

    /// "-" is an id not given; a wrapper, since nil already means "unreadable".
    private static func optionalID(_ text: String) -> (value: UInt32?, Void)? {
        if text == "-" { return (nil, ()) }
        guard let n = Digits.number(text).flatMap(UInt32.init(exactly:)) else { return nil }
        return (n, ())
    }

    private static func action(_ action: SeccompAction) -> String {
        switch action {
        case .allow: return "allow"
        case .kill: return "kill"
        case .errno(let e): return "errno:\(e)"
        case .trap: return "trap"
        case .log: return "log"
        }
    }

    private static func action(_ text: String) -> SeccompAction? {
        switch text {
        case "allow": return .allow
        case "kill": return .kill
        case "trap": return .trap
        case "log": return .log
        default:
            guard text.hasPrefix("errno:"), let e = Int32(text.dropFirst(6)) else { return nil }
            return .errno(e)
        }
    }

    private static func condition(_ c: ArgumentCondition) -> String {
        let (op, a, b): (String, UInt64, UInt64) = {
            switch c.comparison {
            case .equal(let v): return ("eq", v, 0)
            case .notEqual(let v): return ("ne", v, 0)
            case .less(let v): return ("lt", v, 0)
            case .lessOrEqual(let v): return ("le", v, 0)
            case .greater(let v): return ("gt", v, 0)
            case .greaterOrEqual(let v): return ("ge", v, 0)
            case .maskedEqual(let mask, let value): return ("me", mask, value)
            }
        }()
        return "\(c.index):\(op):\(a):\(b):\(c.low32 ? 1 : 0)"
    }

    private static func condition(_ text: String) -> ArgumentCondition? {
        // INDEX:OP:A:B:LOW32, taken apart without building an array of parts.
        var rest = Array(text.utf8)[...]
        func part() -> ArraySlice<UInt8>? {
            guard let colon = rest.firstIndex(of: UInt8(ascii: ":")) else { return nil }
            defer { rest = rest[(colon + 1)...] }
            return rest[..<colon]
        }
        guard let first = part(), let op = part(), let second = part(), let third = part(),
              let index = Digits.number(first), index < 6, let a = Digits.number(second), let b = Digits.number(third),
              !rest.contains(UInt8(ascii: ":")) else { return nil }
        let name = String(decoding: op, as: UTF8.self)
        guard let comparison = name == "me" ? .maskedEqual(mask: a, value: b) : ArgumentComparison(operator: name, value: a)
        else { return nil }
        return ArgumentCondition(index: Int(index), comparison: comparison, low32: rest.elementsEqual("1".utf8))
    }

    static func escape(_ field: String) -> String {
        guard field.contains(where: { $0 == "\\" || $0 == "\t" || $0 == "\n" || $0 == "\r" }) else { return field }
        var out = ""
        for c in field {
            switch c {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.append(c)
            }
        }
        return out
    }

    /// A line's tab-separated, unescaped fields.
    static func fields(_ line: ArraySlice<UInt8>) -> [String] {
        var cursor = FieldCursor(line)
        return cursor.remaining()
    }

    static func unescape(_ field: ArraySlice<UInt8>) -> String {
        guard field.contains(0x5C) else { return String(decoding: field, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(field.count)
        var escaping = false
        for byte in field {
            if escaping {
                switch byte {
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                default: out.append(byte)
                }
                escaping = false
            } else if byte == 0x5C {
                escaping = true
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The lines of a text, without their newline.
    struct LineCursor {
        private var rest: ArraySlice<UInt8>
        init(_ bytes: ArraySlice<UInt8>) { rest = bytes }
        var atEnd: Bool { rest.isEmpty }

        mutating func next() -> ArraySlice<UInt8>? {
            guard !rest.isEmpty else { return nil }
            guard let end = rest.firstIndex(of: 0x0A) else {
                defer { rest = rest[rest.endIndex...] }
                return rest
            }
            defer { rest = rest[(end + 1)...] }
            return rest[..<end]
        }
    }

    /// The tab-separated fields of one line, unescaped one at a time.
    struct FieldCursor {
        private var unread: ArraySlice<UInt8>?
        init(_ line: ArraySlice<UInt8>) { unread = line }
        var atEnd: Bool { unread == nil }

        mutating func next() -> String? {
            guard let line = unread else { return nil }
            guard let tab = line.firstIndex(of: 0x09) else {
                unread = nil
                return unescape(line)
            }
            unread = line[(tab + 1)...]
            return unescape(line[..<tab])
        }

        /// The fields not read yet.
        mutating func remaining() -> [String] {
            var all: [String] = []
            while let field = next() { all.append(field) }
            return all
        }
    }
}

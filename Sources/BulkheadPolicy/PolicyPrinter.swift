/// Renders a resolved `Policy` as a policy file (for `bulkhead policy show`).
///
/// The output is the *resolved* policy: `extends` already applied, groups expanded, every default
/// written out. It is itself a valid policy that loads back to an equal `Policy`, so what `show`
/// prints is exactly what would be enforced, and can be saved and edited.
public enum PolicyPrinter {
    public static func yaml(_ policy: Policy) -> String {
        var out: [String] = ["# Resolved policy: extends applied, groups expanded, defaults written out.", "version: 1"]
        if let name = policy.name { out.append("name: \(quote(name))") }
        if let description = policy.description { out.append("description: \(quote(description))") }

        if let s = policy.seccomp {
            out += seccomp(s)
        } else {
            out.append("seccomp: none")
        }

        out.append("capabilities:")
        out.append("  keep: [\(policy.capabilities.keep.map(quote).joined(separator: ", "))]")

        let limitLines = LimitKind.allCases.compactMap { kind -> String? in
            switch policy.limits[kind] {
            case .seconds(let s)?: return "  \(kind.rawValue): \(Units.formatDuration(s))"
            case .amount(let a)?:
                let sized: Set<LimitKind> = [.memory, .fileSize, .core, .stack, .addressSpace]
                return "  \(kind.rawValue): \(sized.contains(kind) ? Units.formatSize(a) : String(a))"
            case .unlimited?, nil: return nil
            }
        }
        let bestEffort = policy.limits.bestEffort.members
        if limitLines.isEmpty && bestEffort.isEmpty {
            out.append("limits: {}")
        } else {
            out.append("limits:")
            out += limitLines
            if !bestEffort.isEmpty { out.append("  best-effort: [\(bestEffort.map(\.rawValue).joined(separator: ", "))]") }
        }

        let env = policy.environment
        out.append("environment:")
        out.append("  clear: \(env.clear)")
        if env.set.isEmpty {
            out.append("  set: {}")
        } else {
            out.append("  set:")
            for v in env.set { out.append("    \(quote(v.name)): \(quote(v.value))") }
        }
        out.append("  pass: [\(env.pass.map(quote).joined(separator: ", "))]")

        if let workdir = policy.workdir { out.append("workdir: \(quote(workdir))") }
        if let user = policy.user {
            out.append("user:")
            out.append("  uid: \(user.uid)")
            out.append("  gid: \(user.gid)")
            out.append("  groups: [\(user.groups.map(String.init).joined(separator: ", "))]")
            out.append("  best-effort: \(user.bestEffort)")
        }
        if let namespaces = policy.namespaces {
            out.append("namespaces:")
            out.append("  enable: [\(namespaces.enabled.map(\.rawValue).joined(separator: ", "))]")
            if let hostname = namespaces.hostname { out.append("  hostname: \(quote(hostname))") }
            if let uid = namespaces.uid { out.append("  uid: \(uid)") }
            if let gid = namespaces.gid { out.append("  gid: \(gid)") }
            out.append("  best-effort: [\(namespaces.bestEffort.map(\.rawValue).joined(separator: ", "))]")
        }
        out += access(policy)
        if policy.audit != AuditPromise() {
            out.append("audit:")
            out.append("  expect: \(policy.audit.expect.rawValue)")
            out.append(policy.audit.exceptions.isEmpty ? "  exceptions: []" : "  exceptions:")
            for exception in policy.audit.exceptions {
                out.append("    - { probe: \(quote(exception.probe)), reason: \(quote(exception.reason)) }")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The `seccomp:` section.
    static func seccomp(_ s: SeccompPolicy) -> [String] {
        var out = ["seccomp:", "  default: \(quote(s.defaultAction.description))"]
        if s.mode != .enforce { out.append("  mode: \(s.mode.rawValue)") }
        out.append(s.allow.isEmpty ? "  allow: []" : "  allow:")
        for name in s.allow { out.append("    - \(quote(name))") }
        out.append(s.rules.isEmpty ? "  rules: []" : "  rules:")
        // One line per rule: resolved policies have many (several `ne` become masked-eq alternatives).
        for rule in s.rules { out.append("    - " + self.rule(rule)) }
        return out
    }

    /// `{ syscall: kill, action: allow, when: [{ arg: 0, ne: 0xffffffff }] }`
    static func rule(_ rule: SyscallRule) -> String {
        var line = "{ syscall: \(quote(rule.syscall)), action: \(quote(rule.action.description))"
        if !rule.conditions.isEmpty {
            line += ", when: [\(rule.conditions.map(condition).joined(separator: ", "))]"
        }
        if rule.report { line += ", report: true" }
        return line + " }"
    }

    /// `filesystem:` and `network:`.
    static func access(_ policy: Policy) -> [String] {
        var out: [String] = []
        func paths(_ grants: [PathGrant]) -> String { "[\(grants.map { quote($0.written) }.joined(separator: ", "))]" }
        if let f = policy.filesystem {
            out.append("filesystem:")
            if f.restricts {
                out.append("  read: \(paths(f.read))")
                out.append("  write: \(paths(f.write))")
                out.append("  exec: \(paths(f.exec))")
            }
            if !f.tmpfs.isEmpty { out.append("  tmpfs: \(paths(f.tmpfs))") }
            if !f.hide.isEmpty { out.append("  hide: \(paths(f.hide))") }
            out.append("  scratch: \(f.scratch)")
            out.append("  best-effort: \(f.bestEffort)")
        }
        switch policy.network {
        case .host: out.append("network: host")
        case .none: out.append("network: none")
        case .rules(let rules):
            out.append("network:")
            out.append("  connect: [\(rules.connect.map(String.init).joined(separator: ", "))]")
            out.append("  bind: [\(rules.bind.map(String.init).joined(separator: ", "))]")
            if let unix = rules.unix { out.append("  unix: \(paths(unix))") }
            out.append("  best-effort: \(rules.bestEffort)")
        }
        return out
    }

    /// `{ arg: 0, has-none: 0x7e020000 }`; has-all/has-none when the mask form allows, so output reads like input.
    static func condition(_ c: ArgumentCondition) -> String {
        let op: String
        switch c.comparison {
        case .equal(let v): op = "eq: \(number(v))"
        case .notEqual(let v): op = "ne: \(number(v))"
        case .less(let v): op = "lt: \(number(v))"
        case .lessOrEqual(let v): op = "le: \(number(v))"
        case .greater(let v): op = "gt: \(number(v))"
        case .greaterOrEqual(let v): op = "ge: \(number(v))"
        case let .maskedEqual(mask, value) where mask == value: op = "has-all: \(number(mask))"
        case let .maskedEqual(mask, value) where value == 0: op = "has-none: \(number(mask))"
        case let .maskedEqual(mask, value): op = "masked-eq: [\(number(mask)), \(number(value))]"
        }
        return "{ arg: \(c.index), \(op)\(c.low32 ? "" : ", width: 64") }"
    }

    static func number(_ v: UInt64) -> String {
        v < 10 ? String(v) : "0x" + String(v, radix: 16)
    }

    /// Plain when unambiguous in YAML, otherwise double-quoted with escapes.
    static func quote(_ s: String) -> String {
        let reserved: Set<String> = ["", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
                                     "yes", "no", "on", "off", "y", "n", "Yes", "No", "On", "Off"]
        let safe = s.unicodeScalars.allSatisfy { c in
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || "_./+-:".unicodeScalars.contains(c)
        }
        if safe, !reserved.contains(s), let first = s.unicodeScalars.first, !"-:.".unicodeScalars.contains(first),
           !s.hasSuffix(":") {
            return s
        }
        var q = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": q += "\\\""
            case "\\": q += "\\\\"
            case "\n": q += "\\n"
            case "\t": q += "\\t"
            case "\r": q += "\\r"
            default:
                if c.value < 0x20 || c.value == 0x7f || (c.value >= 0x80 && c.value < 0xa0) || c.value == 0xfeff
                    || c.value == 0x2028 || c.value == 0x2029 {
                    let hex = String(c.value, radix: 16)
                    q += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                } else {
                    q.unicodeScalars.append(c)
                }
            }
        }
        return q + "\""
    }
}

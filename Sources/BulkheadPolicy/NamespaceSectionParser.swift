/// `namespaces:` of one policy file: `all`, `none`, a list of names, or the long form with `enable`,
/// `hostname`, `uid`, `gid` and `best-effort`.
struct NamespaceSectionParser {
    let reader: YAMLReader

    static let keys = ["enable", "hostname", "uid", "gid", "best-effort"]
    static var names: [String] { NamespaceKind.allCases.map(\.rawValue) }
    static let shapeHint = "write 'all', 'none', a list such as [pid, net], or a mapping with enable, hostname, uid, gid, best-effort"

    /// What the file says; fields it leaves out stay nil (for `extends`, see `PolicyLayer.Namespaces`).
    func parse(_ node: YAMLNode) throws(PolicyError) -> PolicyLayer.Namespaces {
        var section = PolicyLayer.Namespaces()
        switch node {
        case .scalar:
            section.enabled = try word(node)
            return section
        case .sequence:
            section.enabled = try list(node)
            return section
        default: break
        }
        let entries = try reader.mapping(
            node, expected: "the namespaces section (all, none, a list, or a mapping with enable)",
            allowed: Self.keys)
        var hostnameNode: YAMLNode?, uidNode: YAMLNode?, gidNode: YAMLNode?
        for (key, _, value) in entries {
            switch key {
            case "enable":
                if case .sequence = value { section.enabled = try list(value) } else { section.enabled = try word(value) }
            case "hostname":
                section.hostname = try hostname(value); hostnameNode = value
            case "uid":
                section.uid = try id(value, what: "uid"); uidNode = value
            case "gid":
                section.gid = try id(value, what: "gid"); gidNode = value
            default:
                if case .scalar = value, !reader.isNull(value) {
                    let all = try reader.bool(value, expected: "best-effort")
                    section.bestEffort = all ? NamespaceKind.allCases : []
                } else {
                    section.bestEffort = try list(value)
                }
            }
        }
        // A setting for a namespace this file does not enable would do nothing: most likely a mistake.
        if let enabled = section.enabled {
            if let hostnameNode, !enabled.contains(.uts) {
                throw reader.error(
                    hostnameNode, "hostname applies to the uts namespace, which this section does not enable",
                    hint: "add uts to enable")
            }
            for node in [uidNode, gidNode].compactMap({ $0 }) where !enabled.contains(.user) {
                throw reader.error(
                    node, "uid and gid apply to the user namespace, which this section does not enable",
                    hint: "add user to enable")
            }
        }
        return section
    }

    private func word(_ node: YAMLNode) throws(PolicyError) -> [NamespaceKind] {
        let text = try reader.name(node, expected: "all, none or a list of namespaces")
        switch text {
        case "all": return NamespaceKind.allCases
        case "none": return []
        default:
            if NamespaceKind(rawValue: text) != nil {
                throw reader.error(node, "expected all, none or a list of namespaces, got '\(text)'", hint: "write [\(text)]")
            }
            throw reader.error(
                node, "unknown namespaces value '\(text)'",
                hint: DidYouMean.hint(for: text, among: ["all", "none"] + Self.names) ?? Self.shapeHint)
        }
    }

    private func list(_ node: YAMLNode) throws(PolicyError) -> [NamespaceKind] {
        var kinds: [NamespaceKind] = []
        for item in try reader.list(node, expected: "a list of namespaces") {
            let name = try reader.name(item, expected: "a namespace name")
            if name == "all" { kinds += NamespaceKind.allCases; continue }
            guard let kind = NamespaceKind(rawValue: name) else {
                throw reader.error(
                    item, "unknown namespace '\(name)'",
                    hint: DidYouMean.hint(for: name, among: Self.names) ?? "expected one of: \(Self.names.joined(separator: ", "))")
            }
            kinds.append(kind)
        }
        return NamespacePolicy.ordered(kinds)
    }

    private func hostname(_ node: YAMLNode) throws(PolicyError) -> String {
        let text = try reader.name(node, expected: "a host name")
        guard text.utf8.count <= NamespacePolicy.maxHostnameLength else {
            throw reader.error(
                node, "hostname is \(text.utf8.count) bytes long; the kernel takes at most \(NamespacePolicy.maxHostnameLength)")
        }
        return text
    }

    private func id(_ node: YAMLNode, what: String) throws(PolicyError) -> UInt32 {
        let n = try reader.integer(node, expected: "a numeric \(what)", symbols: false)
        // 4294967295 is (uid_t)-1, which the kernel refuses in a map.
        guard n < 0xffff_ffff else { throw reader.error(node, "\(what) \(n) is out of range") }
        return UInt32(n)
    }
}

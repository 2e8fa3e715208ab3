/// The `filesystem:` and `network:` sections of a policy file (see `AccessPolicy.swift`).
extension PolicyFileParser {
    static let filesystemKeys = ["read", "write", "exec", "tmpfs", "hide", "scratch", "best-effort", "inherit"]
    static let networkKeys = ["connect", "bind", "unix", "best-effort"]
    static let placeholders = PathGrant.placeholders

    func filesystem(_ node: YAMLNode) throws(PolicyError) -> PolicyLayer.FilesystemLayer {
        let entries = try reader.mapping(
            node, expected: "the filesystem section (a mapping with read, write, exec, scratch)",
            allowed: Self.filesystemKeys)
        var layer = PolicyLayer.FilesystemLayer()
        for (key, _, value) in entries {
            switch key {
            case "read": layer.read = try pathGrants(value, key: "filesystem.read")
            case "write": layer.write = try pathGrants(value, key: "filesystem.write")
            case "exec": layer.exec = try pathGrants(value, key: "filesystem.exec")
            case "tmpfs": layer.tmpfs = try pathGrants(value, key: "filesystem.tmpfs", placeholders: false)
            case "hide": layer.hide = try pathGrants(value, key: "filesystem.hide", placeholders: false)
            case "scratch": layer.scratch = try reader.bool(value, expected: "scratch")
            case "inherit": layer.inherit = try reader.bool(value, expected: "inherit")
            default: layer.bestEffort = try reader.bool(value, expected: "best-effort")
            }
        }
        return layer
    }

    func network(_ node: YAMLNode) throws(PolicyError) -> NetworkPolicy {
        if case .scalar = node, !reader.isNull(node) {
            let text = try reader.scalar(node, expected: "none, host or a mapping")
            switch text {
            case "none": return .none
            case "host": return .host
            default:
                throw reader.error(
                    node, "expected none, host or a mapping with connect, bind and unix, got \(reader.describe(node))",
                    hint: DidYouMean.hint(for: text, among: ["none", "host"]))
            }
        }
        let entries = try reader.mapping(
            node, expected: "the network section (none, host, or a mapping with connect, bind, unix)",
            allowed: Self.networkKeys)
        var rules = NetworkRules()
        for (key, _, value) in entries {
            switch key {
            case "connect": rules.connect = try ports(value, key: "network.connect", allowZero: false)
            case "bind": rules.bind = try ports(value, key: "network.bind", allowZero: true)
            case "unix": rules.unix = try pathGrants(value, key: "network.unix")
            default: rules.bestEffort = try reader.bool(value, expected: "best-effort")
            }
        }
        return .rules(rules)
    }

    /// A list of paths, each absolute or starting with a placeholder, kept with where it was written.
    /// - Parameter placeholders: `$CWD` and the like are allowed (not for mounts of the view's own).
    private func pathGrants(_ node: YAMLNode, key: String, placeholders: Bool = true) throws(PolicyError) -> [PathGrant] {
        var grants: [PathGrant] = []
        for item in try reader.list(node, expected: "a list of paths") {
            let written = try reader.name(item, expected: "a path")
            let location = PolicyLocation(file: reader.file, line: item.line, column: item.column)
            let grant = PathGrant(written: written, location: location)
            let path = grant.path
            if path.hasPrefix("$") && !placeholders {
                throw reader.error(item, "\(key) takes absolute paths, got '\(path)'",
                                   hint: "the working, scratch and command paths are granted with read, write and exec")
            } else if path.hasPrefix("$") {
                let name = String(path.prefix { $0 != "/" })
                guard Self.placeholders.contains(name) else {
                    throw reader.error(
                        item, "unknown placeholder '\(name)' in \(key)",
                        hint: DidYouMean.hint(for: name, among: Self.placeholders)
                            ?? "a path starts with /, $CWD or $SCRATCH")
                }
            } else if !path.hasPrefix("/") {
                throw reader.error(
                    item, "\(key) takes absolute paths, got '\(path)'",
                    hint: "write /\(path), or $CWD/\(path) for one beneath the working directory")
            }
            if !placeholders, path.split(separator: "/").allSatisfy({ $0 == "." }) {
                // The view's root is its own already; hiding it or mounting over it would leave nothing to run.
                throw reader.error(item, "\(key) cannot name the root directory", hint: "name the directory beneath / you mean")
            }
            if path.split(separator: "/").contains(where: { $0 == ".." }) {
                throw reader.error(item, "\(key): '\(path)' goes up with '..'", hint: "name the path it means, without '..'")
            }
            if path.contains("*"),
                key != "filesystem.hide" || path.split(separator: "/").dropLast().contains(where: { $0.contains("*") }) {
                throw reader.error(item, "\(key): '\(path)' has a '*' where none is allowed",
                                   hint: "only filesystem.hide takes a '*', in the last component: /etc/ssh/ssh_host_*")
            }
            if !grants.contains(grant) { grants.append(grant) }
        }
        return grants
    }

    private func ports(_ node: YAMLNode, key: String, allowZero: Bool) throws(PolicyError) -> [UInt16] {
        var ports: [UInt16] = []
        for item in try reader.list(node, expected: "a list of TCP port numbers") {
            let n = try reader.integer(item, expected: "a TCP port number", symbols: false)
            guard n <= 65535, n > 0 || allowZero else {
                throw reader.error(item, "\(key): \(n) is not a TCP port", hint: "a port is \(allowZero ? 0 : 1)...65535")
            }
            if !ports.contains(UInt16(n)) { ports.append(UInt16(n)) }
        }
        return ports
    }
}

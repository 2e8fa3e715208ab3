/// Turns text into a `YAMLNode` tree (see `YAMLComposer`) and answers typed questions about nodes, raising `PolicyError`s
/// that carry this file's name and the node's line and column.
///
/// Policies are walked node by node instead of decoded with `Codable` because a decoder loses the
/// position of the value it rejects, and every error here must point at a line.
final class YAMLReader {
    let file: String
    /// Nodes still allowed to be visited. Aliases make a small text expand into a huge tree
    /// ("billion laughs"); counting visits bounds the work whatever the input.
    private var budget = 100_000

    init(file: String) { self.file = file }

    // MARK: parsing

    /// The document's root, or nil for an empty document.
    func compose(_ text: String) throws(PolicyError) -> YAMLNode? {
        try YAMLComposer(file: file).compose(text)
    }

    // MARK: errors

    func error(_ node: YAMLNode?, _ message: String, hint: String? = nil) -> PolicyError {
        PolicyError(file: file, line: node?.line, column: node?.column, message: message, hint: hint)
    }

    /// Counts a visit; throws once the document has expanded beyond any plausible policy.
    func visit(_ node: YAMLNode) throws(PolicyError) {
        budget -= 1
        if budget < 0 {
            throw error(node, "document too large after expanding aliases", hint: "a policy needs far fewer than 100000 values")
        }
    }

    // MARK: node questions

    /// "a mapping", "a list", "null", "a boolean", "a number", "the string 'x'".
    func describe(_ node: YAMLNode) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let s):
            switch s.kind {
            case .null: return "nothing (null)"
            case .bool: return "a boolean"
            case .int, .float: return "a number"
            case .string:
                let shown = s.value.count > 40 ? String(s.value.prefix(40)) + "…" : s.value
                return "the string '\(shown)'"
            }
        }
    }

    func isNull(_ node: YAMLNode) -> Bool {
        guard case .scalar(let s) = node else { return false }
        return s.kind == .null
    }

    /// Key/value pairs of a mapping whose keys are all strings, unique, and among `allowed`.
    func mapping(_ node: YAMLNode, expected: String,
                 allowed: [String]? = nil) throws(PolicyError) -> [(key: String, keyNode: YAMLNode, value: YAMLNode)] {
        try visit(node)
        guard case .mapping(let m) = node else { throw error(node, "expected \(expected), got \(describe(node))") }
        var out: [(key: String, keyNode: YAMLNode, value: YAMLNode)] = []
        var seen = Set<String>()
        for (k, v) in m.pairs {
            try visit(k)
            guard case .scalar(let ks) = k, !isNull(k) else {
                throw error(k, "keys must be strings, got \(describe(k))")
            }
            let key = ks.value
            guard seen.insert(key).inserted else { throw error(k, "duplicate key '\(key)'") }
            out.append((key, k, v))
        }
        if let allowed { try checkKeys(out, allowed: allowed, in: expected) }
        return out
    }

    /// Refuses the first key not in `allowed`, suggesting the nearest allowed one.
    func checkKeys(_ entries: [(key: String, keyNode: YAMLNode, value: YAMLNode)], allowed: [String],
                   in expected: String) throws(PolicyError) {
        for (key, keyNode, _) in entries where !allowed.contains(key) {
            throw error(keyNode, "unknown key '\(key)' in \(expected)",
                        hint: DidYouMean.hint(for: key, among: allowed) ?? "expected one of: \(allowed.joined(separator: ", "))")
        }
    }

    /// A scalar's text. Numbers and booleans are accepted as their text (`PATH: 1` sets "1").
    func scalar(_ node: YAMLNode, expected: String) throws(PolicyError) -> String {
        try visit(node)
        guard case .scalar(let s) = node, !isNull(node) else { throw error(node, "expected \(expected), got \(describe(node))") }
        return s.value
    }

    /// Like `scalar` but refuses NUL and an empty string: names, paths and constants are never empty.
    func name(_ node: YAMLNode, expected: String) throws(PolicyError) -> String {
        let s = try scalar(node, expected: expected)
        if s.isEmpty { throw error(node, "expected \(expected), got an empty string") }
        if s.contains("\0") { throw error(node, "\(expected) must not contain a NUL character") }
        return s
    }

    func bool(_ node: YAMLNode, expected: String) throws(PolicyError) -> Bool {
        try visit(node)
        guard case .scalar(let s) = node, let b = s.bool else {
            throw error(node, "expected \(expected) (true or false), got \(describe(node))")
        }
        return b
    }

    /// The items of a list. A single scalar is *not* promoted to a one-item list: it is usually a mistake.
    func list(_ node: YAMLNode, expected: String) throws(PolicyError) -> [YAMLNode] {
        try visit(node)
        guard case .sequence(let seq) = node else { throw error(node, "expected \(expected), got \(describe(node))") }
        return seq.items
    }

    /// An integer written in decimal, 0x hex, 0o octal or 0b binary, or a symbolic constant / `A|B` expression.
    func integer(_ node: YAMLNode, expected: String, symbols: Bool) throws(PolicyError) -> UInt64 {
        let text = trimSpaces(try name(node, expected: expected))
        if text.hasPrefix("-") {
            throw error(node, "\(expected) cannot be negative", hint: "write the unsigned register value, e.g. 0xffffffff for a 32-bit -1")
        }
        if let v = Self.parseInteger(text) { return v }
        if let first = text.unicodeScalars.first, ("0"..."9").contains(first) {
            throw error(node, "'\(text)' is not a valid number or is too large", hint: "at most 0xffffffffffffffff")
        }
        if symbols {
            if let v = SymbolicConstants.value(of: text) { return v }
            let bad = text.split(separator: "|").map { trimSpaces($0) }.first { SymbolicConstants.table[$0] == nil } ?? text
            throw error(node, "unknown constant '\(bad)'",
                        hint: DidYouMean.hint(for: bad, among: SymbolicConstants.table.keys.sorted()))
        }
        throw error(node, "expected \(expected), got \(describe(node))")
    }

    static func parseInteger(_ text: String) -> UInt64? {
        let s = text.replacingUnderscores()
        let lower = s.lowercased()
        if lower.hasPrefix("0x") { return UInt64(lower.dropFirst(2), radix: 16) }
        if lower.hasPrefix("0o") { return UInt64(lower.dropFirst(2), radix: 8) }
        if lower.hasPrefix("0b") { return UInt64(lower.dropFirst(2), radix: 2) }
        guard !s.isEmpty, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return UInt64(s)
    }
}

extension String {
    /// `1_000_000` is valid YAML 1.1 and common in Swift; accept it in numbers.
    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}

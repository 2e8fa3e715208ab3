import Yams

/// Turns text into a Yams node tree and answers typed questions about nodes, raising `PolicyError`s
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
    func compose(_ text: String) throws(PolicyError) -> Node? {
        try checkAliases(text)
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw convert(error, text: text)
        } catch {
            throw PolicyError(file: file, message: "cannot parse: \(error)")
        }
    }

    /// At most this many alias uses (`*name`) per document.
    static let maxAliases = 32

    /// Refuses alias-heavy documents before Yams sees them. Yams hashes mapping keys recursively to
    /// find duplicates, so a key built from nested aliases ("billion laughs") would take exponential
    /// time inside the parser, before any budget of ours applies. n aliases expand to at most about
    /// 3^(n/3) nodes, which for 32 is harmless. The scan over-counts (a `*word` in a comment counts),
    /// which only matters for documents no policy resembles.
    private func checkAliases(_ text: String) throws(PolicyError) {
        var count = 0, line = 1, column = 0
        var previous: Unicode.Scalar = "\n"
        var iterator = text.unicodeScalars.makeIterator()
        var current = iterator.next()
        while let c = current {
            let next = iterator.next()
            column += 1
            if c == "\n" { line += 1; column = 0 }
            if c == "*", " \t\n[{,:-?".unicodeScalars.contains(previous), let n = next,
               !" \t\r\n,]}".unicodeScalars.contains(n) {
                count += 1
                if count > Self.maxAliases {
                    throw PolicyError(file: file, line: line, column: column,
                                      message: "too many aliases (more than \(Self.maxAliases))",
                                      hint: "a policy rarely needs more than a few")
                }
            }
            previous = c
            current = next
        }
    }

    private func convert(_ error: YamlError, text: String) -> PolicyError {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            var message = problem
            if let context { message = "\(problem) (\(context.text) at line \(context.mark.line))" }
            return PolicyError(file: file, line: mark.line, column: mark.column, message: "invalid YAML: \(message)")
        case let .reader(problem, offset, _, _):
            let (line, column) = position(ofCharacter: offset ?? 0, in: text)
            return PolicyError(file: file, line: line, column: column, message: "invalid YAML: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let names = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return PolicyError(file: file, line: context.mark.line, column: context.mark.column,
                               message: "duplicate key \(names) in mapping")
        default:
            return PolicyError(file: file, message: "invalid YAML: \(error)")
        }
    }

    private func position(ofCharacter offset: Int, in text: String) -> (Int, Int) {
        var line = 1, column = 1, i = 0
        for c in text {
            if i >= offset { break }
            if c == "\n" || c == "\r\n" { line += 1; column = 1 } else { column += c.unicodeScalars.count }
            i += 1
        }
        return (line, column)
    }

    // MARK: errors

    func error(_ node: Node?, _ message: String, hint: String? = nil) -> PolicyError {
        let mark = node?.mark
        return PolicyError(file: file, line: mark?.line, column: mark?.column, message: message, hint: hint)
    }

    /// Counts a visit; throws once the document has expanded beyond any plausible policy.
    func visit(_ node: Node) throws(PolicyError) {
        budget -= 1
        if budget < 0 {
            throw error(node, "document too large after expanding aliases", hint: "a policy needs far fewer than 100000 values")
        }
    }

    // MARK: node questions

    /// "a mapping", "a list", "null", "a boolean", "a number", "the string 'x'".
    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let s):
            if isNull(node) { return "nothing (null)" }
            if s.style == .plain {
                if bool(of: s.string) != nil { return "a boolean" }
                if Int64(s.string) != nil || Double(s.string) != nil { return "a number" }
            }
            let shown = s.string.count > 40 ? String(s.string.prefix(40)) + "…" : s.string
            return "the string '\(shown)'"
        }
    }

    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain || s.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    private func bool(of text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    /// Key/value pairs of a mapping whose keys are all strings, unique, and among `allowed`.
    func mapping(_ node: Node, expected: String, allowed: [String]? = nil) throws(PolicyError) -> [(key: String, keyNode: Node, value: Node)] {
        try visit(node)
        guard case .mapping(let m) = node else { throw error(node, "expected \(expected), got \(describe(node))") }
        var out: [(key: String, keyNode: Node, value: Node)] = []
        var seen = Set<String>()
        for (k, v) in m {
            try visit(k)
            guard case .scalar(let ks) = k, !isNull(k) else {
                throw error(k, "keys must be strings, got \(describe(k))")
            }
            let key = ks.string
            guard seen.insert(key).inserted else { throw error(k, "duplicate key '\(key)'") }
            out.append((key, k, v))
        }
        if let allowed { try checkKeys(out, allowed: allowed, in: expected) }
        return out
    }

    /// Refuses the first key not in `allowed`, suggesting the nearest allowed one.
    func checkKeys(_ entries: [(key: String, keyNode: Node, value: Node)], allowed: [String], in expected: String) throws(PolicyError) {
        for (key, keyNode, _) in entries where !allowed.contains(key) {
            throw error(keyNode, "unknown key '\(key)' in \(expected)",
                        hint: DidYouMean.hint(for: key, among: allowed) ?? "expected one of: \(allowed.joined(separator: ", "))")
        }
    }

    /// A scalar's text. Numbers and booleans are accepted as their text (`PATH: 1` sets "1").
    func scalar(_ node: Node, expected: String) throws(PolicyError) -> String {
        try visit(node)
        guard case .scalar(let s) = node, !isNull(node) else { throw error(node, "expected \(expected), got \(describe(node))") }
        return s.string
    }

    /// Like `scalar` but refuses NUL and an empty string: names, paths and constants are never empty.
    func name(_ node: Node, expected: String) throws(PolicyError) -> String {
        let s = try scalar(node, expected: expected)
        if s.isEmpty { throw error(node, "expected \(expected), got an empty string") }
        if s.contains("\0") { throw error(node, "\(expected) must not contain a NUL character") }
        return s
    }

    func bool(_ node: Node, expected: String) throws(PolicyError) -> Bool {
        try visit(node)
        guard case .scalar(let s) = node, !isNull(node), let b = bool(of: s.string) else {
            throw error(node, "expected \(expected) (true or false), got \(describe(node))")
        }
        return b
    }

    /// The items of a list. A single scalar is *not* promoted to a one-item list: it is usually a mistake.
    func list(_ node: Node, expected: String) throws(PolicyError) -> [Node] {
        try visit(node)
        guard case .sequence(let seq) = node else { throw error(node, "expected \(expected), got \(describe(node))") }
        return Array(seq)
    }

    /// An integer written in decimal, 0x hex, 0o octal or 0b binary, or a symbolic constant / `A|B` expression.
    func integer(_ node: Node, expected: String, symbols: Bool) throws(PolicyError) -> UInt64 {
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

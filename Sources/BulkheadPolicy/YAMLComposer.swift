import CYAML

/// Builds a `YAMLNode` tree from libyaml's event parser: one document, aliases resolved, duplicate
/// keys and alias bombs refused, every libyaml resource freed on every path.
///
/// The YAML is untrusted input, so the tree is bounded: at most `maxAliases` alias uses, at most
/// `maxNodes` nodes once aliases are expanded (the "billion laughs" bound), at most `maxDepth`
/// levels of nesting (including what an alias brings in), so nothing that walks the tree recursively
/// can exhaust the stack.
struct YAMLComposer {
    let file: String

    /// At most this many alias uses (`*name`) per document.
    static let maxAliases = 32
    /// At most this many nodes in the expanded tree.
    static let maxNodes = 100_000
    /// At most this many levels of collections and scalars.
    static let maxDepth = 64

    /// The document's root, or nil for a stream with no document (empty text, only comments).
    func compose(_ text: String) throws(PolicyError) -> YAMLNode? {
        let bytes = Array(text.utf8)
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        defer { buffer.deallocate() }
        for (i, b) in bytes.enumerated() { buffer[i] = b }

        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) != 0 else {
            throw PolicyError(file: file, message: "cannot parse: out of memory")
        }
        defer { yaml_parser_delete(parser) }
        yaml_parser_set_input_string(parser, buffer, bytes.count)

        var state = State(file: file, parser: parser, bytes: bytes)
        return try state.document()
    }

    // MARK: -

    /// One libyaml event, copied out so the C event can be freed at once.
    private enum Event {
        case streamStart, streamEnd, documentEnd, sequenceEnd, mappingEnd
        case documentStart(line: Int, column: Int)
        case alias(anchor: String, line: Int, column: Int)
        case scalar(YAMLNode.Scalar, anchor: String?)
        case sequenceStart(anchor: String?, tag: String?, line: Int, column: Int)
        case mappingStart(anchor: String?, tag: String?, line: Int, column: Int)
    }

    /// A composed node with its expanded size and height, which an alias to it adds again.
    private struct Composed {
        var node: YAMLNode
        var size: Int
        var height: Int
    }

    private enum Anchor {
        /// The anchored collection is being composed: an alias to it would be a cycle.
        case inProgress(id: Int)
        case done(Composed)
    }

    private struct State {
        let file: String
        let parser: UnsafeMutablePointer<yaml_parser_t>
        let bytes: [UInt8]
        var anchors: [String: Anchor] = [:]
        var aliases = 0
        var nodes = 0
        var nextID = 0

        init(file: String, parser: UnsafeMutablePointer<yaml_parser_t>, bytes: [UInt8]) {
            self.file = file; self.parser = parser; self.bytes = bytes
        }

        mutating func document() throws(PolicyError) -> YAMLNode? {
            guard case .streamStart = try next() else { throw PolicyError(file: file, message: "invalid YAML: no stream start") }
            switch try next() {
            case .streamEnd: return nil
            case .documentStart: break
            default: throw PolicyError(file: file, message: "invalid YAML: no document start")
            }
            let root = try node(try next(), depth: 1)
            guard case .documentEnd = try next() else {
                throw PolicyError(file: file, message: "invalid YAML: document does not end")
            }
            switch try next() {
            case .streamEnd: return root.node
            case .documentStart(let line, let column):
                throw PolicyError(file: file, line: line, column: column, message: "more than one YAML document",
                                  hint: "a policy file holds one document; remove the '---' line and what follows")
            default: throw PolicyError(file: file, message: "invalid YAML: stream does not end")
            }
        }

        private mutating func node(_ event: Event, depth: Int) throws(PolicyError) -> Composed {
            switch event {
            case .scalar(let scalar, let anchor):
                try checkDepth(depth, scalar.line, scalar.column)
                try count(1, scalar.line, scalar.column)
                let c = Composed(node: .scalar(scalar), size: 1, height: 1)
                if let anchor { anchors[anchor] = .done(c) }
                return c

            case .alias(let anchor, let line, let column):
                aliases += 1
                if aliases > YAMLComposer.maxAliases {
                    throw PolicyError(file: file, line: line, column: column,
                                      message: "too many aliases (more than \(YAMLComposer.maxAliases))",
                                      hint: "a policy rarely needs more than a few")
                }
                switch anchors[anchor] {
                case .done(let c)?:
                    try checkDepth(depth + c.height - 1, line, column)
                    try count(c.size, line, column)
                    return c
                case .inProgress?:
                    throw PolicyError(file: file, line: line, column: column,
                                      message: "alias '*\(anchor)' refers to a node that contains it")
                case nil:
                    throw PolicyError(file: file, line: line, column: column, message: "undefined alias '*\(anchor)'",
                                      hint: "an anchor '&\(anchor)' must come before its alias")
                }

            case .sequenceStart(let anchor, let tag, let line, let column):
                try checkDepth(depth, line, column)
                try count(1, line, column)
                let id = begin(anchor)
                var items: [YAMLNode] = []
                var size = 1, height = 0
                while true {
                    let e = try next()
                    if case .sequenceEnd = e { break }
                    let c = try node(e, depth: depth + 1)
                    items.append(c.node); size += c.size; height = max(height, c.height)
                }
                let c = Composed(node: .sequence(.init(items: items, tag: tag, line: line, column: column)),
                                 size: size, height: height + 1)
                end(anchor, id: id, c)
                return c

            case .mappingStart(let anchor, let tag, let line, let column):
                try checkDepth(depth, line, column)
                try count(1, line, column)
                let id = begin(anchor)
                var pairs: [(key: YAMLNode, value: YAMLNode)] = []
                var seen: [String: Int] = [:] // scalar key -> index in pairs
                var size = 1, height = 0
                while true {
                    let e = try next()
                    if case .mappingEnd = e { break }
                    let k = try node(e, depth: depth + 1)
                    let v = try node(try next(), depth: depth + 1)
                    if case .scalar(let ks) = k.node {
                        if let first = seen[ks.value] {
                            let f = pairs[first].key
                            throw PolicyError(file: file, line: f.line, column: f.column, message: "duplicate key '\(ks.value)'",
                                              hint: "it appears again at line \(ks.line)")
                        }
                        seen[ks.value] = pairs.count
                    }
                    pairs.append((k.node, v.node))
                    size += k.size + v.size; height = max(height, k.height, v.height)
                }
                let c = Composed(node: .mapping(.init(pairs: pairs, tag: tag, line: line, column: column)),
                                 size: size, height: height + 1)
                end(anchor, id: id, c)
                return c

            default:
                throw PolicyError(file: file, message: "invalid YAML: unexpected event")
            }
        }

        private mutating func begin(_ anchor: String?) -> Int {
            nextID += 1
            if let anchor { anchors[anchor] = .inProgress(id: nextID) }
            return nextID
        }

        /// Records a finished anchored collection, unless the anchor was redefined inside it (the later
        /// definition then stays current, as YAML wants).
        private mutating func end(_ anchor: String?, id: Int, _ c: Composed) {
            guard let anchor, case .inProgress(let current)? = anchors[anchor], current == id else { return }
            anchors[anchor] = .done(c)
        }

        private mutating func count(_ n: Int, _ line: Int, _ column: Int) throws(PolicyError) {
            nodes += n
            if nodes > YAMLComposer.maxNodes {
                throw PolicyError(file: file, line: line, column: column, message: "document too large after expanding aliases",
                                  hint: "a policy needs far fewer than \(YAMLComposer.maxNodes) values")
            }
        }

        private func checkDepth(_ depth: Int, _ line: Int, _ column: Int) throws(PolicyError) {
            if depth > YAMLComposer.maxDepth {
                throw PolicyError(file: file, line: line, column: column,
                                  message: "document nested deeper than \(YAMLComposer.maxDepth) levels",
                                  hint: "a policy needs only a few levels")
            }
        }

        // MARK: libyaml

        /// The next event, or the parser's error. The C event is always freed before returning.
        private mutating func next() throws(PolicyError) -> Event {
            var event = yaml_event_t()
            guard yaml_parser_parse(parser, &event) != 0 else {
                yaml_event_delete(&event)
                throw parserError()
            }
            defer { yaml_event_delete(&event) }
            let line = Int(event.start_mark.line) + 1, column = Int(event.start_mark.column) + 1
            switch event.type {
            case YAML_STREAM_START_EVENT: return .streamStart
            case YAML_STREAM_END_EVENT: return .streamEnd
            case YAML_DOCUMENT_START_EVENT: return .documentStart(line: line, column: column)
            case YAML_DOCUMENT_END_EVENT: return .documentEnd
            case YAML_ALIAS_EVENT:
                return .alias(anchor: string(event.data.alias.anchor) ?? "", line: line, column: column)
            case YAML_SCALAR_EVENT:
                let s = event.data.scalar
                let value = s.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: s.length), as: UTF8.self) } ?? ""
                let style: YAMLNode.Scalar.Style = s.style == YAML_PLAIN_SCALAR_STYLE ? .plain : .quoted
                return .scalar(.init(value: value, tag: string(s.tag), style: style, line: line, column: column),
                               anchor: string(s.anchor))
            case YAML_SEQUENCE_START_EVENT:
                let s = event.data.sequence_start
                return .sequenceStart(anchor: string(s.anchor), tag: string(s.tag), line: line, column: column)
            case YAML_SEQUENCE_END_EVENT: return .sequenceEnd
            case YAML_MAPPING_START_EVENT:
                let m = event.data.mapping_start
                return .mappingStart(anchor: string(m.anchor), tag: string(m.tag), line: line, column: column)
            case YAML_MAPPING_END_EVENT: return .mappingEnd
            default:
                throw PolicyError(file: file, message: "invalid YAML: unexpected event")
            }
        }

        private func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            p.map { String(cString: $0) }
        }

        private func parserError() -> PolicyError {
            let p = parser.pointee
            let problem = p.problem.map { String(cString: $0) } ?? "unknown error"
            switch p.error {
            case YAML_MEMORY_ERROR:
                return PolicyError(file: file, message: "cannot parse: out of memory")
            case YAML_READER_ERROR:
                // Reader errors carry a byte offset, not a mark.
                let (line, column) = position(ofByte: Int(p.problem_offset))
                return PolicyError(file: file, line: line, column: column, message: "invalid YAML: \(problem)")
            default:
                var message = problem
                if let context = p.context.map({ String(cString: $0) }) {
                    message = "\(problem) (\(context) at line \(Int(p.context_mark.line) + 1))"
                }
                let line = Int(p.problem_mark.line) + 1, column = Int(p.problem_mark.column) + 1
                // libyaml says "cannot start any token" for the most common mistake: a tab as indentation.
                let hint = isTab(atLine: line, column: column) ? "YAML indentation must be spaces, not tabs" : nil
                return PolicyError(file: file, line: line, column: column, message: "invalid YAML: \(message)", hint: hint)
            }
        }

        /// Whether the character at a 1-based line and column (in Unicode scalars) is a tab.
        private func isTab(atLine line: Int, column: Int) -> Bool {
            var l = 1, c = 1
            for u in String(decoding: bytes, as: UTF8.self).unicodeScalars {
                if l == line, c == column { return u == "\t" }
                if l > line { break }
                if u == "\n" { l += 1; c = 1 } else { c += 1 }
            }
            return false
        }

        /// 1-based line and column (in Unicode scalars, as libyaml counts) of a byte offset.
        private func position(ofByte offset: Int) -> (Int, Int) {
            var line = 1, column = 1
            var i = 0
            let end = min(offset, bytes.count)
            while i < end {
                let b = bytes[i]
                if b == 0x0a || (b == 0x0d && (i + 1 >= bytes.count || bytes[i + 1] != 0x0a)) {
                    line += 1; column = 1
                } else if b & 0xc0 != 0x80, b != 0x0d {
                    column += 1
                }
                i += 1
            }
            return (line, column)
        }
    }
}

import CSeccomp

/// Reads an OCI seccomp profile's JSON with the policy loader's YAML reader (JSON is YAML, and the
/// reader keeps every value's line and column), refusing what is not JSON: text that does not start with
/// `{`, unquoted strings, quoted numbers. Unknown keys are errors, as in policies: a key Bulkhead does
/// not know may be one that changes what the profile allows.
struct OCIProfileParser {
    typealias Document = OCIProfileDocument
    let reader: YAMLReader

    init(file: String) { reader = YAMLReader(file: file) }

    func parse(_ text: String) throws(PolicyError) -> Document {
        guard text.utf8.first(where: { ![0x20, 0x09, 0x0a, 0x0d, 0xef, 0xbb, 0xbf].contains($0) }) == UInt8(ascii: "{") else {
            throw PolicyError(file: reader.file, line: 1, column: 1, message: "not JSON: a seccomp profile is a JSON object ('{ ... }')")
        }
        // JSON allows tabs between tokens, where libyaml refuses some; inside a JSON string a raw tab is
        // invalid anyway, so every tab can become a space (one column for one, positions unchanged).
        guard let root = try reader.compose(text.replacingTabs()) else {
            throw PolicyError(file: reader.file, line: 1, column: 1, message: "not JSON: the file holds no value")
        }
        let keys = ["defaultAction", "defaultErrnoRet", "architectures", "archMap", "syscalls", "flags", "listenerPath",
                    "listenerMetadata"]
        var document = Document(defaultAction: .init(value: "", line: root.line, column: root.column))
        var sawDefault = false
        for (key, keyNode, value) in try reader.mapping(root, expected: "a seccomp profile", allowed: keys) where !reader.isNull(value) {
            switch key {
            case "defaultAction": document.defaultAction = try string(value, "an action such as SCMP_ACT_ERRNO"); sawDefault = true
            case "defaultErrnoRet": document.defaultErrnoRet = try number(value, "an errno number")
            case "architectures": document.architectures = try strings(value, "a list of architectures")
            case "archMap":
                for item in try reader.list(value, expected: "a list of architecture maps") {
                    var architecture: Document.Located<String>?
                    var sub: [Document.Located<String>] = []
                    for (k, _, v) in try reader.mapping(item, expected: "an architecture map",
                                                        allowed: ["architecture", "subArchitectures"]) where !reader.isNull(v) {
                        if k == "architecture" { architecture = try string(v, "an architecture") } else {
                            sub = try strings(v, "a list of architectures")
                        }
                    }
                    guard let architecture else { throw reader.error(item, "an archMap entry needs 'architecture'") }
                    document.archMap.append((architecture, sub))
                }
            case "flags": document.flags = try strings(value, "a list of flags")
            case "syscalls":
                for item in try reader.list(value, expected: "a list of syscall entries") { document.syscalls.append(try entry(item)) }
            case "listenerPath": document.listener.append(try string(value, "a path"))
            default: document.listener.append(.init(value: key, line: keyNode.line, column: keyNode.column))
            }
        }
        guard sawDefault else { throw reader.error(root, "the profile has no 'defaultAction'") }
        return document
    }

    private func entry(_ node: YAMLNode) throws(PolicyError) -> Document.Entry {
        let keys = ["names", "name", "action", "errnoRet", "args", "comment", "includes", "excludes"]
        var names: [Document.Located<String>] = []
        var action: Document.Located<String>?
        var errnoRet: Document.Located<UInt64>?
        var args: [Document.Argument] = []
        var includes: Document.Filter?
        var excludes: Document.Filter?
        for (key, _, value) in try reader.mapping(node, expected: "a syscall entry", allowed: keys) where !reader.isNull(value) {
            switch key {
            case "names": names += try strings(value, "a list of syscall names")
            case "name": names.append(try string(value, "a syscall name"))
            case "action": action = try string(value, "an action such as SCMP_ACT_ALLOW")
            case "errnoRet": errnoRet = try number(value, "an errno number")
            case "args": for item in try reader.list(value, expected: "a list of argument conditions") { args.append(try argument(item)) }
            case "includes": includes = try filter(value)
            case "excludes": excludes = try filter(value)
            default: _ = try string(value, "a comment")
            }
        }
        guard let action else { throw reader.error(node, "a syscall entry needs 'action'") }
        guard !names.isEmpty else { throw reader.error(node, "a syscall entry needs 'names'") }
        return Document.Entry(names: names, action: action, errnoRet: errnoRet, args: args, includes: includes, excludes: excludes,
                              line: node.line, column: node.column)
    }

    private func argument(_ node: YAMLNode) throws(PolicyError) -> Document.Argument {
        var index: Document.Located<UInt64>?
        var value: UInt64 = 0, valueTwo: UInt64 = 0
        var op: Document.Located<scmp_compare>?
        for (key, _, v) in try reader.mapping(node, expected: "an argument condition", allowed: ["index", "value", "valueTwo", "op"]) {
            switch key {
            case "index":
                let i = try number(v, "an argument index")
                guard i.value <= 5 else { throw reader.error(v, "argument index \(i.value) is outside 0...5") }
                index = i
            case "value": value = try number(v, "a 64-bit value").value
            case "valueTwo": valueTwo = try number(v, "a 64-bit value").value
            default:
                let name = try string(v, "an operator such as SCMP_CMP_EQ")
                guard let known = OCISeccompNames.operators.first(where: { $0.name == name.value }) else {
                    throw reader.error(v, "unknown operator '\(name.value)'",
                                       hint: DidYouMean.hint(for: name.value, among: OCISeccompNames.operators.map(\.name))
                                           ?? "expected one of: \(OCISeccompNames.operators.map(\.name).joined(separator: ", "))")
                }
                op = .init(value: known.op, line: name.line, column: name.column)
            }
        }
        guard let index else { throw reader.error(node, "an argument condition needs 'index'") }
        guard let op else { throw reader.error(node, "an argument condition needs 'op'") }
        return Document.Argument(index: index, value: value, valueTwo: valueTwo, op: op)
    }

    private func filter(_ node: YAMLNode) throws(PolicyError) -> Document.Filter {
        var out = Document.Filter(line: node.line, column: node.column)
        for (key, _, value) in try reader.mapping(node, expected: "includes or excludes", allowed: ["caps", "arches", "minKernel"])
        where !reader.isNull(value) {
            switch key {
            case "caps": out.caps = try strings(value, "a list of capabilities")
            case "arches": out.arches = try strings(value, "a list of architectures")
            default: out.minKernel = try string(value, "a kernel version such as 5.8")
            }
        }
        return out
    }

    // MARK: JSON values

    /// A JSON string: quoted (an unquoted word is YAML, not JSON).
    private func string(_ node: YAMLNode, _ expected: String) throws(PolicyError) -> Document.Located<String> {
        guard case .scalar(let s) = node, s.style == .quoted else {
            throw reader.error(node, "expected \(expected) as a JSON string, got \(reader.describe(node))")
        }
        return .init(value: s.value, line: s.line, column: s.column)
    }

    private func strings(_ node: YAMLNode, _ expected: String) throws(PolicyError) -> [Document.Located<String>] {
        var out: [Document.Located<String>] = []
        for item in try reader.list(node, expected: expected) { out.append(try string(item, "a string")) }
        return out
    }

    /// A JSON number that is a non-negative integer (what the profile's fields are: uint64 and uint).
    private func number(_ node: YAMLNode, _ expected: String) throws(PolicyError) -> Document.Located<UInt64> {
        guard case .scalar(let s) = node, s.style == .plain, s.kind == .int,
              s.value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw reader.error(node, "expected \(expected) as a JSON number, got \(reader.describe(node))",
                               hint: "a non-negative decimal integer, at most 18446744073709551615")
        }
        guard let value = UInt64(s.value) else {
            throw reader.error(node, "\(s.value) does not fit in 64 bits", hint: "at most 18446744073709551615")
        }
        return .init(value: value, line: s.line, column: s.column)
    }
}

extension String {
    func replacingTabs() -> String {
        guard utf8.contains(0x09) else { return self }
        return String(decoding: utf8.map { $0 == 0x09 ? 0x20 : $0 }, as: UTF8.self)
    }
}

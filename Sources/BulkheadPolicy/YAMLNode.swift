/// A composed YAML node: what libyaml's events describe, with aliases already replaced by the nodes
/// they name. Every node carries the 1-based line and column where it starts, so that every error
/// about a value can point at it.
enum YAMLNode: Sendable {
    case scalar(Scalar)
    case mapping(Mapping)
    case sequence(Sequence)

    struct Scalar: Sendable {
        enum Style: Sendable {
            /// Unquoted: resolved to null, bool, int, float or string by `kind`.
            case plain
            /// Single- or double-quoted, literal (`|`) or folded (`>`): always a string.
            case quoted
        }

        /// How a scalar resolves, in the spirit of the YAML 1.2 core schema.
        enum Kind: Sendable, Equatable { case null, bool, int, float, string }

        var value: String
        /// The explicit tag as libyaml reports it (`tag:yaml.org,2002:str` for `!!str`), nil if none.
        var tag: String?
        var style: Style
        var line: Int
        var column: Int

        /// Quoted scalars and scalars tagged `!!str` or `!` are strings; plain ones resolve by their text.
        var kind: Kind {
            guard style == .plain, tag != "tag:yaml.org,2002:str", tag != "!" else { return .string }
            return Self.resolve(value)
        }

        /// The boolean value of a plain scalar that resolves to a bool.
        var bool: Bool? {
            guard kind == .bool else { return nil }
            return value.first == "t" || value.first == "T"
        }

        /// Core-schema resolution of a plain scalar's text.
        static func resolve(_ text: String) -> Kind {
            switch text {
            case "", "~", "null", "Null", "NULL": return .null
            case "true", "True", "TRUE", "false", "False", "FALSE": return .bool
            case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN":
                return .float
            default: break
            }
            let u = Array(text.utf8)
            func digits(_ s: ArraySlice<UInt8>, _ ok: (UInt8) -> Bool) -> Bool { !s.isEmpty && s.allSatisfy(ok) }
            let isDecimal: (UInt8) -> Bool = { $0 >= 0x30 && $0 <= 0x39 }
            if u.count > 2, u[0] == 0x30 {
                if u[1] == 0x78 { // 0x
                    if digits(u[2...], { isDecimal($0) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }) { return .int }
                } else if u[1] == 0x6f { // 0o
                    if digits(u[2...], { $0 >= 0x30 && $0 <= 0x37 }) { return .int }
                }
            }
            var i = 0
            if i < u.count, u[i] == 0x2b || u[i] == 0x2d { i += 1 } // + -
            let intStart = i
            while i < u.count, isDecimal(u[i]) { i += 1 }
            let intDigits = i - intStart
            if i == u.count { return intDigits > 0 ? .int : .string }
            var fracDigits = 0
            if u[i] == 0x2e { // .
                i += 1
                let s = i
                while i < u.count, isDecimal(u[i]) { i += 1 }
                fracDigits = i - s
            }
            guard intDigits + fracDigits > 0 else { return .string }
            if i < u.count, u[i] | 0x20 == 0x65 { // e E
                i += 1
                if i < u.count, u[i] == 0x2b || u[i] == 0x2d { i += 1 }
                let s = i
                while i < u.count, isDecimal(u[i]) { i += 1 }
                if i == s { return .string }
            }
            return i == u.count ? .float : .string
        }
    }

    struct Mapping: Sendable {
        /// In document order; keys may be any node (the reader refuses non-scalar ones).
        var pairs: [(key: YAMLNode, value: YAMLNode)]
        var tag: String?
        var line: Int
        var column: Int
    }

    struct Sequence: Sendable {
        var items: [YAMLNode]
        var tag: String?
        var line: Int
        var column: Int
    }

    var line: Int {
        switch self {
        case .scalar(let s): return s.line
        case .mapping(let m): return m.line
        case .sequence(let s): return s.line
        }
    }

    var column: Int {
        switch self {
        case .scalar(let s): return s.column
        case .mapping(let m): return m.column
        case .sequence(let s): return s.column
        }
    }
}

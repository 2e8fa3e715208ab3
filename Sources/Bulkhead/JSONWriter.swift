#if canImport(Glibc)
import Glibc
#endif

/// A small JSON builder. Bulkhead avoids Foundation (its start-up cost is most of a short launch), so
/// reports are written with this instead of JSONEncoder. Keys keep the order they are added in.
public struct JSONValue: Sendable, Equatable {
    indirect enum Kind: Sendable, Equatable {
        case null, bool(Bool), int(Int64), uint(UInt64), double(Double), string(String)
        case array([JSONValue]), object([(String, JSONValue)])

        static func == (a: Kind, b: Kind) -> Bool {
            switch (a, b) {
            case (.null, .null): return true
            case let (.bool(x), .bool(y)): return x == y
            case let (.int(x), .int(y)): return x == y
            case let (.uint(x), .uint(y)): return x == y
            case let (.double(x), .double(y)): return x == y
            case let (.string(x), .string(y)): return x == y
            case let (.array(x), .array(y)): return x == y
            case let (.object(x), .object(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
            default: return false
            }
        }
    }
    let kind: Kind

    public static let null = JSONValue(kind: .null)
    public static func bool(_ v: Bool) -> JSONValue { JSONValue(kind: .bool(v)) }
    public static func int<T: BinaryInteger>(_ v: T) -> JSONValue { JSONValue(kind: .int(Int64(v))) }
    /// A 64-bit unsigned number, such as a register value in a seccomp profile (all 64 bits may be set).
    public static func uint(_ v: UInt64) -> JSONValue { JSONValue(kind: .uint(v)) }
    public static func double(_ v: Double) -> JSONValue { JSONValue(kind: .double(v)) }
    public static func string(_ v: String) -> JSONValue { JSONValue(kind: .string(v)) }
    public static func array(_ v: [JSONValue]) -> JSONValue { JSONValue(kind: .array(v)) }
    /// Pairs whose value is nil are left out.
    public static func object(_ v: [(String, JSONValue?)]) -> JSONValue {
        JSONValue(kind: .object(v.compactMap { key, value in value.map { (key, $0) } }))
    }

    /// Indented with two spaces, one key per line.
    public func rendered() -> String {
        var out = ""
        render(into: &out, indent: 0)
        out.append("\n")
        return out
    }

    private func render(into out: inout String, indent: Int) {
        switch kind {
        case .null: out.append("null")
        case .bool(let v): out.append(v ? "true" : "false")
        case .int(let v): out.append(String(v))
        case .uint(let v): out.append(String(v))
        case .double(let v): out.append(v.isFinite ? "\(v)" : "null")
        case .string(let v): Self.quote(v, into: &out)
        case .array(let items):
            if items.isEmpty { out.append("[]"); return }
            out.append("[\n")
            for (index, item) in items.enumerated() {
                out.append(String(repeating: " ", count: indent + 2))
                item.render(into: &out, indent: indent + 2)
                out.append(index + 1 < items.count ? ",\n" : "\n")
            }
            out.append(String(repeating: " ", count: indent) + "]")
        case .object(let pairs):
            if pairs.isEmpty { out.append("{}"); return }
            out.append("{\n")
            for (index, (key, value)) in pairs.enumerated() {
                out.append(String(repeating: " ", count: indent + 2))
                Self.quote(key, into: &out)
                out.append(": ")
                value.render(into: &out, indent: indent + 2)
                out.append(index + 1 < pairs.count ? ",\n" : "\n")
            }
            out.append(String(repeating: " ", count: indent) + "}")
        }
    }

    private static func quote(_ s: String, into out: inout String) {
        out.append("\"")
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out.append("\"")
    }
}

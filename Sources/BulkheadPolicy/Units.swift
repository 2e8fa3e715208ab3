import BulkheadSystem

/// Parsers for the quantities policy files write: durations ("1.5m"), sizes ("256MiB") and counts.
///
/// Each returns a `Result` with a short reason on failure; the loader adds the file position and a hint.
/// They are strict on purpose: a limit that silently means something else than its author thought
/// (megabytes vs mebibytes, minutes vs months) is a sandbox bug.
public enum Units {
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public var message: String
        public var hint: String?
        public init(_ message: String, hint: String? = nil) { self.message = message; self.hint = hint }
        /// "MESSAGE (HINT)", as the command line prints it.
        public var description: String { message + (hint.map { " (\($0))" } ?? "") }
    }

    public static let durationHint = "expected a duration such as 10s, 1.5m, 250ms or 2h"
    public static let sizeHint = "expected a size such as 4096, 512KiB, 256MiB, 1GiB, 16M or 100MB"
    public static let countHint = "expected a whole number such as 64"

    /// Duration units and their length in seconds. A bare number is seconds.
    static let durationUnits: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]

    /// Size units. IEC (KiB) and the single letters (K, k) are 1024-based, the SI spellings (kB) 1000-based.
    static let sizeUnits: [(String, UInt64)] = [
        ("B", 1),
        ("k", 1 << 10), ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("T", 1 << 40),
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
        ("kB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
    ]

    /// A wall-clock limit given on a command line (`--timeout 10s`): a duration of more than zero. The
    /// message names the option and says what was expected.
    public static func parseTimeout(_ text: String, option: String = "--timeout") -> Result<Double, ParseError> {
        switch parseDuration(text) {
        case .success(let seconds) where seconds > 0: return .success(seconds)
        case .success: return .failure(.init("\(option) \(text): must be more than zero"))
        case .failure(let error): return .failure(.init("\(option) \(text): \(error.message)", hint: durationHint))
        }
    }

    /// Seconds from "10s", "1.5m", "250ms", "2h" or "30" / "2.5".
    public static func parseDuration(_ text: String) -> Result<Double, ParseError> {
        let s = trimSpaces(text)
        let (number, unit) = split(s)
        if number.hasPrefix("-") { return .failure(.init("a duration cannot be negative", hint: durationHint)) }
        guard isDecimal(number) else { return .failure(.init("'\(text)' is not a duration", hint: durationHint)) }
        let scale: Double
        if unit.isEmpty { scale = 1 } else if let u = durationUnits.first(where: { $0.0 == unit }) { scale = u.1 } else {
            return .failure(.init("unknown duration unit '\(unit)'", hint: durationHint))
        }
        guard let value = Double(number), value.isFinite else {
            return .failure(.init("'\(text)' is not a duration", hint: durationHint))
        }
        let seconds = value * scale
        guard seconds.isFinite, seconds <= 1e12 else {
            return .failure(.init("duration '\(text)' is too large", hint: durationHint))
        }
        return .success(seconds)
    }

    /// Bytes from "256MiB", "1.5GiB", "16M", "4k", "100MB" or a plain integer.
    /// Fractions are allowed only when they come out as a whole number of bytes.
    public static func parseSize(_ text: String) -> Result<UInt64, ParseError> {
        let s = trimSpaces(text)
        let (number, unit) = split(s)
        if number.hasPrefix("-") { return .failure(.init("a size cannot be negative", hint: sizeHint)) }
        guard isDecimal(number) else { return .failure(.init("'\(text)' is not a size", hint: sizeHint)) }
        let multiplier: UInt64
        if unit.isEmpty { multiplier = 1 } else if let u = sizeUnits.first(where: { $0.0 == unit }) { multiplier = u.1 } else {
            let hint = DidYouMean.hint(for: unit, among: sizeUnits.map(\.0)) ?? sizeHint
            return .failure(.init("unknown size unit '\(unit)'", hint: hint))
        }
        // Exact arithmetic: mantissa * multiplier / 10^fractionDigits must be a whole number.
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        let digits = parts.joined()
        let fractionDigits = parts.count > 1 ? parts[1].count : 0
        let tooLarge = ParseError("size '\(text)' is too large", hint: "at most 2^64-1 bytes")
        guard fractionDigits <= 18 else { return .failure(.init("'\(text)' has too many decimals", hint: sizeHint)) }
        var mantissa: UInt64 = 0
        for d in digits.utf8 {
            let (m1, o1) = mantissa.multipliedReportingOverflow(by: 10)
            let (m2, o2) = m1.addingReportingOverflow(UInt64(d - 48))
            if o1 || o2 { return .failure(tooLarge) }
            mantissa = m2
        }
        let (product, overflow) = mantissa.multipliedReportingOverflow(by: multiplier)
        if overflow { return .failure(tooLarge) }
        var divisor: UInt64 = 1
        for _ in 0..<fractionDigits { divisor *= 10 }
        guard product % divisor == 0 else {
            return .failure(.init("'\(text)' is not a whole number of bytes", hint: sizeHint))
        }
        return .success(product / divisor)
    }

    /// A non-negative whole number ("64").
    public static func parseCount(_ text: String) -> Result<UInt64, ParseError> {
        let s = trimSpaces(text)
        if s.hasPrefix("-") { return .failure(.init("a count cannot be negative", hint: countHint)) }
        guard !s.isEmpty, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            return .failure(.init("'\(text)' is not a whole number", hint: countHint))
        }
        guard let v = UInt64(s) else { return .failure(.init("'\(text)' is too large", hint: "at most 2^64-1")) }
        return .success(v)
    }

    /// Renders bytes with the largest 1024-based unit that divides them exactly ("256MiB"), else plain bytes.
    public static func formatSize(_ bytes: UInt64) -> String {
        guard bytes > 0 else { return "0" }
        for (unit, size) in [("TiB", UInt64(1) << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        where bytes % size == 0 {
            return "\(bytes / size)\(unit)"
        }
        return String(bytes)
    }

    /// Renders seconds so that `parseDuration` gives back exactly the same Double ("10s", "0.25s").
    public static func formatDuration(_ seconds: Double) -> String {
        if seconds == seconds.rounded(), abs(seconds) < 1e15 { return "\(Int64(seconds))s" }
        return plainDecimal("\(seconds)") + "s"
    }

    /// Swift prints tiny and huge Doubles with an exponent ("1e-09"), which durations do not accept;
    /// this moves the point instead, keeping the shortest digits that round-trip.
    static func plainDecimal(_ text: String) -> String {
        let parts = text.lowercased().split(separator: "e")
        guard parts.count == 2, let exponent = Int(parts[1]) else { return text }
        var mantissa = String(parts[0])
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa.removeFirst() }
        let pieces = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let intPart = String(pieces[0])
        let fracPart = pieces.count > 1 ? String(pieces[1]) : ""
        var digits = intPart + fracPart
        var point = intPart.count + exponent
        if point <= 0 { digits = String(repeating: "0", count: 1 - point) + digits; point = 1 }
        if point >= digits.count { digits += String(repeating: "0", count: point - digits.count); return (negative ? "-" : "") + digits }
        let i = digits.index(digits.startIndex, offsetBy: point)
        return (negative ? "-" : "") + digits[..<i] + "." + digits[i...]
    }

    /// Splits "1.5GiB" into ("1.5", "GiB"), allowing spaces between.
    private static func split(_ s: String) -> (String, String) {
        let scalars = Array(s.unicodeScalars)
        var i = 0
        if i < scalars.count, scalars[i] == "-" || scalars[i] == "+" { i += 1 }
        while i < scalars.count, ("0"..."9").contains(scalars[i]) || scalars[i] == "." { i += 1 }
        var number = String(String.UnicodeScalarView(scalars[0..<i]))
        if number.hasPrefix("+") { number.removeFirst() }
        let unit = trimSpaces(String(String.UnicodeScalarView(scalars[i...])))
        return (number, unit)
    }

    /// Digits with at most one '.', and at least one digit: no exponents, no inf/nan, no hex floats.
    private static func isDecimal(_ s: String) -> Bool {
        var dots = 0, digits = 0
        for c in s.utf8 {
            if c == UInt8(ascii: ".") { dots += 1 } else if c >= 48 && c <= 57 { digits += 1 } else { return false }
        }
        return dots <= 1 && digits > 0
    }
}

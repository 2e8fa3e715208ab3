/// Numbers to and from text by hand. `String(_:radix:)` and `UInt64(_: String)` are generic code that
/// a cached `bulkhead run` would page in cold for a handful of numbers, at more cost than the launch's
/// hashing and parsing together.
public enum Digits {
    /// Decimal digits.
    public static func decimal(_ value: UInt64) -> String {
        text(of: value, base: 10, width: 0)
    }

    /// Sixteen lower-case hex digits.
    public static func hex(_ value: UInt64) -> String {
        text(of: value, base: 16, width: 16)
    }

    /// An unsigned decimal number, digits only; nil when empty, not a number, or beyond 64 bits.
    public static func number(_ digits: ArraySlice<UInt8>) -> UInt64? {
        guard !digits.isEmpty, digits.count <= 20 else { return nil }
        var value: UInt64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit - UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            value = sum
        }
        return value
    }

    public static func number(_ text: String) -> UInt64? { number(Array(text.utf8)[...]) }

    /// `value` in `base` (at most 16), left-padded with zeros to `width` digits.
    private static func text(of value: UInt64, base: UInt64, width: Int) -> String {
        var bytes = [UInt8](repeating: UInt8(ascii: "0"), count: max(width, 20))
        var rest = value, index = bytes.count
        repeat {
            index -= 1
            let digit = UInt8(rest % base)
            bytes[index] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
            rest /= base
        } while rest > 0
        return String(decoding: bytes[min(index, bytes.count - width)...], as: UTF8.self)
    }
}

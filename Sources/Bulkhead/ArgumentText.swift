/// Arguments and environment entries as text. To the kernel they are bytes, and nothing makes them
/// UTF-8: a file name can hold any byte but NUL. A Swift String repairs bytes that are not UTF-8
/// (each becomes U+FFFD), which would run a different command or name a different file, so bulkhead
/// keeps them as `[UInt8]` and turns them into text only to show them, in the form here.
public enum ArgumentText {
    /// The bytes as a String when they are valid UTF-8, else nil.
    public static func string(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        // Decoding changes the bytes exactly when it had something to repair.
        return text.utf8.elementsEqual(bytes) ? text : nil
    }

    /// Valid UTF-8 as it is. Otherwise the valid parts as text, each byte that is not part of valid
    /// UTF-8 as `\xHH` (lowercase hex) and each backslash doubled, so that the text still names exactly
    /// one byte string: `a`, 0xFF, `b\c` is written `a\xffb\\c`.
    public static func escaped(_ bytes: [UInt8]) -> String {
        if let text = string(bytes) { return text }
        var result = ""
        result.reserveCapacity(bytes.count + 8)
        var parser = Unicode.UTF8.ForwardParser()
        var input = bytes.makeIterator()
        var position = 0
        while true {
            switch parser.parseScalar(from: &input) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                if scalar == "\\" { result.append("\\\\") } else { result.unicodeScalars.append(scalar) }
                position += encoded.count
            case .error(let length):
                for byte in bytes[position..<position + length] { appendHex(byte, to: &result) }
                position += length
            case .emptyInput:
                return result
            }
        }
    }

    /// Two lowercase hex digits per byte: `a`, 0xFF is `61ff`.
    public static func hex(_ bytes: [UInt8]) -> String {
        var result = ""
        result.reserveCapacity(bytes.count * 2)
        for byte in bytes { appendDigits(byte, to: &result) }
        return result
    }

    private static func appendHex(_ byte: UInt8, to text: inout String) {
        text.append("\\x")
        appendDigits(byte, to: &text)
    }

    private static func appendDigits(_ byte: UInt8, to text: inout String) {
        let digits: StaticString = "0123456789abcdef"
        text.unicodeScalars.append(Unicode.Scalar(digits.utf8Start[Int(byte >> 4)]))
        text.unicodeScalars.append(Unicode.Scalar(digits.utf8Start[Int(byte & 0xf)]))
    }
}

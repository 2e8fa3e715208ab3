/// Text that carries arbitrary bytes as a marker and a fixed number of digits (`%2F`, mountinfo's `\040`),
/// back to those bytes. A marker not followed by enough valid digits stays as it is.
public enum ByteEscapes {
    public static func decode(_ text: String, marker: UInt8, digits: Int, radix: Int) -> String {
        var bytes: [UInt8] = []
        var input = Array(text.utf8)[...]
        while let byte = input.popFirst() {
            if byte == marker, input.count >= digits,
               let value = UInt8(String(decoding: input.prefix(digits), as: UTF8.self), radix: radix) {
                bytes.append(value)
                input = input.dropFirst(digits)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Text inside XML and SVG documents bulkhead writes (the audit's JUnit file, the demo's chart).
public enum XMLText {
    /// Text for an attribute or element: markup characters escaped, characters XML 1.0 cannot hold dropped.
    public static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xfffe || scalar.value == 0xffff { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

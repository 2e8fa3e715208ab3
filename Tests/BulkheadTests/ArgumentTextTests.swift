import Bulkhead
import Testing

@Suite struct ArgumentTextTests {
    @Test func utf8IsShownAsItIs() {
        for text in ["", "plain", "é\\xff", "🙂 a\\b", "\u{FFFD}"] {
            #expect(ArgumentText.string(Array(text.utf8)) == text)
            #expect(ArgumentText.escaped(Array(text.utf8)) == text)
        }
    }

    @Test func bytesOutsideUTF8AreEscapedAndBackslashesDoubled() {
        let cases: [([UInt8], String)] = [
            ([0x61, 0xff, 0x62], #"a\xffb"#),
            ([0x5c, 0x80], #"\\\x80"#),
            ([0xc3, 0x28], #"\xc3("#),                       // a lead byte without its continuation
            ([0xe2, 0x82], #"\xe2\x82"#),                     // a sequence cut short at the end
            ([0xc0, 0x80, 0xed, 0xa0, 0x80], #"\xc0\x80\xed\xa0\x80"#),   // overlong NUL, a surrogate
            ([0xf0, 0x9f, 0x99, 0x82, 0xfe], "🙂" + #"\xfe"#),
        ]
        for (bytes, shown) in cases {
            #expect(ArgumentText.string(bytes) == nil)
            #expect(ArgumentText.escaped(bytes) == shown)
        }
        #expect(ArgumentText.hex([0x00, 0x61, 0xff]) == "0061ff")
    }
}

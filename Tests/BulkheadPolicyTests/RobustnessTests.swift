#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@testable import BulkheadPolicy

/// Malformed input must always become a PolicyError: never a crash, a hang, or a silent success.
@Suite struct RobustnessTests {
    static let malformed: [String] = [
        "", " ", "\n\n\n", "---", "--- \n...\n", "~", "null", "42", "-1", "[1, 2]", "{}", "version",
        "version:", "version: ~", "version: [1]", "version: {a: 1}", "version: 1.0", "version: \"1 \"",
        "version: 99999999999999999999999999", "version: -1",
        "version: 1\n---\nversion: 1\n",
        "version: 1\nname: &a [*a]\n",
        "version: 1\n? [a, b]\n: c\n",
        "version: 1\n? {a: b}\n: c\n",
        "version: 1\n1: 2\n",
        "version: 1\n~: 2\n",
        "version: 1\nseccomp: 5\n",
        "version: 1\nseccomp: []\n",
        "version: 1\nseccomp: { allow: read }\n",
        "version: 1\nseccomp: { allow: [[read]] }\n",
        "version: 1\nseccomp: { allow: [\"\"] }\n",
        "version: 1\nseccomp: { allow: [\"@\"] }\n",
        "version: 1\nseccomp: { allow: [\"read\\u0000\"] }\n",
        "version: 1\nseccomp: { default: errno }\n",
        "version: 1\nseccomp: { default: errno EPERM EACCES }\n",
        "version: 1\nseccomp: { default: errno 99999999999999999999999 }\n",
        "version: 1\nseccomp: { default: \"\" }\n",
        "version: 1\nseccomp: { rules: [read] }\n",
        "version: 1\nseccomp: { rules: [{}] }\n",
        "version: 1\nseccomp: { rules: [{ syscall: read, when: {arg: 0} }] }\n",
        "version: 1\nseccomp: { rules: [{ syscall: read, when: [{ arg: x, eq: 1 }] }] }\n",
        "version: 1\nseccomp: { rules: [{ syscall: read, when: [{ arg: 0, eq: \"|\" }] }] }\n",
        "version: 1\nseccomp: { rules: [{ syscall: read, when: [{ arg: 0, masked-eq: 3 }] }] }\n",
        "version: 1\nseccomp: { rules: [{ syscall: read, when: [{ arg: 0, eq: [1] }] }] }\n",
        "version: 1\nseccomp: { rules: [{ syscall: read, when: [{ arg: 99999999999999999999999, eq: 1 }] }] }\n",
        "version: 1\ncapabilities: [CHOWN]\n",
        "version: 1\ncapabilities: { keep: CHOWN }\n",
        "version: 1\ncapabilities: { keep: [CAP_] }\n",
        "version: 1\nlimits: 5\n",
        "version: 1\nlimits: { wall: [] }\n",
        "version: 1\nlimits: { wall: 0 }\n",
        "version: 1\nlimits: { cpu: 1e999 }\n",
        "version: 1\nlimits: { memory: 1.5.5MiB }\n",
        "version: 1\nlimits: { memory: 0x10 }\n",
        "version: 1\nlimits: { open-files: -3 }\n",
        "version: 1\nlimits: { best-effort: memory }\n",
        "version: 1\nenvironment: { clear: yes please }\n",
        "version: 1\nenvironment: { set: [A] }\n",
        "version: 1\nenvironment: { set: { A: } }\n",
        "version: 1\nenvironment: { set: { \"\": x } }\n",
        "version: 1\nenvironment: { set: { A: [x] } }\n",
        "version: 1\nworkdir: \"/a\\u0000b\"\n",
        "version: 1\nworkdir: ~\n",
        "version: 1\nuser: {}\n",
        "version: 1\nuser: { uid: -1, gid: 0 }\n",
        "version: 1\nuser: { uid: 4294967295, gid: 0 }\n",
        "version: 1\nuser: []\n",
        "version: 1\nextends: []\n",
        "version: 1\nextends: \"\"\n",
        "version: 1\nextends: /\n",
        "version: 1\nextends: /dev/null/x.yaml\n",
        "version: 1\nextends: /proc/self/mem.yaml\n",
        "\t\tversion: 1",
        "version: 1\n  name: x\n",
        "version: 1\nname: \"unterminated\n",
        "version: 1\nname: !!binary AAAA\nfoo: bar\n",
        "%YAML 9.9\n---\nversion: 1\n",
        "version: 1\nname: *undefined\n",
        "version: 1\u{0}\n",
        "version: 1\nname: \u{7}\n",
        String(repeating: "[", count: 5000),
        String(repeating: "- ", count: 5000) + "x",
        String(repeating: "{a: ", count: 3000),
        "version: 1\nseccomp:\n  allow: [" + String(repeating: "read, ", count: 20000) + "opneat]\n",
    ]

    @Test func malformedInputsThrow() {
        for (i, text) in Self.malformed.enumerated() {
            #expect(throws: PolicyError.self, "input #\(i): \(text.prefix(60).debugDescription)") {
                try PolicyLoader.load(text: text, file: "m.yaml")
            }
        }
    }

    @Test func aliasBombIsRefusedQuickly() {
        var text = "version: 1\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 {
            text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        text += "? *a9\n: 1\n"
        #expect(throws: PolicyError.self) { try PolicyLoader.load(text: text, file: "bomb.yaml") }
        // A few aliases are fine.
        let ok = "version: 1\nx-anchors: null\nseccomp: { allow: &io [read, write] }\n"
        #expect(loadError(ok)?.contains("unknown key 'x-anchors'") == true)
        #expect(loadError("version: 1\nname: &n hello\ndescription: *n\n") == nil)
    }

    @Test func randomBytesThrow() {
        var rng = SplitMix64(seed: 0x5eed)
        let alphabet = Array("version: 1\nseccomp:allow[]{},-&*!|>'\"#%@`\t ~?0x9Zé\u{0}".utf8)
        for round in 0..<300 {
            let length = Int(rng.next() % 200)
            var bytes = [UInt8]()
            for _ in 0..<length {
                // Half the rounds are raw bytes, half are YAML-ish punctuation soup.
                let r = rng.next()
                bytes.append(round % 2 == 0 ? UInt8(truncatingIfNeeded: r) : alphabet[Int(r % UInt64(alphabet.count))])
            }
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(throws: PolicyError.self, "round \(round)") { try PolicyLoader.load(text: text, file: "r.yaml") }
        }
    }

    @Test func binaryFileThrows() {
        let dir = temporaryDirectory()
        var rng = SplitMix64(seed: 42)
        let bytes = (0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let path = dir + "/garbage.yaml"
        if let f = fopen(path, "wb") {
            _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
            fclose(f)
        }
        #expect(throws: PolicyError(file: path, message: "file is not UTF-8 text")) { try PolicyLoader.load(path: path) }
        #expect(throws: PolicyError.self) { try PolicyLoader.load(path: dir) } // a directory
    }
}

/// A tiny deterministic generator, so a failing fuzz round can be reproduced.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

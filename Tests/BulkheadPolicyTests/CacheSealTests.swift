@testable import BulkheadPolicy
import BulkheadSystem
import CSeal
import Foundation
import Testing

/// The seal of cache entries: SHA-256 and HMAC-SHA-256 against published answers and Python's hashlib,
/// and what opening a sealed entry accepts.
@Suite struct CacheSealTests {
    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    private func sha256(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: 32), portable = digest
        bytes.withUnsafeBufferPointer { b in digest.withUnsafeMutableBufferPointer { bh_sha256(b.baseAddress, b.count, $0.baseAddress!) } }
        // Both block functions: a machine with the SHA extensions never takes the portable one otherwise.
        bytes.withUnsafeBufferPointer { b in
            portable.withUnsafeMutableBufferPointer { bh_sha256_portable(b.baseAddress, b.count, $0.baseAddress!) }
        }
        return digest == portable ? hex(digest) : "the two block functions disagree"
    }

    private func hmac(_ key: [UInt8], _ data: [UInt8]) -> String {
        var mac = [UInt8](repeating: 0, count: 32)
        key.withUnsafeBufferPointer { k in data.withUnsafeBufferPointer { d in mac.withUnsafeMutableBufferPointer {
            bh_hmac_sha256(k.baseAddress!, k.count, d.baseAddress, d.count, nil, 0, $0.baseAddress!)
        } } }
        return hex(mac)
    }

    @Test func sha256KnownAnswers() {
        // FIPS 180-4 examples.
        #expect(sha256([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(sha256(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(sha256(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(sha256([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func hmacKnownAnswers() {
        // RFC 4231, test cases 1 and 2.
        #expect(hmac([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(hmac(Array("Jefe".utf8), Array("what do ya want for nothing?".utf8))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    /// Every length around the block and padding boundaries, against Python's hashlib.
    @Test func sha256AgreesWithHashlibAtEveryBoundary() throws {
        var expected: [String] = []
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        let script = "import hashlib\nfor n in range(300): print(hashlib.sha256(bytes((i * 7 + 3) % 256 for i in range(n))).hexdigest())"
        python.arguments = ["-c", script]
        let pipe = Pipe()
        python.standardOutput = pipe
        try python.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        python.waitUntilExit()
        expected = String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(expected.count == 300)
        for (n, digest) in expected.enumerated() {
            let data = (0..<n).map { UInt8(($0 * 7 + 3) % 256) }
            #expect(sha256(data) == digest, "length \(n)")
        }
    }

    @Test func openAcceptsOnlyWhatItSealed() {
        let seal = CacheSeal(key: [UInt8](repeating: 7, count: 32))
        let content = Array("an entry".utf8)
        let sealed = seal.seal(content)
        #expect(seal.open(sealed).map(Array.init) == content)
        for index in sealed.indices {
            var forged = sealed
            forged[index] ^= 1
            #expect(seal.open(forged) == nil, "a change at byte \(index) went unnoticed")
        }
        #expect(CacheSeal(key: [UInt8](repeating: 8, count: 32)).open(sealed) == nil)
        #expect(seal.open(Array(sealed.prefix(10))) == nil)
    }
}

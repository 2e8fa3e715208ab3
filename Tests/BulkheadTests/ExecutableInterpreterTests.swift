@testable import Bulkhead
import Glibc
import Testing

/// What the kernel runs to start a program, as the launcher reads it to name a missing exec grant.
@Suite struct ExecutableInterpreterTests {
    private func file(_ text: String) -> String {
        var template = Array("/tmp/bulkhead-interp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        _ = text.utf8CString.withUnsafeBytes { write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test func aDynamicProgramNamesItsLoader() throws {
        let loader = try #require(ExecutableInterpreter.of("/usr/bin/true"))
        #expect(loader.hasPrefix("/") && loader.contains("ld-"), "\(loader)")
        // The loader itself has none.
        #expect(ExecutableInterpreter.of(loader) == nil)
    }

    @Test func aScriptNamesItsInterpreter() {
        let script = file("#! /bin/sh -e\necho hi\n")
        defer { unlink(script) }
        #expect(ExecutableInterpreter.of(script) == "/bin/sh")
        let text = file("just text, long enough to be read\n")
        defer { unlink(text) }
        #expect(ExecutableInterpreter.of(text) == nil)
        #expect(ExecutableInterpreter.of("/nonexistent-bulkhead-program") == nil)
    }
}

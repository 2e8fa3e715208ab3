import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

/// One libFuzzer input, run through every reader of untrusted policy text: the loader (YAML and JSON)
/// with and without an `extends` chain on disk, the linter, and the cache decoder. Any thrown
/// `PolicyError` is a correct answer; a trap, a sanitizer report or a hang is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    // The loader takes text; files that are not UTF-8 are refused before parsing (PolicyLoader.readFile).
    guard let text = String(validating: bytes, as: UTF8.self) else {
        _ = PolicyCodec.decode(String(decoding: bytes, as: UTF8.self))
        return 0
    }
    // On disk first, so an `extends` of ./input.yaml or ./parent.yaml reads this input, not the last one:
    // a finding must replay from its input alone.
    FuzzDirectory.shared.writeInput(bytes)
    let file = FuzzDirectory.shared.inputPath
    if let policy = try? PolicyLoader.load(text: text, file: file) {
        // What the loader accepts must survive the cache: encode then decode gives the same policy.
        let encoded = PolicyCodec.encode(policy)
        guard PolicyCodec.decode(encoded) == policy else {
            let report = "cache round trip changed the policy\n--- input\n\(text)\n--- encoded\n\(encoded)\n"
            _ = Array(report.utf8).withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
            abort()
        }
    }
    _ = try? PolicyLinter.lint(text: text, file: file)
    // The input as a parent: a fixed child extends it, so `extends` reads it from disk.
    _ = try? PolicyLoader.load(text: FuzzDirectory.shared.childText, file: FuzzDirectory.shared.childPath)
    _ = PolicyCodec.decode(text)
    return 0
}

/// A private directory holding the input as `parent.yaml` and `sibling.yaml` (so inputs whose `extends`
/// names either, or themselves, reach real files, including cycles).
final class FuzzDirectory: @unchecked Sendable {
    static let shared = FuzzDirectory()
    let path: String
    var inputPath: String { path + "/input.yaml" }
    var childPath: String { path + "/child.yaml" }
    let childText = "extends: ./parent.yaml\nseccomp:\n  default: errno\n"

    private init() {
        var template = Array("/tmp/bulkhead-fuzz-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { perror("mkdtemp"); exit(1) }
        path = String(cString: template.map { UInt8(bitPattern: $0) })
        removeAtExit()
        write("sibling.yaml", Array("extends: default\nnetwork: none\n".utf8)[...])
    }

    /// Removes the directory when the fuzzer exits (libFuzzer's fork mode starts a process per job).
    func removeAtExit() {
        atexit {
            for name in FuzzDirectory.names { unlink(FuzzDirectory.shared.path + "/" + name) }
            rmdir(FuzzDirectory.shared.path)
        }
    }
    static let names = ["sibling.yaml", "parent.yaml", "input.yaml"]

    func writeInput(_ bytes: UnsafeBufferPointer<UInt8>) {
        write("parent.yaml", Array(bytes)[...])
        write("input.yaml", Array(bytes)[...])
    }

    private func write(_ name: String, _ bytes: ArraySlice<UInt8>) {
        let fd = open(path + "/" + name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { perror("open"); exit(1) }
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
        close(fd)
    }
}

/// libFuzzer's driver, run from this target's own entry point: SwiftPM names an executable target's
/// entry `<Target>_main` and points `main` at it, so libFuzzer's own `main` is never linked in.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("PolicyFuzzer_main")
public func policyFuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return runFuzzerDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) }
}

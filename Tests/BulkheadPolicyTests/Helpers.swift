#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import BulkheadPolicy

/// The rendered error for loading `yaml`, or nil if it loaded.
func loadError(_ yaml: String, file: String = "p.yaml") -> String? {
    do {
        _ = try PolicyLoader.load(text: yaml, file: file)
        return nil
    } catch {
        return error.description
    }
}

/// Loads a policy that must be valid; records a test failure and returns an empty policy otherwise.
func mustLoad(_ yaml: String, file: String = "p.yaml", sourceLocation: SourceLocation = #_sourceLocation) -> Policy {
    do {
        return try PolicyLoader.load(text: yaml, file: file)
    } catch {
        Issue.record("unexpected error: \(error)", sourceLocation: sourceLocation)
        return Policy()
    }
}

/// A fresh temporary directory for files that `extends` can find.
func temporaryDirectory() -> String {
    let template = "/tmp/bulkhead-policy-tests-XXXXXX"
    var bytes = Array(template.utf8CString)
    let path = bytes.withUnsafeMutableBufferPointer { buf -> String? in
        guard let base = buf.baseAddress, mkdtemp(base) != nil else { return nil }
        return String(cString: base)
    }
    return path ?? "/tmp"
}

func writeFile(_ path: String, _ text: String) {
    guard let f = fopen(path, "w") else { Issue.record("cannot write \(path)"); return }
    fputs(text, f)
    fclose(f)
}

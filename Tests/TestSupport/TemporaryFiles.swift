#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory under /tmp (mkdtemp(3)); "/tmp" itself when none can be made, so that the test
/// fails on what it then finds rather than here (TestSupport is built without the Testing module).
public func temporaryDirectory() -> String {
    var bytes = Array("/tmp/bulkhead-tests-XXXXXX".utf8CString)
    let path = bytes.withUnsafeMutableBufferPointer { buf -> String? in
        guard let base = buf.baseAddress, mkdtemp(base) != nil else { return nil }
        return String(cString: base)
    }
    return path ?? "/tmp"
}

/// Writes `text` to `path` (created or truncated); false when it cannot.
@discardableResult
public func writeFile(_ path: String, _ text: String) -> Bool {
    guard let f = fopen(path, "w") else { return false }
    let wrote = fputs(text, f) >= 0
    return fclose(f) == 0 && wrote
}

#if canImport(Glibc)
import Glibc
#endif
import Testing

/// A fresh directory under /tmp (mkdtemp(3)); "/tmp" itself, with a recorded issue, when none can be made.
public func temporaryDirectory() -> String {
    var bytes = Array("/tmp/bulkhead-tests-XXXXXX".utf8CString)
    let path = bytes.withUnsafeMutableBufferPointer { buf -> String? in
        guard let base = buf.baseAddress, mkdtemp(base) != nil else { return nil }
        return String(cString: base)
    }
    if path == nil { Issue.record("cannot make a temporary directory") }
    return path ?? "/tmp"
}

/// Writes `text` to `path` (created or truncated); a failure is a recorded issue.
public func writeFile(_ path: String, _ text: String) {
    guard let f = fopen(path, "w") else { Issue.record("cannot write \(path)"); return }
    fputs(text, f)
    fclose(f)
}

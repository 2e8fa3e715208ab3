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

import BulkheadPolicy

/// Indirection so reports use the policy module's errno names.
enum BulkheadErrnoName {
    static func name(of value: Int32) -> String? { ErrnoNames.name(of: value) }
}

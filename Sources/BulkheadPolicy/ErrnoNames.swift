#if canImport(Glibc)
import Glibc
#endif

/// errno names as policy files write them (`errno EPERM`).
public enum ErrnoNames {
    static let table: [(String, Int32)] = [
        ("EPERM", EPERM), ("ENOENT", ENOENT), ("EACCES", EACCES), ("ENOSYS", ENOSYS), ("EINVAL", EINVAL),
    ]
    public static func name(of value: Int32) -> String? { table.first { $0.1 == value }?.0 }
    public static func value(named name: String) -> Int32? { table.first { $0.0 == name.uppercased() }?.1 }
}

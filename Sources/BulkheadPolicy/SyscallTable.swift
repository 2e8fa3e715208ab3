import CSeccomp
#if canImport(Glibc)
import Glibc
#endif

/// The syscall names libseccomp knows for the native architecture.
///
/// Policies are validated against libseccomp rather than a table of our own because libseccomp is what
/// will compile the filter: a name it cannot resolve would fail at launch, far from the policy line.
public enum SyscallTable {
    /// Every name with a number on the native architecture, sorted. Built once by asking libseccomp for
    /// numbers 0..<1024 (x86_64 tops out near 460; the x32 and i386 tables are not consulted).
    public static let allNames: [String] = {
        var names: [String] = []
        for number in Int32(0)..<1024 {
            guard let cName = seccomp_syscall_resolve_num_arch(bh_arch_native(), number) else { continue }
            names.append(String(cString: cName))
            free(cName)
        }
        return Array(Set(names)).sorted()
    }()

    /// True when libseccomp resolves the name to a real syscall number on the native architecture
    /// (negative "pseudo" numbers, such as socketcall's on x86_64, do not count). Asks libseccomp
    /// directly: building `allNames` costs 1024 look-ups, which only an error message needs.
    public static func isKnown(_ name: String) -> Bool {
        number(of: name) != nil
    }

    /// The native syscall number, or nil.
    public static func number(of name: String) -> Int32? {
        guard !name.isEmpty, !name.contains("\0") else { return nil }
        let n = seccomp_syscall_resolve_name_arch(bh_arch_native(), name)
        return n >= 0 ? n : nil
    }
}

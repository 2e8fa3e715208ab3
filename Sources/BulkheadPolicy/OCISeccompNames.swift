import BulkheadSystem
import CSeccomp

/// The spellings of the OCI runtime specification's seccomp profile (config-linux.md, "Seccomp"), which
/// Docker's `--security-opt seccomp=`, Podman, runc's `linux.seccomp` and Kubernetes' `Localhost`
/// profiles share, and how they map onto a policy's actions.
public enum OCISeccompNames {
    /// The action's OCI name and, for `errno`, its `errnoRet`. `kill` is SECCOMP_RET_KILL_PROCESS, as
    /// Bulkhead's filter uses (plain SCMP_ACT_KILL kills only the calling thread).
    public static func action(_ action: SeccompAction) -> (name: String, errnoRet: Int32?) {
        switch action {
        case .allow: return ("SCMP_ACT_ALLOW", nil)
        case .kill: return ("SCMP_ACT_KILL_PROCESS", nil)
        case .errno(let e): return ("SCMP_ACT_ERRNO", e)
        case .trap: return ("SCMP_ACT_TRAP", nil)
        case .log: return ("SCMP_ACT_LOG", nil)
        }
    }

    /// How a profile's action becomes a policy's.
    public enum ImportedAction: Equatable {
        case exact(SeccompAction)
        /// Not expressible; the policy's action refuses at least as much, for the reason given.
        case approximated(SeccompAction, reason: String)
    }

    /// The policy action for an OCI action name, or nil for a name the specification does not define.
    /// `errnoRet` absent means EPERM (runtime-spec: "errnoRet ... defaults to EPERM").
    static func importedAction(_ name: String, errnoRet: Int32?) -> ImportedAction? {
        switch name {
        case "SCMP_ACT_ALLOW": return .exact(.allow)
        case "SCMP_ACT_KILL_PROCESS": return .exact(.kill)
        case "SCMP_ACT_ERRNO": return .exact(.errno(errnoRet ?? 1))
        case "SCMP_ACT_TRAP": return .exact(.trap)
        case "SCMP_ACT_LOG": return .exact(.log)
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD":
            return .approximated(.kill, reason: "\(name) kills the calling thread; a policy's kill ends the whole process")
        // seccomp(2): "If there is no tracer present, the system call is not executed and returns a failure
        // status with errno set to ENOSYS"; a user notification without a listening supervisor fails the same way.
        case "SCMP_ACT_TRACE":
            return .approximated(.errno(38), reason: "SCMP_ACT_TRACE hands the call to a ptrace tracer, which may let it run; "
                                 + "Bulkhead attaches none, and the kernel then fails the call with ENOSYS (seccomp(2))")
        case "SCMP_ACT_NOTIFY":
            return .approximated(.errno(38), reason: "SCMP_ACT_NOTIFY hands the call to a supervising program (listenerPath), "
                                 + "which may let it run; without one the kernel fails it with ENOSYS (seccomp(2))")
        default: return nil
        }
    }

    static let actionNames = ["SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
                              "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"]

    /// The comparison operators, by OCI name, with libseccomp's `scmp_compare` value.
    public static let operators: [(name: String, op: scmp_compare)] = [
        ("SCMP_CMP_NE", SCMP_CMP_NE), ("SCMP_CMP_LT", SCMP_CMP_LT), ("SCMP_CMP_LE", SCMP_CMP_LE), ("SCMP_CMP_EQ", SCMP_CMP_EQ),
        ("SCMP_CMP_GE", SCMP_CMP_GE), ("SCMP_CMP_GT", SCMP_CMP_GT), ("SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ),
    ]

    /// OCI architecture names, libseccomp's names for them (seccomp_arch_resolve_name), and Go's
    /// (runtime.GOARCH), which Docker's profiles use in `includes.arches` and `excludes.arches`.
    static let architectures: [(oci: String, libseccomp: String, go: String)] = [
        ("SCMP_ARCH_X86", "x86", "386"), ("SCMP_ARCH_X86_64", "x86_64", "amd64"), ("SCMP_ARCH_X32", "x32", "x32"),
        ("SCMP_ARCH_ARM", "arm", "arm"), ("SCMP_ARCH_AARCH64", "aarch64", "arm64"), ("SCMP_ARCH_MIPS", "mips", "mips"),
        ("SCMP_ARCH_MIPS64", "mips64", "mips64"), ("SCMP_ARCH_MIPS64N32", "mips64n32", "mips64n32"),
        ("SCMP_ARCH_MIPSEL", "mipsel", "mipsle"), ("SCMP_ARCH_MIPSEL64", "mipsel64", "mips64le"),
        ("SCMP_ARCH_MIPSEL64N32", "mipsel64n32", "mips64len32"), ("SCMP_ARCH_PPC", "ppc", "ppc"),
        ("SCMP_ARCH_PPC64", "ppc64", "ppc64"), ("SCMP_ARCH_PPC64LE", "ppc64le", "ppc64le"), ("SCMP_ARCH_S390", "s390", "s390"),
        ("SCMP_ARCH_S390X", "s390x", "s390x"), ("SCMP_ARCH_PARISC", "parisc", "parisc"), ("SCMP_ARCH_PARISC64", "parisc64", "parisc64"),
        ("SCMP_ARCH_RISCV64", "riscv64", "riscv64"),
    ]

    private static var native: (oci: String, libseccomp: String, go: String)? {
        let token = bh_arch_native_token()
        return architectures.first { seccomp_arch_resolve_name($0.libseccomp) == token }
    }

    /// The OCI name of the architecture this build filters (the native one), e.g. SCMP_ARCH_X86_64.
    public static var nativeArchitecture: String? { native?.oci }

    /// Whether a name in `includes.arches` or `excludes.arches` (OCI, libseccomp or Go spelling) is this machine's.
    static func isNative(_ name: String) -> Bool {
        guard let native else { return false }
        return [native.oci, native.libseccomp, native.go].contains(name)
    }

    static func isArchitecture(_ name: String) -> Bool { architectures.contains { $0.oci == name } }
}

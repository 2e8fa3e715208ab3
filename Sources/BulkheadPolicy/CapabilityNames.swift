/// Linux capability names and numbers (linux/capability.h), as policy files write them in `capabilities.keep`.
///
/// A fixed table rather than libcap's `cap_from_name`: validation must not depend on the libcap
/// version installed where a policy is checked, and the list is append-only in the kernel.
public enum CapabilityNames {
    /// Index = capability number.
    public static let all: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
    ]

    /// The numbers bulkhead itself asks about, named once; a test checks each against `all`.
    public static let setgid = 6, setuid = 7, setpcap = 8, sysAdmin = 21, sysResource = 24

    /// The highest capability number this table knows (CAP_LAST_CAP of Linux 5.9+).
    public static var last: Int { all.count - 1 }

    /// Canonical name for a number, e.g. 10 → "CAP_NET_BIND_SERVICE".
    public static func name(of number: Int) -> String? {
        all.indices.contains(number) ? all[number] : nil
    }

    /// Number for a name; accepts any case and an omitted "CAP_" prefix ("net_bind_service").
    public static func number(named name: String) -> Int? {
        all.firstIndex(of: canonical(name))
    }

    /// Upper-cases and adds the CAP_ prefix; does not validate.
    public static func canonical(_ name: String) -> String {
        let upper = name.uppercased()
        return upper.hasPrefix("CAP_") ? upper : "CAP_" + upper
    }
}

/// Capabilities the policy keeps for the task, each a finding of its own, worst first (CAP_SYS_ADMIN
/// leads). What each one gives is from capabilities(7); "root-equivalent" ones have a known route to
/// full root and are errors.
struct CapabilityLintCheck: PolicyLintCheck {
    let rule = LintRule(
        id: "dangerous-capability", severity: .error, title: "A capability kept for the task",
        fix: "drop it from capabilities.keep", weight: 12)

    /// Severity and what the capability gives, by name. Not listed: a note.
    static let table: [(name: String, severity: LintSeverity, gives: String)] = [
        ("CAP_SYS_ADMIN", .error, "mount, namespaces, BPF, most administration: as good as root"),
        ("CAP_SYS_MODULE", .error, "loading kernel modules: kernel code execution"),
        ("CAP_SYS_RAWIO", .error, "raw I/O ports and devices: kernel memory"),
        ("CAP_SYS_PTRACE", .error, "ptrace of any process, root's included"),
        ("CAP_DAC_READ_SEARCH", .error, "reading any file, and open_by_handle_at out of any mount (CVE-2014-9357 'shocker')"),
        ("CAP_DAC_OVERRIDE", .error, "reading and writing any file regardless of its mode"),
        ("CAP_SETUID", .error, "becoming any user, root included"),
        ("CAP_SETGID", .error, "joining any group"),
        ("CAP_SETFCAP", .error, "giving files capabilities that programs gain when run"),
        ("CAP_SYS_BOOT", .error, "rebooting and kexec"),
        ("CAP_BPF", .error, "loading eBPF programs"),
        ("CAP_MAC_ADMIN", .error, "changing the mandatory access control policy"),
        ("CAP_MAC_OVERRIDE", .error, "bypassing mandatory access control"),
        ("CAP_NET_ADMIN", .warning, "configuring the network: interfaces, routes, firewall"),
        ("CAP_NET_RAW", .warning, "raw and packet sockets: spoofing and sniffing"),
        ("CAP_CHOWN", .warning, "changing the owner of any file"),
        ("CAP_FOWNER", .warning, "acting as the owner of any file (modes, attributes)"),
        ("CAP_FSETID", .warning, "keeping set-user-ID bits on files it changes"),
        ("CAP_MKNOD", .warning, "creating device files"),
        ("CAP_SETPCAP", .warning, "changing capability sets and the bounding set"),
        ("CAP_SYS_CHROOT", .warning, "chroot, a step of several escapes"),
        ("CAP_SYS_TIME", .warning, "setting the system clock"),
        ("CAP_SYS_RESOURCE", .warning, "overriding resource limits and quotas"),
        ("CAP_SYS_NICE", .warning, "raising priorities of any process"),
        ("CAP_KILL", .warning, "signalling any process"),
        ("CAP_LINUX_IMMUTABLE", .warning, "changing immutable and append-only files"),
        ("CAP_IPC_OWNER", .warning, "bypassing permission checks on System V IPC objects"),
        ("CAP_SYS_PACCT", .warning, "process accounting"),
        ("CAP_SYS_TTY_CONFIG", .warning, "vhangup and terminal configuration"),
        ("CAP_AUDIT_CONTROL", .warning, "changing the audit configuration"),
        ("CAP_AUDIT_READ", .warning, "reading the audit log"),
        ("CAP_SYSLOG", .warning, "reading the kernel log and kernel addresses"),
        ("CAP_PERFMON", .warning, "performance monitoring of any process and the kernel"),
        ("CAP_CHECKPOINT_RESTORE", .warning, "checkpoint and restore: choosing pids, reading other processes' state")
    ]

    /// The badness a kept capability of this severity adds to the score item (capped at 1 in all).
    static func badness(_ severity: LintSeverity) -> Double {
        switch severity {
        case .error: return 1
        case .warning: return 0.5
        case .note: return 0.1
        }
    }

    func findings(in context: LintContext) -> [LintFinding] {
        let kept = context.policy.capabilities.keep
        // Table order (worst first), then the rest in the order kept.
        let known = Self.table.filter { kept.contains($0.name) }
        let rest = kept.filter { name in !Self.table.contains { $0.name == name } }
        let ordered = known.map { ($0.name, $0.severity, $0.gives) } + rest.map { ($0, LintSeverity.note, "little beyond its own purpose") }
        return ordered.map { name, severity, gives in
            let at =
                context.listItem(["capabilities", "keep"]) { CapabilityNames.canonical($0) == name }
                ?? context.key(["capabilities"]) ?? context.top
            return context.finding(
                rule, at: at, "\(name) is kept: \(gives)", severity: severity,
                fix: "drop \(name) from capabilities.keep", badness: Self.badness(severity))
        }
    }
}

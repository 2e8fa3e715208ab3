import CLaunch

/// Protections for the launcher process itself.
public enum SupervisorHardening {
    /// A task running as the launcher's uid could otherwise ptrace it or read its memory through /proc
    /// (runc CVE-2016-9962). Children exec'd later get their own dumpable flag from execve.
    public static func makeNonDumpable() { _ = bh_set_dumpable(0) }
}

/// The ids of `bulkhead audit`'s probes, so that a policy's `audit.exceptions` can be checked where it
/// is loaded (an unknown id is a located error). The catalog in the Bulkhead module describes and runs
/// them; a test holds the two lists (and the probe binary's own) to the same ids.
public enum AuditProbeIDs {
    public static let all: [String] = [
        // network
        "net-tcp4-loopback", "net-tcp6-loopback", "net-udp4-loopback", "net-udp6-loopback",
        "net-tcp4-routable", "net-tcp6-routable", "net-udp4-routable", "net-udp6-routable", "net-raw", "net-packet",
        "net-netlink", "net-alg",
        "net-vsock", "net-unix-abstract", "net-unix-named",
        // files
        "file-root-only", "file-other-home", "file-list-root", "file-write-outside", "file-symlink-out",
        "file-hardlink-out", "file-proc-environ", "file-proc-fd", "file-proc-mem", "file-launcher-exe",
        "file-open-by-handle", "file-setuid-nnp",
        // processes
        "proc-see", "proc-signal", "proc-kill-all", "proc-stop", "proc-ptrace", "proc-vm-readv",
        "proc-supervisor-signal", "proc-supervisor-ptrace", "proc-supervisor-prlimit",
        // kernel surface
        "kern-bpf", "kern-perf-event", "kern-io-uring", "kern-userfaultfd", "kern-keyctl", "kern-kexec",
        "kern-init-module", "kern-mount", "kern-umount", "kern-pivot-root", "kern-chroot", "kern-unshare",
        "kern-clone-newuser", "kern-clone3-newuser", "kern-setns", "kern-personality", "kern-int80", "kern-x32",
        "kern-socketcall", "kern-memfd-exec", "kern-tiocsti", "kern-tiocsti-high", "kern-tioclinux",
        "kern-tioclinux-high", "kern-capset", "kern-file-caps", "kern-inherited-fds",
        // resources
        "res-fork-bomb", "res-thread-bomb", "res-memory-bomb", "res-cpu-spin", "res-disk-fill",
        "res-open-files", "res-inotify", "res-inotify-watches",
    ]
}

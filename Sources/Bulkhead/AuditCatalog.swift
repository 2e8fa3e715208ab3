import BulkheadPolicy

/// The audit battery: every probe `bulkhead audit` runs, in report order. Ids match
/// `AuditProbeIDs.all` (what a policy's exceptions may name) and `bulkhead-probe audit --list`.
public enum AuditCatalog {
    // Argument values the judge compares with filter rules (x86_64 numbers).
    private static let cloexec: UInt64 = 0x80000
    private static let readOnly: [String: [Int: UInt64]] = ["openat": [2: cloexec]]
    private static let listing: [String: [Int: UInt64]] = ["openat": [2: 0x98800]]
    private static func socket(_ family: UInt64, _ type: UInt64) -> [String: [Int: UInt64]] {
        ["socket": [0: family, 1: type | cloexec]]
    }
    private static let pty: [String: [Int: UInt64]] = ["openat": [2: 0x80102]]
    private static func ioctl(_ request: UInt64) -> [String: [Int: UInt64]] { pty.merging(["ioctl": [1: request]]) { $1 } }
    private static let noFamily = ["EAFNOSUPPORT": "this kernel has no such address family"]
    private static let noIPv6 = ["EAFNOSUPPORT": "this kernel has no IPv6", "EADDRNOTAVAIL": "this host has no IPv6 loopback address",
                                 "ENETUNREACH": "this host has no IPv6 route"]

    public static let probes: [AuditProbe] = [
        // MARK: network
        .init("net-tcp4-loopback", .network, "TCP over IPv4 to a listener on the host's loopback", targets: [.tcp4Loopback],
              calls: socket(2, 1)),
        .init("net-tcp6-loopback", .network, "TCP over IPv6 to a listener on the host's loopback", targets: [.tcp6Loopback],
              calls: socket(10, 1), notHere: noIPv6),
        .init("net-udp4-loopback", .network, "UDP over IPv4 to a socket on the host's loopback", targets: [.udp4Loopback],
              calls: socket(2, 2)),
        .init("net-udp6-loopback", .network, "UDP over IPv6 to a socket on the host's loopback", targets: [.udp6Loopback],
              calls: socket(10, 2), notHere: noIPv6),
        .init("net-tcp4-routable", .network, "TCP over IPv4 to the host's routable address", targets: [.tcp4Routable],
              calls: socket(2, 1)),
        .init("net-tcp6-routable", .network, "TCP over IPv6 to the host's routable address", targets: [.tcp6Routable],
              calls: socket(10, 1), notHere: noIPv6),
        .init("net-udp4-routable", .network, "UDP over IPv4 to the host's routable address", targets: [.udp4Routable],
              calls: socket(2, 2)),
        .init("net-udp6-routable", .network, "UDP over IPv6 to the host's routable address", targets: [.udp6Routable],
              calls: socket(10, 2), notHere: noIPv6),
        .init("net-raw", .network, "a raw IPv4 socket", capability: "CAP_NET_RAW", calls: ["socket": [0: 2, 1: 3 | cloexec, 2: 1]]),
        .init("net-packet", .network, "an AF_PACKET socket on the host's links", capability: "CAP_NET_RAW",
              calls: ["socket": [0: 17, 1: 3 | cloexec, 2: 0x300]], notHere: noFamily),
        .init("net-netlink", .network, "a NETLINK_ROUTE socket to the kernel", calls: ["socket": [0: 16, 1: 3 | cloexec, 2: 0]],
              perNetworkNamespace: true),
        .init("net-alg", .network, "the kernel crypto API (AF_ALG)", calls: socket(38, 5), notHere: noFamily),
        .init("net-vsock", .network, "an AF_VSOCK socket to the hypervisor", calls: socket(40, 1),
              notHere: noFamily.merging(["ENODEV": "this machine has no vsock transport"]) { $1 }),
        .init("net-unix-abstract", .network, "an abstract unix socket listening outside the task", targets: [.abstractSocket],
              calls: socket(1, 1)),
        .init("net-unix-named", .network, "a named unix socket of the host", targets: [.namedSocket], crossesUsers: true,
              calls: socket(1, 1)),

        // MARK: files
        .init("file-root-only", .files, "read a file only its owner may read", targets: [.rootOnlyFile],
              capability: "CAP_DAC_OVERRIDE", crossesUsers: true, calls: readOnly),
        .init("file-other-home", .files, "read a file in another user's home", targets: [.otherHomeFile],
              capability: "CAP_DAC_OVERRIDE", crossesUsers: true, calls: readOnly),
        .init("file-list-root", .files, "list /root", capability: "CAP_DAC_OVERRIDE", crossesUsers: true, calls: ["openat": [2: 0x90000]]),
        .init("file-write-outside", .files, "create a file outside the granted paths", targets: [.outsideFolder],
              calls: ["openat": [2: 0x800c1]]),
        .init("file-symlink-out", .files, "read outside a folder through a symbolic link planted in it", targets: [.grantedFolderAndSecret],
              capability: "CAP_DAC_OVERRIDE", crossesUsers: true, calls: readOnly),
        .init("file-hardlink-out", .files, "read outside a folder through a hard link planted in it", targets: [.grantedFolderAndSecret],
              capability: "CAP_FOWNER", crossesUsers: true, calls: readOnly),
        .init("file-proc-environ", .files, "read bulkhead's /proc/PID/environ", targets: [.auditorPID],
              capability: "CAP_SYS_PTRACE", crossesUsers: true, landlockScoped: true, calls: readOnly),
        .init("file-proc-fd", .files, "list bulkhead's /proc/PID/fd", targets: [.auditorPID],
              capability: "CAP_SYS_PTRACE", crossesUsers: true, landlockScoped: true, calls: listing),
        .init("file-proc-mem", .files, "read bulkhead's memory through /proc/PID/mem", targets: [.auditorPID],
              capability: "CAP_SYS_PTRACE", crossesUsers: true, landlockScoped: true, calls: readOnly),
        .init("file-launcher-exe", .files, "open the launcher's binary through /proc/PID/exe", targets: [.auditorPID],
              capability: "CAP_SYS_PTRACE", crossesUsers: true, landlockScoped: true, calls: readOnly),
        .init("file-open-by-handle", .files, "open a file by its handle, past path checks (open_by_handle_at)", targets: [.secretFile],
              capability: "CAP_DAC_READ_SEARCH", crossesUsers: true, calls: readOnly,
              notHere: ["EOPNOTSUPP": "the file system makes no file handles"]),
        .init("file-setuid-nnp", .files, "gain privilege through a set-user-ID binary", calls: readOnly),

        // MARK: processes
        .init("proc-see", .processes, "see a process outside the task (/proc/PID)", targets: [.victimPID], calls: readOnly),
        .init("proc-signal", .processes, "signal a process outside the task", targets: [.victimPID], capability: "CAP_KILL",
              crossesUsers: true, landlockScoped: true, calls: ["kill": [0: AuditProbe.victim, 1: 18]]),
        .init("proc-kill-all", .processes, "kill(-1, ...): signal every process it may", targets: [.victimPID],
              capability: "CAP_KILL", crossesUsers: true, landlockScoped: true,
              calls: ["kill:all": [0: UInt64.max, 1: 0], "kill": [0: AuditProbe.victim, 1: 0]]),
        .init("proc-stop", .processes, "stop a process outside the task (SIGSTOP)", targets: [.victimPID], capability: "CAP_KILL",
              crossesUsers: true, landlockScoped: true, calls: ["kill": [0: AuditProbe.victim, 1: 19]]),
        .init("proc-ptrace", .processes, "ptrace a process outside the task", targets: [.victimPID], capability: "CAP_SYS_PTRACE",
              crossesUsers: true, landlockScoped: true, calls: ["ptrace": [0: 0x4206, 1: AuditProbe.victim]]),
        .init("proc-vm-readv", .processes, "read another process's memory (process_vm_readv)", targets: [.victimPID],
              capability: "CAP_SYS_PTRACE", crossesUsers: true, landlockScoped: true, calls: ["process_vm_readv": [0: AuditProbe.victim]]),
        .init("proc-supervisor-signal", .processes, "signal bulkhead itself", targets: [.auditorPID], capability: "CAP_KILL",
              crossesUsers: true, landlockScoped: true, calls: ["kill": [0: AuditProbe.auditor, 1: 0]]),
        .init("proc-supervisor-ptrace", .processes, "ptrace bulkhead itself", targets: [.auditorPID], capability: "CAP_SYS_PTRACE",
              crossesUsers: true, landlockScoped: true, calls: ["ptrace": [0: 0x4206, 1: AuditProbe.auditor]]),
        .init("proc-supervisor-prlimit", .processes, "change bulkhead's own limits (prlimit)", targets: [.auditorPID],
              capability: "CAP_SYS_RESOURCE", crossesUsers: true, landlockScoped: true, calls: ["prlimit64": [0: AuditProbe.auditor]]),

        // MARK: kernel surface
        .init("kern-bpf", .kernel, "load into the kernel's eBPF machine (bpf)", capability: "CAP_BPF", calls: ["bpf": [0: 0]]),
        .init("kern-perf-event", .kernel, "open a perf event (perf_event_open)", capability: "CAP_PERFMON",
              notHere: ["ENOENT": "this kernel has no software perf events", "ENOSYS": "this kernel has no perf events"]),
        .init("kern-io-uring", .kernel, "set up an io_uring, whose operations bypass seccomp",
              notHere: ["ENOSYS": "this kernel has no io_uring"]),
        .init("kern-userfaultfd", .kernel, "make a userfaultfd, a staple of kernel exploits", capability: "CAP_SYS_PTRACE",
              notHere: ["ENOSYS": "this kernel has no userfaultfd"]),
        .init("kern-keyctl", .kernel, "reach the uid's kernel keyring (keyctl)", notHere: ["ENOSYS": "this kernel has no keyrings"]),
        .init("kern-kexec", .kernel, "load a new kernel (kexec_load)", capability: "CAP_SYS_BOOT",
              notHere: ["ENOSYS": "this kernel was built without kexec"]),
        .init("kern-init-module", .kernel, "load a kernel module (init_module)", capability: "CAP_SYS_MODULE",
              notHere: ["ENOSYS": "this kernel was built without loadable modules"]),
        .init("kern-mount", .kernel, "mount a file system in the host's mount table", targets: [.mountFolder], capability: "CAP_SYS_ADMIN"),
        .init("kern-umount", .kernel, "unmount (umount2)", targets: [.umountFolder], capability: "CAP_SYS_ADMIN"),
        .init("kern-pivot-root", .kernel, "change the root file system (pivot_root)", targets: [.pivotFolder], capability: "CAP_SYS_ADMIN"),
        .init("kern-chroot", .kernel, "change its root directory (chroot)", targets: [.chrootFolder], capability: "CAP_SYS_CHROOT"),
        .init("kern-unshare", .kernel, "make new namespaces (unshare)", capability: "CAP_SYS_ADMIN", calls: ["unshare": [0: 0x20000]]),
        .init("kern-clone-newuser", .kernel, "clone a child into a new user namespace",
              calls: ["clone": [0: 0x10000000 | 17]]),
        .init("kern-clone3-newuser", .kernel, "clone3 a child into a new user namespace"),
        .init("kern-setns", .kernel, "join the namespace of a process outside the task (setns)", targets: [.victimPID],
              capability: "CAP_SYS_ADMIN", crossesUsers: true, landlockScoped: true,
              calls: readOnly.merging(["setns": [1: 0x40000000]]) { $1 }),
        .init("kern-personality", .kernel, "set READ_IMPLIES_EXEC (personality)", calls: ["personality": [0: 0x0400000]]),
        .init("kern-int80", .kernel, "enter through the i386 system-call table (int 0x80)",
              notHere: ["ENOSYS": "this kernel has no IA-32 emulation"]),
        .init("kern-x32", .kernel, "enter through the x32 system-call table", notHere: ["ENOSYS": "this kernel has no x32 ABI"]),
        .init("kern-socketcall", .kernel, "make a socket through the i386 socketcall multiplexer",
              notHere: ["ENOSYS": "this kernel has no IA-32 emulation"]),
        .init("kern-memfd-exec", .kernel, "run a program that never touched a disk (memfd_create + execveat)", calls: readOnly),
        .init("kern-tiocsti", .kernel, "inject input into a terminal (TIOCSTI)", capability: "CAP_SYS_ADMIN", calls: ioctl(0x5412)),
        .init("kern-tiocsti-high", .kernel, "TIOCSTI with high bits set on the request", capability: "CAP_SYS_ADMIN",
              calls: ioctl(0x1_0000_5412)),
        .init("kern-tioclinux", .kernel, "reach the console's TIOCLINUX", calls: ioctl(0x541c)),
        .init("kern-tioclinux-high", .kernel, "TIOCLINUX with high bits set on the request", calls: ioctl(0x1_0000_541c)),
        .init("kern-capset", .kernel, "regain a capability (capset)", capability: "CAP_SYS_ADMIN"),
        .init("kern-file-caps", .kernel, "gain capabilities from a program's file capabilities", calls: readOnly),
        .init("kern-inherited-fds", .kernel, "use a descriptor inherited from the launcher", calls: listing),

        // MARK: resources
        .init("res-fork-bomb", .resources, "a fork bomb", targets: [.processCap], limit: .processes),
        .init("res-thread-bomb", .resources, "a thread bomb", targets: [.processCap], limit: .processes),
        .init("res-memory-bomb", .resources, "a memory bomb", targets: [.memoryCap], limit: .memory),
        .init("res-cpu-spin", .resources, "spin on the CPU", targets: [.cpuCap], limit: .cpu),
        .init("res-disk-fill", .resources, "fill the disk past file-size", targets: [.fillFolderAndCap],
              calls: ["openat": [2: 0x800c2]], limit: .fileSize),
        .init("res-open-files", .resources, "open too many files", targets: [.openFilesCap], calls: readOnly, limit: .openFiles),
        .init("res-inotify", .resources, "use up the uid's inotify instances", targets: [.inotifyCap]),
        .init("res-inotify-watches", .resources, "use up the uid's inotify watches", targets: [.inotifyWatchCap], calls: listing),
    ]

    public static func probe(_ id: String) -> AuditProbe? { probes.first { $0.id == id } }

    /// The probes whose id matches `pattern` (`*` any run of characters, `?` one); several patterns
    /// separated by commas.
    public static func matching(_ pattern: String) -> [AuditProbe] {
        let patterns = pattern.split(separator: ",").map { Array($0.utf8) }
        return probes.filter { probe in patterns.contains { Self.glob($0[...], Array(probe.id.utf8)[...]) } }
    }

    private static func glob(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        guard let first = pattern.first else { return text.isEmpty }
        if first == UInt8(ascii: "*") {
            var rest = text
            while true {
                if glob(pattern.dropFirst(), rest) { return true }
                if rest.isEmpty { return false }
                rest = rest.dropFirst()
            }
        }
        guard let c = text.first, first == UInt8(ascii: "?") || first == c else { return false }
        return glob(pattern.dropFirst(), text.dropFirst())
    }
}

extension AuditProbe {
    /// Stand-ins in `calls` for pids known only at run time.
    static let victim: UInt64 = 0xffff_ffff_ffff_fff1
    static let auditor: UInt64 = 0xffff_ffff_ffff_fff2
}

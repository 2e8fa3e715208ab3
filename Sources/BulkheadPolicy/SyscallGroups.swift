/// Named sets of syscalls (`@file-read`) that policies allow or refuse as a unit.
///
/// Groups are data, not code, so `bulkhead policy groups` can list them and a test can check that every
/// member resolves in libseccomp. The split follows what a program *does* (read files, make threads,
/// tell the time) rather than kernel subsystems, in the spirit of systemd's `@system-service` sets.
/// Deliberately left out of every group: `ioctl` (a policy must name it, and should restrict it), and
/// the syscalls that exist to change privilege (setuid family, capset) or the system (the danger groups
/// at the end, which policies name to refuse them explicitly).
public struct SyscallGroup: Sendable, Equatable {
    /// With the leading `@`.
    public let name: String
    public let summary: String
    /// Syscall names and `@group` names.
    public let members: [String]
}

public enum SyscallGroups {
    public static let all: [SyscallGroup] = [
        // MARK: building blocks
        .init(name: "@basic-io", summary: "Read, write, seek, duplicate and close already-open descriptors", members: [
            "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2", "pwritev2",
            "lseek", "close", "close_range", "dup", "dup2", "dup3",
        ]),
        .init(name: "@file-read", summary: "Open, stat, list and read files and directories; change directory", members: [
            "open", "openat", "openat2", "stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs",
            "access", "faccessat", "faccessat2", "readlink", "readlinkat", "getdents", "getdents64", "getcwd",
            "chdir", "fchdir", "fcntl", "flock", "fadvise64", "readahead",
            "getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr",
        ]),
        .init(name: "@file-write", summary: "Create, remove, rename, link, truncate and change files; flush to disk", members: [
            "creat", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat", "renameat2",
            "truncate", "ftruncate", "chmod", "fchmod", "fchmodat", "utime", "utimes", "futimesat", "utimensat",
            "symlink", "symlinkat", "link", "linkat", "fsync", "fdatasync", "sync_file_range", "fallocate",
            "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
        ]),
        .init(name: "@memory", summary: "Map, unmap, protect and advise memory", members: [
            "brk", "mmap", "munmap", "mprotect", "mremap", "madvise", "mincore", "msync",
            "pkey_alloc", "pkey_free", "pkey_mprotect",
        ]),
        .init(name: "@memlock", summary: "Lock memory into RAM (bounded by RLIMIT_MEMLOCK)", members: [
            "mlock", "mlock2", "munlock", "mlockall", "munlockall",
        ]),
        .init(name: "@process-exit", summary: "End the thread or the process", members: ["exit", "exit_group"]),
        .init(name: "@signal",
              summary: "Handle, block, wait for and send signals (restart_syscall is how the kernel resumes interrupted calls)",
              members: [
                  "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "rt_sigtimedwait", "rt_sigsuspend",
                  "rt_sigpending", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "kill", "tgkill", "tkill", "pause",
                  "signalfd", "signalfd4", "pidfd_send_signal", "restart_syscall",
              ]),
        .init(name: "@threads",
              summary: "Thread bookkeeping and synchronisation (clone itself is not here: allow it with conditions)",
              members: [
                  "futex", "futex_waitv", "set_robust_list", "get_robust_list", "set_tid_address", "rseq", "gettid",
                  "sched_yield", "sched_getaffinity", "membarrier", "arch_prctl",
              ]),
        .init(name: "@time", summary: "Read clocks, sleep, and use timers", members: [
            "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
            "timerfd_create", "timerfd_settime", "timerfd_gettime", "alarm", "getitimer", "setitimer",
            "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete",
        ]),
        .init(name: "@process-info", summary: "Ask about the own process, its ids, limits and the system; umask and prctl", members: [
            "getpid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
            "getpgrp", "getpgid", "getsid", "uname", "getrlimit", "prlimit64", "getrusage", "sysinfo", "getcpu",
            "getpriority", "sched_getparam", "sched_getscheduler", "sched_get_priority_max",
            "sched_get_priority_min", "sched_rr_get_interval", "sched_getattr", "times", "umask", "prctl", "capget",
        ]),
        .init(name: "@process", summary: "Create processes, run programs and wait for them", members: [
            "fork", "vfork", "clone", "clone3", "execve", "execveat", "wait4", "waitid", "setpgid", "setsid",
            "pidfd_open",
        ]),
        .init(name: "@io-event", summary: "Wait for descriptors (poll, select, epoll) and make pipes and eventfds", members: [
            "poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait",
            "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", "pipe", "pipe2",
        ]),
        .init(name: "@network", summary: "Sockets of any family (restrict `socket` by family with a rule)", members: [
            "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4", "sendto", "recvfrom",
            "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown", "getsockname", "getpeername",
            "getsockopt", "setsockopt",
        ]),
        .init(name: "@ipc", summary: "System V message queues, semaphores and shared memory; POSIX message queues", members: [
            "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop", "semctl",
            "shmget", "shmat", "shmdt", "shmctl",
            "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
        ]),

        // MARK: convenience sets
        .init(name: "@stdio",
              summary: "A computation that uses the descriptors it was given: basic I/O, memory, signals, time, exit",
              members: [
                  "@basic-io", "@memory", "@process-exit", "@signal", "@time",
              ]),
        .init(name: "@system-service",
              summary: "What ordinary programs need: files, processes, threads, networking, IPC and more",
              members: [
                  "@stdio", "@file-read", "@file-write", "@threads", "@process-info", "@process", "@io-event",
                  "@network", "@ipc", "@memlock",
                  "chown", "fchown", "lchown", "fchownat", "sync", "syncfs", "sendfile", "splice", "tee", "vmsplice",
                  "copy_file_range", "getrandom", "memfd_create", "inotify_init", "inotify_init1", "inotify_add_watch",
                  "inotify_rm_watch", "sched_setaffinity", "sched_setparam", "sched_setscheduler", "sched_setattr",
                  "setpriority", "setrlimit", "ioprio_get", "ioprio_set", "get_mempolicy", "set_mempolicy", "mbind",
                  "io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents",
                  // A program that sandboxes itself further (Landlock, a seccomp filter of its own, as libseccomp
                  // users, browsers and bulkhead do) only ever loses rights.
                  "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self", "seccomp",
              ]),

        .init(name: "@credentials",
              summary: "Switch between the uids/gids already held, drop groups and capabilities (raising needs capabilities)",
              members: [
                  "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid",
                  "setgroups", "capset",
              ]),

        // MARK: danger groups, named by policies to refuse them explicitly
        .init(name: "@mount", summary: "Mount, unmount and change the root directory", members: [
            "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig",
            "fsmount", "fspick", "mount_setattr",
        ]),
        .init(name: "@namespaces", summary: "Enter or create namespaces outside clone", members: ["unshare", "setns"]),
        .init(name: "@debug", summary: "Inspect or control other processes: ptrace, cross-process memory and descriptors, perf", members: [
            "ptrace", "process_vm_readv", "process_vm_writev", "perf_event_open", "kcmp", "pidfd_getfd",
            "lookup_dcookie",
        ]),
        .init(name: "@kernel-module", summary: "Load and unload kernel modules", members: [
            "init_module", "finit_module", "delete_module",
        ]),
        .init(name: "@reboot", summary: "Reboot the machine or load a new kernel", members: [
            "reboot", "kexec_load", "kexec_file_load",
        ]),
        .init(name: "@keyring", summary: "The kernel keyring (not namespaced)", members: ["add_key", "request_key", "keyctl"]),
        .init(name: "@obsolete", summary: "Syscalls no current libc uses; refusing them removes old kernel code from reach", members: [
            "_sysctl", "afs_syscall", "create_module", "get_kernel_syms", "getpmsg", "putpmsg", "query_module",
            "security", "sysfs", "tuxcall", "uselib", "ustat", "vserver", "nfsservctl",
        ]),
        .init(name: "@swap", summary: "Enable or disable swap devices", members: ["swapon", "swapoff"]),
        .init(name: "@clock-set", summary: "Set or adjust the system clocks", members: [
            "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
        ]),
        .init(name: "@raw-io", summary: "Direct port I/O (x86 ioperm/iopl)", members: ["ioperm", "iopl"]),
        .init(name: "@bpf", summary: "Load eBPF programs and maps", members: ["bpf"]),
        .init(name: "@io-uring", summary: "io_uring, a second syscall interface that seccomp cannot see into", members: [
            "io_uring_setup", "io_uring_enter", "io_uring_register",
        ]),
        .init(name: "@file-handle", summary: "Open files by kernel handle, bypassing path checks (CVE-2014-9357 'shocker')", members: [
            "name_to_handle_at", "open_by_handle_at",
        ]),
        .init(name: "@system-admin", summary: "Process accounting, quotas, the kernel log, terminal hangup", members: [
            "acct", "quotactl", "syslog", "vhangup",
        ]),
    ]

    private static let byName: [String: SyscallGroup] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

    /// Every group name, with `@`, in table order.
    public static var names: [String] { all.map(\.name) }

    /// The group with this name (with or without the leading `@`).
    public static func group(named name: String) -> SyscallGroup? {
        byName[name.hasPrefix("@") ? name : "@" + name]
    }

    /// The syscalls of a group with nested groups expanded, sorted and unique; nil for an unknown group.
    public static func expand(_ name: String) -> [String]? {
        guard group(named: name) != nil else { return nil }
        var out = Set<String>()
        var seen = Set<String>()
        var stack = [name.hasPrefix("@") ? name : "@" + name]
        while let next = stack.popLast() {
            guard seen.insert(next).inserted, let g = byName[next] else { continue }
            for m in g.members {
                if m.hasPrefix("@") { stack.append(m) } else { out.insert(m) }
            }
        }
        return out.sorted()
    }
}

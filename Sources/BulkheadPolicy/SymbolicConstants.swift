#if canImport(Glibc)
import Glibc
#endif

/// Named constants a policy may use as syscall argument values (`eq: AF_UNIX`, `has-none: CLONE_NEWUSER|CLONE_NEWNS`).
///
/// Values are those of x86_64 Linux. Where Swift imports the Glibc macro we take it from there, so a typo
/// in this file cannot silently change a filter; the rest (Swift does not import the clone, prctl, some
/// open and personality macros) are written out with the header they come from.
public enum SymbolicConstants {
    public static let table: [String: UInt64] = {
        var t: [String: UInt64] = [:]
        func add(_ name: String, _ value: some BinaryInteger) { t[name] = UInt64(truncatingIfNeeded: value) }

        // Address families (bits/socket.h). The kernel reads the domain as an int: compare 32 bits.
        add("AF_UNSPEC", AF_UNSPEC); add("AF_UNIX", AF_UNIX); add("AF_LOCAL", AF_LOCAL); add("AF_INET", AF_INET)
        add("AF_INET6", AF_INET6); add("AF_NETLINK", AF_NETLINK); add("AF_PACKET", AF_PACKET)
        add("AF_VSOCK", AF_VSOCK); add("AF_ALG", AF_ALG); add("AF_BLUETOOTH", AF_BLUETOOTH)
        add("AF_KEY", AF_KEY); add("AF_CAN", AF_CAN); add("AF_XDP", 44) // linux/socket.h

        // Socket types and the flags or-ed into them.
        add("SOCK_STREAM", SOCK_STREAM.rawValue); add("SOCK_DGRAM", SOCK_DGRAM.rawValue)
        add("SOCK_RAW", SOCK_RAW.rawValue); add("SOCK_RDM", SOCK_RDM.rawValue)
        add("SOCK_SEQPACKET", SOCK_SEQPACKET.rawValue); add("SOCK_PACKET", SOCK_PACKET.rawValue)
        add("SOCK_NONBLOCK", SOCK_NONBLOCK.rawValue); add("SOCK_CLOEXEC", SOCK_CLOEXEC.rawValue)

        // clone flags (linux/sched.h; not imported by Swift).
        let clone: [(String, UInt64)] = [
            ("CSIGNAL", 0x0000_00ff), ("CLONE_VM", 0x0000_0100), ("CLONE_FS", 0x0000_0200),
            ("CLONE_FILES", 0x0000_0400), ("CLONE_SIGHAND", 0x0000_0800), ("CLONE_PIDFD", 0x0000_1000),
            ("CLONE_PTRACE", 0x0000_2000), ("CLONE_VFORK", 0x0000_4000), ("CLONE_PARENT", 0x0000_8000),
            ("CLONE_THREAD", 0x0001_0000), ("CLONE_NEWNS", 0x0002_0000), ("CLONE_SYSVSEM", 0x0004_0000),
            ("CLONE_SETTLS", 0x0008_0000), ("CLONE_PARENT_SETTID", 0x0010_0000),
            ("CLONE_CHILD_CLEARTID", 0x0020_0000), ("CLONE_DETACHED", 0x0040_0000), ("CLONE_UNTRACED", 0x0080_0000),
            ("CLONE_CHILD_SETTID", 0x0100_0000), ("CLONE_NEWCGROUP", 0x0200_0000), ("CLONE_NEWUTS", 0x0400_0000),
            ("CLONE_NEWIPC", 0x0800_0000), ("CLONE_NEWUSER", 0x1000_0000), ("CLONE_NEWPID", 0x2000_0000),
            ("CLONE_NEWNET", 0x4000_0000), ("CLONE_IO", 0x8000_0000),
            // CLONE_NEWTIME shares its bit with CSIGNAL's range in clone(); it is only meaningful to unshare/clone3.
            ("CLONE_NEWTIME", 0x0000_0080),
        ]
        for (name, value) in clone { t[name] = value }

        // Terminal ioctls (asm-generic/ioctls.h). TIOCSTI/TIOCLINUX inject input into a terminal
        // (CVE-2019-10063 bypassed a 64-bit compare of the request).
        add("TCGETS", TCGETS); add("TCSETS", TCSETS); add("TCSETSW", TCSETSW); add("TCSETSF", TCSETSF)
        add("TIOCSTI", TIOCSTI); add("TIOCLINUX", TIOCLINUX); add("TIOCSETD", TIOCSETD); add("TIOCCONS", TIOCCONS)
        add("TIOCGWINSZ", TIOCGWINSZ); add("TIOCSWINSZ", TIOCSWINSZ); add("TIOCGPGRP", TIOCGPGRP)
        add("TIOCSPGRP", TIOCSPGRP); add("TIOCSCTTY", TIOCSCTTY); add("TIOCNOTTY", TIOCNOTTY)
        add("FIONREAD", FIONREAD); add("FIONBIO", FIONBIO); add("FIOCLEX", FIOCLEX); add("FIONCLEX", FIONCLEX)
        add("FIOASYNC", FIOASYNC)
        // File cloning ioctls (linux/fs.h, _IOW(0x94, 9/13, ...)): cp tries FICLONE first and copies
        // byte by byte when it is refused.
        t["FICLONE"] = 0x4004_9409; t["FICLONERANGE"] = 0x4020_940d

        // personality (linux/personality.h). 0xffffffff queries the current persona without changing it.
        t["PER_LINUX"] = 0; t["PER_QUERY"] = 0xffff_ffff
        t["ADDR_NO_RANDOMIZE"] = 0x0040000; t["READ_IMPLIES_EXEC"] = 0x0400000

        // prctl options (linux/prctl.h; not imported by Swift).
        let prctl: [(String, UInt64)] = [
            ("PR_SET_PDEATHSIG", 1), ("PR_GET_PDEATHSIG", 2), ("PR_GET_DUMPABLE", 3), ("PR_SET_DUMPABLE", 4),
            ("PR_GET_KEEPCAPS", 7), ("PR_SET_KEEPCAPS", 8), ("PR_SET_NAME", 15), ("PR_GET_NAME", 16),
            ("PR_GET_SECCOMP", 21), ("PR_SET_SECCOMP", 22), ("PR_CAPBSET_READ", 23), ("PR_CAPBSET_DROP", 24),
            ("PR_GET_SECUREBITS", 27), ("PR_SET_SECUREBITS", 28), ("PR_SET_TIMERSLACK", 29),
            ("PR_GET_TIMERSLACK", 30), ("PR_SET_MM", 35), ("PR_SET_CHILD_SUBREAPER", 36),
            ("PR_GET_CHILD_SUBREAPER", 37), ("PR_SET_NO_NEW_PRIVS", 38), ("PR_GET_NO_NEW_PRIVS", 39),
            ("PR_GET_TID_ADDRESS", 40), ("PR_SET_THP_DISABLE", 41), ("PR_GET_THP_DISABLE", 42),
            ("PR_CAP_AMBIENT", 47), ("PR_SET_PTRACER", 0x5961_6d61), ("PR_SET_VMA", 0x5356_4d41),
        ]
        for (name, value) in prctl { t[name] = value }

        // open flags (asm-generic/fcntl.h). O_RDONLY is 0: test it with `has-none: O_WRONLY|O_RDWR`.
        add("O_RDONLY", O_RDONLY); add("O_WRONLY", O_WRONLY); add("O_RDWR", O_RDWR); add("O_ACCMODE", O_ACCMODE)
        add("O_CREAT", O_CREAT); add("O_EXCL", O_EXCL); add("O_NOCTTY", O_NOCTTY); add("O_TRUNC", O_TRUNC)
        add("O_APPEND", O_APPEND); add("O_NONBLOCK", O_NONBLOCK); add("O_DSYNC", O_DSYNC); add("O_SYNC", O_SYNC)
        add("O_ASYNC", O_ASYNC); add("O_DIRECTORY", O_DIRECTORY); add("O_NOFOLLOW", O_NOFOLLOW)
        add("O_CLOEXEC", O_CLOEXEC)
        t["O_DIRECT"] = 0o40000; t["O_LARGEFILE"] = 0o100000; t["O_NOATIME"] = 0o1000000
        t["O_PATH"] = 0o10000000; t["O_TMPFILE"] = 0o20000000 | UInt64(truncatingIfNeeded: O_DIRECTORY)
        // The bit alone: the kernel uses the mode of open(2) when O_CREAT or this bit is set (WILL_CREATE in
        // fs/open.c), whether or not O_DIRECTORY accompanies it.
        t["__O_TMPFILE"] = 0o20000000

        // File mode bits (sys/stat.h): set-user-ID, set-group-ID, sticky, and the permission bits.
        add("S_ISUID", S_ISUID); add("S_ISGID", S_ISGID); add("S_ISVTX", S_ISVTX)
        add("S_IRWXU", S_IRWXU); add("S_IRWXG", S_IRWXG); add("S_IRWXO", S_IRWXO)

        // The `which` of getpriority/setpriority (sys/resource.h) and of ioprio_get/ioprio_set
        // (linux/ioprio.h; not imported by Swift). A `who` of 0 means the caller (its process, group or uid).
        t["PRIO_PROCESS"] = 0; t["PRIO_PGRP"] = 1; t["PRIO_USER"] = 2
        t["IOPRIO_WHO_PROCESS"] = 1; t["IOPRIO_WHO_PGRP"] = 2; t["IOPRIO_WHO_USER"] = 3

        // mmap/mprotect (asm-generic/mman*.h).
        add("PROT_NONE", PROT_NONE); add("PROT_READ", PROT_READ); add("PROT_WRITE", PROT_WRITE)
        add("PROT_EXEC", PROT_EXEC)
        add("MAP_SHARED", MAP_SHARED); add("MAP_PRIVATE", MAP_PRIVATE); add("MAP_SHARED_VALIDATE", MAP_SHARED_VALIDATE)
        add("MAP_FIXED", MAP_FIXED); add("MAP_ANONYMOUS", MAP_ANONYMOUS); add("MAP_GROWSDOWN", MAP_GROWSDOWN)
        add("MAP_NORESERVE", MAP_NORESERVE); add("MAP_POPULATE", MAP_POPULATE); add("MAP_NONBLOCK", MAP_NONBLOCK)
        add("MAP_STACK", MAP_STACK); add("MAP_HUGETLB", MAP_HUGETLB); add("MAP_SYNC", MAP_SYNC)
        add("MAP_FIXED_NOREPLACE", MAP_FIXED_NOREPLACE); add("MAP_32BIT", MAP_32BIT)
        t["MAP_ANON"] = t["MAP_ANONYMOUS"]; t["MAP_UNINITIALIZED"] = 0x4000000
        return t
    }()

    /// The value of one name, or of several joined with `|` ("CLONE_NEWNS|CLONE_NEWUSER"). Names are upper-case.
    public static func value(of expression: String) -> UInt64? {
        var result: UInt64 = 0
        for part in expression.split(separator: "|", omittingEmptySubsequences: false) {
            guard let v = table[trimSpaces(part)] else { return nil }
            result |= v
        }
        return result
    }
}

/// Foundation-free trim of spaces and tabs.
func trimSpaces(_ s: some StringProtocol) -> String {
    var t = Substring(s)
    while let c = t.first, c == " " || c == "\t" { t = t.dropFirst() }
    while let c = t.last, c == " " || c == "\t" { t = t.dropLast() }
    return String(t)
}

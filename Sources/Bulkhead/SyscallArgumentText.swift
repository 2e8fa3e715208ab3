import BulkheadPolicy
import BulkheadSystem

/// The arguments of a refused call as a report shows them: names where that is cheap and unambiguous
/// (address families, socket types, clone and open flags, a few ioctl, ptrace and bpf requests), paths of
/// path arguments read by `readString`, numbers otherwise.
enum SyscallArgumentText {
    enum Kind {
        case number, directory, family, socketType, cloneFlags, openFlags, ioctlRequest, ptraceRequest, bpfCommand, path, text
    }

    /// What each argument of a syscall is, for the calls whose arguments are worth naming; the count is the
    /// call's arity. Others show their arguments up to the last non-zero one.
    static let shapes: [String: [Kind]] = [
        "socket": [.family, .socketType, .number], "socketpair": [.family, .socketType, .number, .number],
        "clone": [.cloneFlags, .number, .number, .number, .number], "unshare": [.cloneFlags],
        "setns": [.number, .cloneFlags],
        "open": [.path, .openFlags, .number], "creat": [.path, .number],
        "openat": [.directory, .path, .openFlags, .number], "openat2": [.directory, .path, .number, .number],
        "mkdirat": [.directory, .path, .number], "unlinkat": [.directory, .path, .number],
        "fchmodat": [.directory, .path, .number], "fchownat": [.directory, .path, .number, .number, .number],
        "newfstatat": [.directory, .path, .number, .number], "faccessat": [.directory, .path, .number],
        "faccessat2": [.directory, .path, .number, .number], "readlinkat": [.directory, .path, .number, .number],
        "mknodat": [.directory, .path, .number, .number], "execveat": [.directory, .path, .number, .number, .number],
        "statx": [.directory, .path, .number, .number, .number], "execve": [.path, .number, .number],
        "ioctl": [.number, .ioctlRequest, .number], "ptrace": [.ptraceRequest, .number, .number, .number],
        "bpf": [.bpfCommand, .number, .number],
        "mount": [.path, .path, .text, .number, .number], "umount2": [.path, .number],
        "chroot": [.path], "pivot_root": [.path, .path], "mkdir": [.path, .number], "rmdir": [.path], "unlink": [.path],
        "chmod": [.path, .number], "chown": [.path, .number, .number], "rename": [.path, .path],
        "renameat": [.directory, .path, .directory, .path], "renameat2": [.directory, .path, .directory, .path, .number],
        "symlink": [.path, .path], "link": [.path, .path],
        "truncate": [.path, .number], "access": [.path, .number], "stat": [.path, .number], "lstat": [.path, .number],
        "kill": [.number, .number], "socketcall": [.number, .number], "connect": [.number, .number, .number],
        // No arguments: whatever the registers hold is not the call's.
        "getpid": [], "getppid": [], "gettid": [], "getuid": [], "geteuid": [], "getgid": [], "getegid": [],
        "fork": [], "vfork": [], "sync": [], "pause": [], "sched_yield": [], "setsid": [], "getpgrp": [],
    ]

    static let ptraceRequests: [UInt64: String] = [
        0: "PTRACE_TRACEME", 1: "PTRACE_PEEKTEXT", 2: "PTRACE_PEEKDATA", 4: "PTRACE_POKETEXT", 5: "PTRACE_POKEDATA",
        7: "PTRACE_CONT", 8: "PTRACE_KILL", 16: "PTRACE_ATTACH", 17: "PTRACE_DETACH", 0x4206: "PTRACE_SEIZE",
    ]
    static let bpfCommands: [UInt64: String] = [
        0: "BPF_MAP_CREATE", 1: "BPF_MAP_LOOKUP_ELEM", 2: "BPF_MAP_UPDATE_ELEM", 5: "BPF_PROG_LOAD", 8: "BPF_PROG_ATTACH",
    ]

    /// - Parameter readString: reads a NUL-terminated string at an address of the calling process; nil
    ///   when it cannot (the argument then shows as its number).
    static func decode(syscall: String, arguments: [UInt64], readString: (UInt64) -> String?) -> [String] {
        guard let shape = shapes[syscall] else {
            let used = (arguments.lastIndex { $0 != 0 }).map { $0 + 1 } ?? 0
            return arguments.prefix(used).map(number)
        }
        return zip(shape, arguments).map { kind, value in
            switch kind {
            case .number: return number(value)
            case .directory:
                // An int: AT_FDCWD is -100 in the low 32 bits, whatever the upper half holds.
                let fd = Int32(truncatingIfNeeded: value)
                return fd == -100 ? "AT_FDCWD" : String(fd)
            case .family: return exact(value & 0xffff_ffff, prefix: "AF_", avoiding: ["AF_LOCAL"]) ?? number(value)
            case .socketType:
                let low = value & 0xffff_ffff
                var parts = [exact(low & 0xf, prefix: "SOCK_") ?? number(low & 0xf)]
                parts += flagNames(low & ~0xf, prefix: "SOCK_")
                return parts.joined(separator: "|")
            case .cloneFlags:
                let signal = value & 0xff
                var parts = flagNames(value & ~0xff, prefix: "CLONE_")
                if signal != 0 { parts.append(SignalNames.name(of: Int32(signal))) }
                return parts.isEmpty ? "0" : parts.joined(separator: "|")
            case .openFlags:
                let mode = value & 3
                let parts = [exact(mode, prefix: "O_", avoiding: ["O_ACCMODE"]) ?? number(mode)]
                    + flagNames(value & ~3, prefix: "O_", avoiding: ["O_ACCMODE", "O_NDELAY", "O_FSYNC", "O_RSYNC"])
                return parts.joined(separator: "|")
            case .ioctlRequest: return exact(value & 0xffff_ffff, prefix: "TIOC") ?? exact(value & 0xffff_ffff, prefix: "FIO")
                ?? number(value)
            case .ptraceRequest: return ptraceRequests[value] ?? number(value)
            case .bpfCommand: return bpfCommands[value] ?? number(value)
            case .path, .text:
                if value == 0 { return "NULL" }
                return readString(value).map { quoted($0) } ?? number(value)
            }
        }
    }

    static func number(_ value: UInt64) -> String {
        if value < 4096 { return String(value) }
        if value > 0xffff_ffff_ffff_f000 { return "-" + String(0 &- value) }
        return "0x" + String(value, radix: 16)
    }

    private static func exact(_ value: UInt64, prefix: String, avoiding: Set<String> = []) -> String? {
        SymbolicConstants.table.filter { $0.key.hasPrefix(prefix) && $0.value == value && !avoiding.contains($0.key) }
            .map(\.key).min()
    }

    /// The single-bit names of `prefix` set in `value`, in bit order, and what is left as a number.
    private static func flagNames(_ value: UInt64, prefix: String, avoiding: Set<String> = []) -> [String] {
        var names: [String] = []
        var rest = value
        for bit in 0..<64 where value & (1 << UInt64(bit)) != 0 {
            let flag = UInt64(1) << UInt64(bit)
            if let name = exact(flag, prefix: prefix, avoiding: avoiding) { names.append(name); rest &= ~flag }
        }
        if rest != 0 { names.append("0x" + String(rest, radix: 16)) }
        return names
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f: out += "\\x" + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

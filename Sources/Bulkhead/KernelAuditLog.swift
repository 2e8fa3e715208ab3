import SystemPackage
import BulkheadSystem
import CSeccomp
#if canImport(Glibc)
import Glibc
#endif

/// Names the syscall behind a seccomp kill, where the kernel says it. A SIGSYS death alone does not: the
/// kernel's audit record (type 1326, printed to the kernel log unless auditd takes it) does, with the
/// pid, the architecture and the syscall number. Reading /dev/kmsg needs root (dmesg_restrict), records
/// are rate-limited, and auditd diverts them: so this is an enrichment, and nil is a normal answer.
enum KernelAuditLog {
    struct SeccompKill: Equatable {
        var pid: pid_t
        var architecture: UInt32
        var syscall: Int32
        /// When it happened: the record's `audit(SECONDS.MILLIS:SERIAL)` stamp, wall-clock seconds.
        var time: Double? = nil
    }

    /// The seccomp kill record of `pid` that happened no earlier than `notBefore` (wall-clock seconds:
    /// when the task started), waiting up to `wait` seconds for the kernel's audit thread, which prints
    /// records some time after the event. Read only after a SIGSYS death, from the start of the log, so
    /// launches pay nothing. The time matters: pids are reused (pid_max is 32768 here), and the log
    /// still holds records of earlier processes that had this pid, while this task's own record may
    /// not be printed yet.
    static func seccompKill(of pid: pid_t, notBefore: Double, wait: Double = 0.05) -> SeccompKill? {
        guard geteuid() == 0 else { return nil }
        let fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let deadline = MonotonicClock.seconds() + wait
        var found: SeccompKill?
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            // One read returns one record; EAGAIN at the end, EPIPE when records were overwritten.
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                if let kill = parse(Array(buffer[0..<n])), belongs(kill, to: pid, notBefore: notBefore) { found = kill }
                continue
            }
            if n < 0 && Errno.current == .brokenPipe { continue }
            if found != nil || MonotonicClock.seconds() >= deadline { return found }
            usleep(2000)
        }
    }

    /// The audit stamp comes from the kernel's coarse clock (one timer tick, up to 10 ms, behind the
    /// precise one) and is printed to the millisecond: a kill early in a short task can carry a stamp
    /// from before its start. Another process with the same pid killed within that slack is not a
    /// practical worry.
    static func belongs(_ kill: SeccompKill, to pid: pid_t, notBefore: Double) -> Bool {
        guard kill.pid == pid, let time = kill.time else { return false }
        return time >= notBefore - 0.02
    }

    /// "6,1234,5678,-;audit: type=1326 audit(1795687288.026:462): ... pid=42 ... arch=c000003e syscall=56 ..."
    static func parse(_ record: [UInt8]) -> SeccompKill? {
        let text = String(decoding: record, as: UTF8.self)
        guard text.contains("type=1326") else { return nil }
        var pid: pid_t?, arch: UInt32?, syscall: Int32?, time: Double?
        for token in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            if token.hasPrefix("pid=") { pid = pid_t(token.dropFirst(4)) }
            else if token.hasPrefix("arch=") { arch = UInt32(token.dropFirst(5), radix: 16) }
            else if token.hasPrefix("syscall=") { syscall = Int32(token.dropFirst(8)) }
            else if token.hasPrefix("audit("), let colon = token.firstIndex(of: ":") {
                time = Double(token[token.index(token.startIndex, offsetBy: 6)..<colon])
            }
        }
        guard let pid, let arch, let syscall else { return nil }
        return SeccompKill(pid: pid, architecture: arch, syscall: syscall, time: time)
    }

    /// "clone", "getpid (i386 entry)", or the number when libseccomp has no name for it.
    static func describe(_ kill: SeccompKill) -> String {
        let (name, _, entry) = ViolationListener.name(architecture: kill.architecture, number: kill.syscall)
        switch entry {
        case .native: return name
        case .x32: return "\(name) (x32 entry)"
        case .i386 where kill.architecture == 0x4000_0003: return "\(name) (i386 entry)"
        case .i386: return "\(name) (arch 0x\(String(kill.architecture, radix: 16)) entry)"
        }
    }
}

import BulkheadSystem
import BulkheadPolicy
import CLaunch
import CSeccomp
#if canImport(Glibc)
import Glibc
#endif

/// The supervisor's end of a task's seccomp listener (seccomp_unotify(2)): only calls the task's filter
/// hands over reach it (`NotifiedRefusals`). For each it runs the policy's own filter on the call to learn
/// what the policy says (`bh_seccomp_evaluate`: the very program the kernel would have run, so the two
/// cannot disagree), and then:
/// - `kill`: records the call and asks the supervisor to kill the task; the call is never answered, so it
///   never returns (the task dies inside it);
/// - `errno` with `report: true`: answers with that errno, counts it; the task goes on;
/// - watch mode: lets the call run (SECCOMP_USER_NOTIF_FLAG_CONTINUE: safe only because the policy would
///   have refused it anyway, so nothing is allowed that a real decision rests on) and counts it.
/// Pointer arguments are read from the task's memory for the report only, and kept only when the call was
/// still pending after the read (SECCOMP_IOCTL_NOTIF_ID_VALID): the task can rewrite them at any time.
final class ViolationListener {
    let fd: Int32
    private let oracle: CompiledFilter
    private let watch: Bool
    private(set) var events: [ViolationEvent] = []
    private var eventIndex: [Key: Int] = [:]
    /// Set once a `kill` call arrived: the run's violation.
    private(set) var killing: ViolationEvent?
    /// Refused calls that watch mode let through, all of them counted.
    private(set) var watchedCalls = 0

    private struct Key: Hashable {
        var architecture: UInt32
        var number: Int32
        var disposition: String
    }

    /// The kernel offers user notification with SECCOMP_USER_NOTIF_FLAG_CONTINUE (Linux 5.5).
    static let available: Bool = bh_notify_available() == 1

    /// `policy learn`: every call the learning filter hands over is recorded here and answered as the base
    /// (the oracle) says: an errno as that errno, anything else let through (`PolicyLearning`).
    let learner: LearningRecorder?

    init(fd: Int32, oracle: CompiledFilter, watch: Bool, learner: LearningRecorder? = nil) {
        self.fd = fd
        self.oracle = oracle
        self.watch = watch
        self.learner = learner
    }

    deinit { close(fd) }

    /// Serves one pending notification (the listener polled readable). Returns true when the task is to
    /// be killed.
    func serve() -> Bool {
        var notification = bh_notification()
        guard bh_notify_receive(fd, &notification) == 0 else { return false }
        let action = Self.policyAction(oracle.bpf.withUnsafeBytes {
            bh_seccomp_evaluate($0.baseAddress, UInt32(oracle.instructionCount), &notification)
        })
        if let learner {
            learner.record(notification, action: action, listener: fd)
            if case .errno(let e) = action {
                _ = bh_notify_respond(fd, notification.id, e, 0, 0)
            } else {
                _ = bh_notify_respond(fd, notification.id, 0, 0, 1)
            }
            return false
        }
        let disposition: ViolationEvent.Disposition
        switch action {
        case .allow, .log:
            // The policy lets it through; only a filter out of step with the oracle would ask.
            _ = bh_notify_respond(fd, notification.id, 0, 0, 1)
            return false
        case _ where watch: disposition = .watched(wouldBe: action)
        case .errno(let e): disposition = .failed(errno: e)
        case .kill, .trap: disposition = .killed
        }
        if killing != nil { return false }
        record(notification, disposition: disposition)
        switch disposition {
        case .killed:
            killing = events[eventIndex[key(notification, disposition)]!]
            return true
        case .failed(let e):
            _ = bh_notify_respond(fd, notification.id, e, 0, 0)
        case .watched:
            watchedCalls += 1
            _ = bh_notify_respond(fd, notification.id, 0, 0, 1)
        }
        return false
    }

    private func key(_ n: bh_notification, _ disposition: ViolationEvent.Disposition) -> Key {
        Key(architecture: n.arch, number: n.nr, disposition: disposition.name)
    }

    /// The first call of a kind is described in full, later ones only counted: a task that hammers a call
    /// costs a counter increment per call, not /proc reads.
    private func record(_ n: bh_notification, disposition: ViolationEvent.Disposition) {
        let key = key(n, disposition)
        if let index = eventIndex[key] {
            events[index].count += 1
            return
        }
        eventIndex[key] = events.count
        events.append(describe(n, disposition: disposition))
    }

    private func describe(_ n: bh_notification, disposition: ViolationEvent.Disposition) -> ViolationEvent {
        let (name, number, entry) = Self.name(architecture: n.arch, number: n.nr)
        // A 32-bit entry passes 32-bit arguments; the registers' upper halves are whatever the task left there.
        let width: UInt64 = entry == .native ? ~0 : 0xffff_ffff
        let arguments = [n.args.0, n.args.1, n.args.2, n.args.3, n.args.4, n.args.5].map { $0 & width }
        let tid = Int32(bitPattern: n.pid)
        let id = n.id
        var memoryValid = true
        let decoded = SyscallArgumentText.decode(syscall: name, arguments: arguments) { address in
            guard let text = Self.readString(tid: tid, at: address) else { return nil }
            return text
        }
        // Anything read from memory counts only if the call still waited after the read.
        if bh_notify_id_valid(fd, id) != 1 { memoryValid = false }
        let shown = memoryValid ? decoded : SyscallArgumentText.decode(syscall: name, arguments: arguments) { _ in nil }
        let ids = Self.namespaceIDs(tid: tid)
        return ViolationEvent(
            syscall: name, number: number, entry: entry, arguments: arguments, decoded: shown,
            pid: ids?.pid, tid: ids?.tid, hostTID: tid,
            executable: Self.link("/proc/\(tid)/exe"), command: Self.comm(tid: tid), disposition: disposition, count: 1)
    }

    /// What `filter` answers a call with: the policy's action for it, by running the program as the kernel
    /// would (`bh_seccomp_evaluate`).
    static func action(of filter: CompiledFilter, architecture: UInt32, number: Int32, arguments: [UInt64]) -> SeccompAction {
        var call = bh_notification()
        call.arch = architecture
        call.nr = number
        let a = arguments + Array(repeating: 0, count: max(0, 6 - arguments.count))
        call.args = (a[0], a[1], a[2], a[3], a[4], a[5])
        return policyAction(filter.bpf.withUnsafeBytes { bh_seccomp_evaluate($0.baseAddress, UInt32(filter.instructionCount), &call) })
    }

    /// The policy's action from a SECCOMP_RET_* value of its own filter.
    static func policyAction(_ verdict: UInt32) -> SeccompAction {
        switch verdict & 0xffff_0000 {
        case 0x7fff_0000: return .allow          // SECCOMP_RET_ALLOW
        case 0x7ffc_0000: return .log            // SECCOMP_RET_LOG
        case 0x0005_0000: return .errno(Int32(verdict & 0xffff))  // SECCOMP_RET_ERRNO
        case 0x0003_0000: return .trap           // SECCOMP_RET_TRAP
        default: return .kill                    // KILL_PROCESS, KILL_THREAD, anything else
        }
    }

    /// Name, number without the x32 bit, and the entry point of a call.
    static func name(architecture: UInt32, number: Int32) -> (String, Int32, ViolationEvent.Entry) {
        let x32 = architecture == 0xC000_003E && number & 0x4000_0000 != 0
        let plain = x32 ? number & ~0x4000_0000 : number
        let entry: ViolationEvent.Entry = x32 ? .x32 : architecture == bh_arch_native_token() ? .native : .i386
        // libseccomp's architecture tokens are the kernel's AUDIT_ARCH values.
        let name = seccomp_syscall_resolve_num_arch(architecture, plain).map { raw -> String in
            defer { free(raw) }
            return String(cString: raw)
        } ?? "syscall \(plain)"
        return (name, plain, entry)
    }

    /// NUL-terminated text at `address` in the thread's process, up to `limit` bytes.
    /// Read a page at a time: a string that ends just before an unmapped page is still found.
    static func readString(tid: Int32, at address: UInt64, limit: Int = 256) -> String? {
        var bytes: [UInt8] = []
        var next = address
        while bytes.count < limit {
            let chunk = min(limit - bytes.count, 4096 - Int(next % 4096))
            var buffer = [UInt8](repeating: 0, count: chunk)
            let n = buffer.withUnsafeMutableBytes { bh_read_process_memory(tid, next, $0.baseAddress, UInt($0.count)) }
            guard n > 0 else { break }
            if let end = buffer.prefix(Int(n)).firstIndex(of: 0) {
                return String(decoding: bytes + buffer[..<end], as: UTF8.self)
            }
            bytes += buffer.prefix(Int(n))
            next += UInt64(n)
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    /// The pid and tid inside the task's pid namespace: the last numbers of NStgid and NSpid in
    /// /proc/TID/status.
    private static func namespaceIDs(tid: Int32) -> (pid: Int32, tid: Int32)? {
        guard let status = try? KernelFile.text("/proc/\(tid)/status", limit: 8192) else { return nil }
        func last(_ field: String) -> Int32? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return nil }
            return line.split(whereSeparator: { $0 == "\t" || $0 == " " }).last.flatMap { Int32($0) }
        }
        guard let pid = last("NStgid"), let tid = last("NSpid") else { return nil }
        return (pid, tid)
    }

    private static func comm(tid: Int32) -> String? {
        (try? KernelFile.text("/proc/\(tid)/comm", limit: 64)).map { String($0.prefix { $0 != "\n" }) }
    }

    static func link(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

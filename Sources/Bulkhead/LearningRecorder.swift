import BulkheadPolicy
import CLaunch

/// `bulkhead policy learn`'s side of the seccomp listener: every call the learning filter hands over
/// (`PolicyLearning`), with what the base policy says of it, becomes evidence (`LearnedEvidence`): counts
/// per syscall and outcome, the argument facts conditions are written from (clone's kind, socket families,
/// whether an open writes), and the paths of opens, execs and directory changes for the proposed file-system
/// grants. Paths are read from the task's memory for that proposal only and kept only when the call was
/// still pending after the read (the task can rewrite its memory at any time); no decision depends on them.
final class LearningRecorder {
    private(set) var evidence: LearnedEvidence
    /// Threads already seen. execve passes without the supervisor (`LearnedPolicyText.alwaysAllowed`), so the
    /// executables run are read from /proc/TID/exe instead: at a thread's first notified call, and at
    /// set_tid_address, which libc's start-up makes once in every program after its exec.
    private var threadsSeen = Set<UInt32>()
    /// Resolved names by architecture and number: libseccomp's lookup allocates, a task makes millions of calls.
    private var names: [UInt64: (name: String, entry: ViolationEvent.Entry)] = [:]
    private static let namespaceFlags = SymbolicConstants.value(of: LearnedPolicyText.namespaceFlags) ?? 0
    private static let cloneThread = SymbolicConstants.value(of: "CLONE_THREAD") ?? 0x10000
    private static let writingOpenFlags = SymbolicConstants.value(of: LearnedPolicyText.writingOpenFlags) ?? 3

    /// Which argument holds a path and what the call does with it: (directory argument or nil, path argument).
    private enum PathUse { case read, write, exec, open(flagsArgument: Int) }
    private static let pathCalls: [String: [(directory: Int?, path: Int, use: PathUse)]] = [
        "openat": [(0, 1, .open(flagsArgument: 2))], "open": [(nil, 0, .open(flagsArgument: 1))], "creat": [(nil, 0, .write)],
        "execve": [(nil, 0, .exec)], "execveat": [(0, 1, .exec)],
        "mkdir": [(nil, 0, .write)], "mkdirat": [(0, 1, .write)], "rmdir": [(nil, 0, .write)],
        "unlink": [(nil, 0, .write)], "unlinkat": [(0, 1, .write)],
        "rename": [(nil, 0, .write), (nil, 1, .write)], "renameat": [(0, 1, .write), (2, 3, .write)],
        "renameat2": [(0, 1, .write), (2, 3, .write)],
    ]

    init(base: String?) {
        evidence = LearnedEvidence(base: base)
    }

    /// Records one notified call the base answers with `action` (the listener answers it after this).
    func record(_ n: bh_notification, action: SeccompAction, listener: Int32) {
        let key = UInt64(n.arch) << 32 | UInt64(UInt32(bitPattern: n.nr))
        let resolved = names[key] ?? {
            let (name, _, entry) = ViolationListener.name(architecture: n.arch, number: n.nr)
            names[key] = (name, entry)
            return (name, entry)
        }()
        if threadsSeen.insert(n.pid).inserted || resolved.name == "set_tid_address",
           let executable = ViolationListener.link("/proc/\(n.pid)/exe"), bh_notify_id_valid(listener, n.id) == 1 {
            evidence.executed.insert(executable)
        }
        guard resolved.entry == .native else {
            evidence.otherEntries["\(resolved.entry.rawValue) \(resolved.name)", default: 0] += 1
            return
        }
        let name = resolved.name
        var calls = evidence.syscalls[name] ?? LearnedEvidence.Calls()
        let arguments = [n.args.0, n.args.1, n.args.2, n.args.3, n.args.4, n.args.5]
        switch action {
        case .allow, .log:
            calls.allowed += 1
            switch name {
            case "clone":
                let flags = arguments[0]
                calls.cloneKinds.insert(flags & Self.namespaceFlags != 0 ? .namespaces : flags & Self.cloneThread != 0 ? .thread : .process)
            case "socket", "socketpair": calls.socketDomains.insert(arguments[0] & 0xffff_ffff)
            case "ioctl":
                // One past the most a rule lists is enough to know the rule would list too many.
                if calls.ioctlRequests.count <= LearnedPolicyText.maxIoctlRequests {
                    calls.ioctlRequests.insert(arguments[1] & 0xffff_ffff)
                }
            case "openat": if arguments[2] & Self.writingOpenFlags != 0 { calls.opensForWriting = true }
            case "open": if arguments[1] & Self.writingOpenFlags != 0 { calls.opensForWriting = true }
            case "creat": calls.opensForWriting = true
            default: break
            }
            if let uses = Self.pathCalls[name] { recordPaths(n, arguments: arguments, uses: uses, listener: listener) }
        case .errno(let e): calls.refused[e, default: 0] += 1
        case .kill, .trap: calls.beyondBase += 1
        }
        evidence.syscalls[name] = calls
    }

    private func recordPaths(_ n: bh_notification, arguments: [UInt64], uses: [(directory: Int?, path: Int, use: PathUse)],
                             listener: Int32) {
        let tid = Int32(bitPattern: n.pid)
        var found: [(String, PathUse)] = []
        for use in uses {
            guard arguments[use.path] != 0, var path = ViolationListener.readString(tid: tid, at: arguments[use.path], limit: 4096),
                  !path.isEmpty else { continue }
            if !path.hasPrefix("/") {
                // Relative to the directory descriptor, or to the working directory for AT_FDCWD (-100 as an int).
                let fd = use.directory.map { Int32(truncatingIfNeeded: arguments[$0]) } ?? -100
                guard let directory = ViolationListener.link(fd == -100 ? "/proc/\(tid)/cwd" : "/proc/\(tid)/fd/\(fd)") else { continue }
                path = directory + "/" + path
            }
            found.append((Self.normalized(path), use.use))
        }
        // What was read counts only if the call still waited after the read.
        guard !found.isEmpty, bh_notify_id_valid(listener, n.id) == 1 else { return }
        for (path, use) in found {
            switch use {
            case .read: evidence.read.insert(path)
            case .write: evidence.written.insert(path)
            case .exec: evidence.executed.insert(path)
            case .open(let flagsArgument):
                let writes = arguments[flagsArgument] & Self.writingOpenFlags != 0
                if writes { evidence.written.insert(path) } else { evidence.read.insert(path) }
            }
        }
    }

    /// `/a/./b//c/../d` → `/a/b/d`, by the text alone (the names were the task's, not resolved).
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}

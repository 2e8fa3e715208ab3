import BulkheadSystem
import SystemPackage
import BulkheadPolicy
import CLaunch
#if canImport(Glibc)
import Glibc
#endif

/// `bulkhead doctor`: what this kernel offers, what this process may use of it, and whether each shipped
/// policy can run here. Every finding comes from trying the feature (a system call, a child in new
/// namespaces, a cgroup slot), not from the kernel's version: a seccomp filter bulkhead runs under, a
/// security module or a sysctl takes away what the release number would promise.
///
/// The probes that need a process of their own (namespaces) run in a forked C helper that makes only
/// raw system calls (`bh_probe_namespaces`): this process has other threads, and a forked copy of it
/// never runs Swift.
public enum HostCheck {
    public static func run() -> HostReport {
        let process = processState()
        var findings: [HostFinding] = []
        findings.append(identityFinding(process))
        findings.append(noNewPrivsFinding(process))
        findings.append(ownFilterFinding(process))
        findings += seccompFindings()
        findings += pidfdFindings()
        findings.append(closeRangeFinding())
        findings.append(keyringFinding())
        findings += cgroupFindings()
        findings.append(landlockFinding())
        let sysctls = userNamespaceSysctls()
        findings.append(unprivilegedUserNamespaceFinding(process, sysctls: sysctls, underFilter: process.seccompMode != 0))
        findings += namespaceFindings(process)
        return HostReport(kernel: kernel(), process: process, findings: findings,
                          sysctls: sysctls, policies: ShippedPolicyVerdict.judgeAll())
    }

    // MARK: - kernel and process

    static func kernel() -> HostReport.Kernel {
        var names = utsname()
        guard uname(&names) == 0 else { return HostReport.Kernel(release: "unknown", version: "unknown", architecture: "unknown") }
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        return HostReport.Kernel(release: text(names.release), version: text(names.version), architecture: text(names.machine))
    }

    static func processState() -> HostReport.ProcessState {
        let status = (try? KernelFile.text("/proc/self/status")) ?? ""
        func field(_ name: String) -> Int? {
            for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
                return Int(line.dropFirst(name.count + 1).drop { $0 == " " || $0 == "\t" })
            }
            return nil
        }
        let held = Capabilities.current()
        return HostReport.ProcessState(uid: getuid(), gid: getgid(), effectiveUID: geteuid(),
                                       effectiveCapabilities: Capabilities.names(in: held.effective),
                                       permittedCapabilities: Capabilities.names(in: held.permitted),
                                       knownCapabilityCount: Int(Capabilities.lastCap) + 1,
                                       noNewPrivs: field("NoNewPrivs") == 1,
                                       seccompMode: field("Seccomp") ?? 0, seccompFilters: field("Seccomp_filters") ?? 0)
    }

    static func identityFinding(_ process: HostReport.ProcessState) -> HostFinding {
        let caps = process.effectiveCapabilities
        let missing = (0..<process.knownCapabilityCount).compactMap { CapabilityNames.name(of: $0) }.filter { !caps.contains($0) }
        let capText = caps.isEmpty ? "no capabilities"
            : missing.isEmpty ? "all \(caps.count) capabilities"
            : missing.count <= 5 ? "all capabilities but \(missing.joined(separator: ", "))"
            : "capabilities \(caps.joined(separator: ", "))"
        let canSwitch = caps.contains("CAP_SETUID") && caps.contains("CAP_SETGID")
        let who = process.isRoot ? "root (uid 0)" : "uid \(process.effectiveUID)"
        let meaning = canSwitch
            ? "user: tasks can run as another uid (strict runs them as nobody); capabilities.keep can keep what bulkhead holds"
            : "user: switching uids needs CAP_SETUID and CAP_SETGID: a policy with user: runs its tasks as uid \(process.effectiveUID) "
                + "when best-effort (strict is), else is refused; capabilities.keep can keep only capabilities bulkhead holds"
        return HostFinding(id: "identity", name: "running as", state: .info, detail: "\(who), \(capText)",
                           meaning: meaning, policyKeys: ["user", "capabilities.keep"])
    }

    static func noNewPrivsFinding(_ process: HostReport.ProcessState) -> HostFinding {
        process.noNewPrivs
            ? HostFinding(id: "no-new-privs", name: "no_new_privs", state: .info,
                          detail: "already set on bulkhead (a launcher above it set it: a nested sandbox)",
                          meaning: "nothing lost: bulkhead sets it for every task anyway; "
                              + "set-uid and file-capability programs gain nothing here, for bulkhead too")
            : HostFinding(id: "no-new-privs", name: "no_new_privs", state: .info, detail: "not set on bulkhead",
                          meaning: "bulkhead sets it for every task before its seccomp filter")
    }

    static func ownFilterFinding(_ process: HostReport.ProcessState) -> HostFinding {
        switch process.seccompMode {
        case 0:
            return HostFinding(id: "seccomp.self", name: "seccomp on bulkhead", state: .info, detail: "none",
                               meaning: "tasks get exactly their policy's filter")
        case 1:
            return HostFinding(id: "seccomp.self", name: "seccomp on bulkhead", state: .unavailable, detail: "strict mode",
                               meaning: "bulkhead runs in seccomp strict mode and can launch nothing", policyKeys: ["seccomp"])
        default:
            let count = process.seccompFilters > 0
                ? "\(process.seccompFilters) filter\(process.seccompFilters == 1 ? "" : "s")" : "a filter"
            return HostFinding(id: "seccomp.self", name: "seccomp on bulkhead", state: .info,
                               detail: "\(count) already applied to bulkhead (a container or a sandbox above it)",
                               meaning: "every task inherits it on top of its policy's filter: what it refuses, tasks cannot do "
                                   + "whatever the policy allows; the refusals below may be its doing",
                               policyKeys: ["seccomp"])
        }
    }

    // MARK: - seccomp

    static func seccompFindings() -> [HostFinding] {
        func action(_ value: UInt32, id: String, name: String, keys: [String], available: String, missing: String) -> HostFinding {
            if bh_probe_seccomp_action(value) == 0 {
                return HostFinding(id: id, name: name, state: .available, detail: "available", meaning: available, policyKeys: keys)
            }
            let err = errno
            return HostFinding(id: id, name: name, state: .unavailable, detail: "unavailable: \(Errno(rawValue: err).text)",
                               meaning: missing, policyKeys: keys, errno: Errno(rawValue: err))
        }
        var findings = [
            action(BH_SECCOMP_RET_KILL_PROCESS, id: "seccomp.kill-process", name: "SECCOMP_RET_KILL_PROCESS",
                   keys: ["seccomp.default: kill", "seccomp.rules[].action: kill"],
                   available: "a violation kills the whole task (every thread), reported as killed by SIGSYS",
                   missing: "policies that kill on a violation cannot be applied (the kernel predates 4.14, or seccomp(2) is refused)"),
            action(BH_SECCOMP_RET_TRAP, id: "seccomp.trap", name: "SECCOMP_RET_TRAP",
                   keys: ["seccomp.default: trap", "seccomp.rules[].action: trap"],
                   available: "trap sends the task SIGSYS, which it may handle", missing: "policies using trap cannot be applied"),
            action(BH_SECCOMP_RET_ERRNO, id: "seccomp.errno", name: "SECCOMP_RET_ERRNO",
                   keys: ["seccomp.default: errno NAME", "seccomp.rules[].action: errno NAME"],
                   available: "refused calls can fail with a chosen errno (default answers ENOSYS)",
                   missing: "policies that answer with an errno cannot be applied"),
            action(BH_SECCOMP_RET_LOG, id: "seccomp.log", name: "SECCOMP_RET_LOG",
                   keys: ["seccomp.default: log", "seccomp.rules[].action: log"],
                   available: "log allows the call and records it in the kernel's audit log",
                   missing: "policies using log cannot be applied (Linux 4.14)"),
            action(BH_SECCOMP_RET_USER_NOTIF, id: "seccomp.user-notif", name: "SECCOMP_RET_USER_NOTIF", keys: [],
                   available: "a supervisor could be told of each refused call as it happens (no policy key uses it yet)",
                   missing: "no user notification (Linux 5.0); no policy key needs it yet"),
        ]
        var notif: UInt16 = 0, resp: UInt16 = 0, data: UInt16 = 0
        if bh_probe_seccomp_notif_sizes(&notif, &resp, &data) == 0 {
            findings.append(HostFinding(id: "seccomp.notif-sizes", name: "SECCOMP_GET_NOTIF_SIZES", state: .available,
                                        detail: "notification \(notif), response \(resp), seccomp_data \(data) bytes",
                                        meaning: "the sizes a notification listener must use on this kernel"))
        } else {
            let err = errno
            findings.append(HostFinding(id: "seccomp.notif-sizes", name: "SECCOMP_GET_NOTIF_SIZES", state: .unavailable,
                                        detail: "unavailable: \(Errno(rawValue: err).text)",
                                        meaning: "no user-notification listener can be sized here (Linux 5.0)",
                                        errno: Errno(rawValue: err)))
        }
        return findings
    }

    // MARK: - process handles and descriptors

    static func pidfdFindings() -> [HostFinding] {
        var openErr: Int32 = 0, signalErr: Int32 = 0
        bh_probe_pidfd(&openErr, &signalErr)
        let open = openErr == 0
            ? HostFinding(id: "pidfd.open", name: "pidfd_open", state: .available, detail: "available",
                          meaning: "processes can be named without pid-reuse races "
                              + "(bulkhead takes each task's pidfd from clone, CLONE_PIDFD)")
            : HostFinding(id: "pidfd.open", name: "pidfd_open", state: .unavailable,
                          detail: "unavailable: \(Errno(rawValue: openErr).text)",
                          meaning: "bulkhead takes each task's pidfd from clone (CLONE_PIDFD, Linux 5.3) instead; "
                              + "the trial launches below show whether that works",
                          errno: Errno(rawValue: openErr))
        let signal: HostFinding
        if openErr != 0 {
            signal = HostFinding(id: "pidfd.send-signal", name: "pidfd_send_signal", state: .unavailable,
                                 detail: "not tried: no pidfd (\(Errno(rawValue: openErr).text))",
                                 meaning: "the supervisor stops tasks (timeouts, limits.wall) with pidfd_send_signal; "
                                     + "the trial launches below show whether it works",
                                 policyKeys: ["limits.wall"], errno: Errno(rawValue: openErr))
        } else if signalErr == 0 {
            signal = HostFinding(id: "pidfd.send-signal", name: "pidfd_send_signal", state: .available, detail: "available",
                                 meaning: "timeouts and clean-up signal the task through its pidfd, never a reused pid",
                                 policyKeys: ["limits.wall"])
        } else {
            signal = HostFinding(id: "pidfd.send-signal", name: "pidfd_send_signal", state: .unavailable,
                                 detail: "unavailable: \(Errno(rawValue: signalErr).text)",
                                 meaning: "the supervisor cannot stop a task through its pidfd: timeouts (limits.wall) fail",
                                 policyKeys: ["limits.wall"], errno: Errno(rawValue: signalErr))
        }
        return [open, signal]
    }

    static func closeRangeFinding() -> HostFinding {
        var plain: Int32 = 0, cloexec: Int32 = 0
        bh_probe_close_range(&plain, &cloexec)
        if plain != 0 {
            return HostFinding(id: "close-range", name: "close_range", state: .partial,
                               detail: "unavailable: \(Errno(rawValue: plain).text)",
                               meaning: "the child closes inherited descriptors one by one up to RLIMIT_NOFILE instead (Linux before 5.9): "
                                   + "slower launches, same result",
                               errno: Errno(rawValue: plain))
        }
        let flag = cloexec == 0 ? "CLOSE_RANGE_CLOEXEC too" : "without CLOSE_RANGE_CLOEXEC (\(Errno(rawValue: cloexec).text))"
        return HostFinding(id: "close-range", name: "close_range", state: .available, detail: "available, \(flag)",
                           meaning: "the child closes every descriptor but stdio in one call before exec")
    }

    static func keyringFinding() -> HostFinding {
        let serial = bh_probe_user_keyring()
        if serial >= 0 {
            return HostFinding(id: "keyring", name: "user keyring", state: .available, detail: "available (serial \(serial))",
                               meaning: "policy and filter caches are sealed with a key kept there: cached policies start faster")
        }
        let err = errno
        return HostFinding(id: "keyring", name: "user keyring", state: .partial, detail: "unavailable: \(Errno(rawValue: err).text)",
                           meaning: "nothing is cached without the key that seals the cache: every run compiles its policy "
                               + "(slower start, same protection)",
                           errno: Errno(rawValue: err))
    }

    // MARK: - cgroups

    static func cgroupFindings() -> [HostFinding] {
        let layout = CgroupLayout.current()
        var parts: [String] = []
        if let v2 = layout.v2Directory {
            let offered = CgroupLayout.words(in: (try? KernelFile.read(v2 + "/cgroup.controllers")) ?? [])
            parts.append("v2 at \(v2) offering [\(offered.joined(separator: " "))]")
        }
        if let memory = layout.memory { parts.append("v1 memory at \(memory)") }
        if let pids = layout.pids { parts.append("v1 pids at \(pids)") }
        let hierarchy = HostFinding(id: "cgroup", name: "cgroup hierarchy", state: parts.isEmpty ? .unavailable : .info,
                                    detail: parts.isEmpty ? "none found for this process" : parts.joined(separator: "; "),
                                    meaning: "where bulkhead makes its task slots (bulkhead-slot-N beside its own cgroup)",
                                    policyKeys: ["limits.memory", "limits.processes"])
        // A real slot, claimed and configured as a launch would, then let go (it stays for the next run).
        func trySlot(_ id: String, _ name: String, memory: UInt64?, processes: UInt64?, key: String, available: String,
                     missing: String) -> HostFinding {
            do {
                let slot = try TaskCgroup.create(memory: memory, processes: processes, layout: layout)
                let path = slot.directories.map(\.path).joined(separator: ", ")
                return HostFinding(id: id, name: name, state: .available, detail: "usable (cgroup \(slot.version.rawValue): \(path))",
                                   meaning: available, policyKeys: [key])
            } catch {
                return HostFinding(id: id, name: name, state: .unavailable, detail: "unusable: \(error.reason)",
                                   meaning: missing, policyKeys: [key])
            }
        }
        return [
            hierarchy,
            trySlot("cgroup.memory", "memory controller", memory: 64 << 20, processes: nil, key: "limits.memory",
                    available: "limits.memory holds for the whole task tree; an OOM kill is reported as limitExceeded",
                    missing: "limits.memory is refused, or with limits.best-effort (strict and tasks) becomes an RLIMIT_AS per process, "
                        + "with a warning"),
            trySlot("cgroup.pids", "pids controller", memory: nil, processes: 64, key: "limits.processes",
                    available: "limits.processes bounds exactly the task's tree",
                    missing: "limits.processes becomes RLIMIT_NPROC, which counts every process of the task's uid; "
                        + "for a root task it is refused unless best-effort"),
        ]
    }

    // MARK: - Landlock

    static func landlockFinding() -> HostFinding {
        let abi = bh_landlock_abi()
        let keys = ["filesystem", "network", "limits.memory", "limits.processes"]
        guard abi >= 1 else {
            let err = errno
            let why = err == EOPNOTSUPP ? "built in but not enabled at boot (lsm=)" : Errno(rawValue: err).text
            return HostFinding(id: "landlock", name: "Landlock", state: .unavailable, detail: "unavailable: \(why)",
                               meaning: "filesystem: and network: port rules are refused unless best-effort; a task running as "
                                   + "bulkhead's uid could leave its cgroup (limits.memory and limits.processes refused for it "
                                   + "unless best-effort) and can signal bulkhead itself",
                               policyKeys: keys, errno: Errno(rawValue: err))
        }
        let features = ["file-system rules", "renames across directories", "truncate", "TCP bind/connect rules",
                        "device ioctls", "signal and abstract-socket scoping", "audit logging", "thread synchronisation"]
        let known = features.prefix(Int(abi)).joined(separator: ", ")
        if abi >= 6 {
            return HostFinding(id: "landlock", name: "Landlock", state: .available, detail: "ABI \(abi): \(known)",
                               meaning: "filesystem: grants and network: port rules are enforced (a view needs ABI 3, port "
                                   + "rules ABI 4, network.unix ABI 9); tasks are kept out of the cgroup files and cannot "
                                   + "signal bulkhead",
                               policyKeys: keys)
        }
        return HostFinding(id: "landlock", name: "Landlock", state: .partial, detail: "ABI \(abi): \(known)",
                           meaning: "tasks are kept out of the cgroup files, but without signal scoping (ABI 6, Linux 6.12) "
                               + "a task running as bulkhead's uid can signal bulkhead: run tasks as another user",
                           policyKeys: keys)
    }
}

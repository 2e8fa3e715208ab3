import BulkheadSystem
import SystemPackage
import BulkheadPolicy
import CLaunch
#if canImport(Glibc)
import Glibc
#endif

/// The namespace findings of `HostCheck`: whether a user namespace can be made without privilege, and
/// which namespaces this process can make. Each is tried by `bh_probe_namespaces`, a forked helper that
/// clones a child with the flags and, in a new user namespace, has it map its own uid and gid, as a
/// launch does: a namespace the kernel lets one create but not use (an LSM that withholds capabilities
/// in it) shows as a failed map write, not as success.
extension HostCheck {
    static let namespaceFlags: [(name: String, flag: UInt)] = [
        ("user", 0x1000_0000), ("mount", 0x0002_0000), ("pid", 0x2000_0000), ("net", 0x4000_0000),
        ("ipc", 0x0800_0000), ("uts", 0x0400_0000), ("cgroup", 0x0200_0000),
    ]
    static let newUser: UInt = 0x1000_0000

    static let sysctlPaths = [
        ("kernel.unprivileged_userns_clone", "/proc/sys/kernel/unprivileged_userns_clone"),
        ("user.max_user_namespaces", "/proc/sys/user/max_user_namespaces"),
        ("kernel.apparmor_restrict_unprivileged_userns", "/proc/sys/kernel/apparmor_restrict_unprivileged_userns"),
    ]

    static func userNamespaceSysctls() -> [(name: String, value: Int?)] {
        sysctlPaths.map { name, path in (name, (try? KernelFile.text(path)).flatMap { Int($0.trimmed) }) }
    }

    /// The result of one namespace probe: nil when it worked, else what failed.
    struct ProbeFailure {
        let text: String
        let errno: Errno
        /// The probe was killed, by this signal: whatever makes the same call in bulkhead's own process
        /// (a launch's clone) kills bulkhead.
        var killedBy: Int32? = nil
    }

    static func probe(_ flags: UInt, as identity: (uid: uid_t, gid: gid_t)? = nil) -> ProbeFailure? {
        var result = bh_namespace_probe()
        guard bh_probe_namespaces(flags, identity?.uid ?? uid_t.max, identity?.gid ?? gid_t.max, &result) == 0 else {
            let err = Errno.current
            return ProbeFailure(text: "cannot start the probe: \(err.text)", errno: err)
        }
        if result.signal != 0 {
            return ProbeFailure(text: "killed by \(SignalNames.name(of: result.signal)) \(step(result.step)) "
                                    + "(a seccomp filter bulkhead runs under)",
                                errno: .notPermitted, killedBy: result.signal)
        }
        guard result.step != Int32(BH_PROBE_STEP_NONE.rawValue) else { return nil }
        return ProbeFailure(text: "\(Errno(rawValue: result.error).text) \(step(result.step))", errno: Errno(rawValue: result.error))
    }

    private static func step(_ step: Int32) -> String {
        switch UInt32(bitPattern: step) {
        case BH_PROBE_STEP_FORK.rawValue: return "starting the probe"
        case BH_PROBE_STEP_IDENTITY.rawValue: return "dropping to the probe's uid"
        case BH_PROBE_STEP_CLONE.rawValue: return "at clone"
        case BH_PROBE_STEP_SETGROUPS.rawValue: return "writing setgroups"
        case BH_PROBE_STEP_UID_MAP.rawValue: return "writing uid_map"
        case BH_PROBE_STEP_GID_MAP.rawValue: return "writing gid_map"
        default: return "waiting for the probe"
        }
    }

    /// Whether a process without privilege can make a user namespace here: tried as uid/gid 65534 when
    /// bulkhead may switch users, else as bulkhead's own uid.
    static func unprivilegedUserNamespaceFinding(_ process: HostReport.ProcessState, sysctls: [(name: String, value: Int?)],
                                                 underFilter: Bool) -> HostFinding {
        let canSwitch = process.effectiveCapabilities.contains("CAP_SETUID") && process.effectiveCapabilities.contains("CAP_SETGID")
        let identity: (uid: uid_t, gid: gid_t)? = canSwitch ? (65534, 65534) : nil
        let asWhom = identity == nil ? "as uid \(process.effectiveUID)" : "as uid 65534"
        let settings = sysctls.compactMap { entry in entry.value.map { "\(entry.name)=\($0)" } }.joined(separator: ", ")
        let keys = ["seccomp (a filter that lets tasks create IPC objects)"]
        guard let failure = probe(newUser, as: identity) else {
            return HostFinding(id: "userns.unprivileged", name: "unprivileged user namespaces", state: .available,
                               detail: "allowed: created and mapped one \(asWhom)" + (settings.isEmpty ? "" : " (\(settings))"),
                               meaning: "without root, bulkhead gives a task that may create System V IPC objects or message queues "
                                   + "an IPC namespace inside a user namespace",
                               policyKeys: keys)
        }
        var cause: String
        if sysctls.first(where: { $0.name == "kernel.unprivileged_userns_clone" })?.value == 0 {
            cause = "disabled (kernel.unprivileged_userns_clone=0)"
        } else if sysctls.first(where: { $0.name == "user.max_user_namespaces" })?.value == 0 {
            cause = "disabled (user.max_user_namespaces=0)"
        } else if sysctls.first(where: { $0.name == "kernel.apparmor_restrict_unprivileged_userns" })?.value == 1 {
            cause = "restricted by AppArmor (kernel.apparmor_restrict_unprivileged_userns=1)"
        } else {
            cause = "refused"
        }
        cause += ": \(failure.text) \(asWhom)"
        if underFilter { cause += "; a seccomp filter applies to bulkhead" }
        return HostFinding(id: "userns.unprivileged", name: "unprivileged user namespaces", state: .unavailable, detail: cause,
                           meaning: "namespaces need root: without root, tasks that may create IPC objects run without an IPC namespace "
                               + "of their own, and what they create outlives them (a warning at each run)",
                           policyKeys: keys, errno: failure.errno)
    }

    /// Each namespace as this process would make it: directly, or else inside a new user namespace (as
    /// bulkhead does without CAP_SYS_ADMIN).
    static func namespaceFindings(_ process: HostReport.ProcessState) -> [HostFinding] {
        namespaceFlags.map { name, flag in
            let id = "namespace.\(name)", title = "\(name) namespace"
            let (keys, useful, lost) = namespaceUse(name)
            guard let direct = probe(flag) else {
                return HostFinding(id: id, name: title, state: .available, detail: "can be created by uid \(process.effectiveUID)",
                                   meaning: useful, policyKeys: keys)
            }
            if flag != newUser, probe(flag | newUser) == nil {
                return HostFinding(id: id, name: title, state: .partial,
                                   detail: "only inside a new user namespace (directly: \(direct.text))",
                                   meaning: useful, policyKeys: keys)
            }
            return HostFinding(id: id, name: title, state: .unavailable, detail: "cannot be created: \(direct.text)",
                               meaning: lost, policyKeys: keys, errno: direct.errno)
        }
    }

    private static func namespaceUse(_ name: String) -> (keys: [String], useful: String, lost: String) {
        switch name {
        case "ipc":
            return (["seccomp (a filter that lets tasks create IPC objects)"],
                    "a task that may create System V IPC objects or message queues gets its own IPC namespace: they die with it",
                    "System V IPC objects and message queues a task creates outlive it (a warning at each run)")
        case "user":
            return (["seccomp (a filter that lets tasks create IPC objects)"],
                    "bulkhead without CAP_SYS_ADMIN makes a task's IPC namespace inside one",
                    "without CAP_SYS_ADMIN, tasks run without an IPC namespace of their own")
        default:
            return ([], "available to tasks' own use if their filter allows it; no policy key asks for it yet",
                    "no policy key asks for it yet")
        }
    }
}

/// The policy file `bulkhead policy learn` writes from its evidence: version 1, the base's other sections
/// through `extends`, and a seccomp section of its own (`inherit: false`) that allows what the run used and
/// the base allowed, nothing else.
///
/// How base and evidence combine, per syscall the run called through the native entry:
/// - every call allowed by the base: allowed, with learn's own conditions where they narrow what the
///   base allows (clone: threads only, processes only, or never a namespace; socket, socketpair: the
///   families seen; ioctl: up to 16 requests seen; openat, open: read-only when nothing was opened for
///   writing); otherwise the base's own rules for the
///   syscall when it has any (they are its limits), else a plain allow;
/// - every call answered by the base with an errno: that errno (the program saw it and went on);
/// - calls the base would kill: left out (the default kills them), and said on stderr.
/// A syscall the run never called is refused whatever the base says, so the learned policy is never more
/// permissive than its base. The default action is `kill`: a call the run never made ends the task and
/// is named (`bulkhead: violation: ...`), instead of failing quietly down a path nobody has seen.
public enum LearnedPolicyText {
    /// Calls the learning filter lets through without asking the supervisor, because every program run
    /// through libc makes them and they are the most frequent ones (a round trip to the supervisor costs
    /// microseconds per call): a learned policy always allows them. Only where the base allows them outright.
    /// And execve: the launcher execs the command under the filter before the supervisor holds the listener
    /// (notify_child.c), so a notified execve would wait for an answer nobody can give yet.
    public static let alwaysAllowed = [
        "brk", "close", "execve", "exit", "exit_group", "fstat", "futex", "lseek", "mmap", "mprotect", "munmap", "newfstatat",
        "read", "restart_syscall", "rt_sigreturn", "write",
    ]

    /// Without a base, the run is judged by a policy that allows everything but three calls a filter cannot
    /// see into, answered with ENOSYS so that libc falls back to calls that can be checked (clone3 to clone,
    /// openat2 to openat) and io_uring (which performs operations seccomp never sees) is not used.
    public static let noBaseText = """
        version: 1
        seccomp:
          default: allow
          rules:
            - { syscall: clone3, action: errno ENOSYS }
            - { syscall: openat2, action: errno ENOSYS }
            - { syscall: io_uring_setup, action: errno ENOSYS }

        """

    /// Calls the C library makes on its own, at a moment no run controls, once the program has threads: a
    /// thread's stack is handed back with madvise(MADV_DONTNEED) when it exits and its memory is reused
    /// (glibc's advise_stack_range), and each new thread registers its robust futex list and rseq area. One
    /// run may make none of them before it ends, the next one all: a learned policy that lets threads be
    /// made allows these with them (where the base allows them outright), or its reruns die at random.
    public static let threadCompanions = ["madvise", "rseq", "set_robust_list", "rt_sigprocmask", "sched_yield"]

    package static let namespaceFlags = "CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWNET|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWCGROUP"
    /// Any of these in open's flags writes: access mode O_WRONLY or O_RDWR, creation, truncation.
    package static let writingOpenFlags = "O_ACCMODE|O_CREAT|O_TRUNC|__O_TMPFILE"

    /// The syscalls `alwaysAllowed` names that `base` allows outright (in its allow list, no rules).
    public static func alwaysAllowed(under base: SeccompPolicy) -> [String] { allowedOutright(alwaysAllowed, by: base) }

    /// Those of `names` that `base` allows outright (in its allow list or by its default, with no rules).
    static func allowedOutright(_ names: [String], by base: SeccompPolicy) -> [String] {
        let ruled = Set(base.rules.map(\.syscall))
        let allowed = Set(base.allow)
        return names.filter { !ruled.contains($0) && (base.defaultAction == .allow || allowed.contains($0)) }
    }

    /// The policy text, and what the user should know about it (for stderr).
    public static func make(_ evidence: LearnedEvidence, base: SeccompPolicy) -> (text: String, notes: [String]) {
        var notes: [String] = []
        var plain = Set(alwaysAllowed(under: base))
        if evidence.syscalls["clone"]?.cloneKinds.contains(.thread) == true {
            plain.formUnion(allowedOutright(threadCompanions, by: base))
        }
        var ruleLines: [String] = []
        for name in evidence.syscalls.keys.sorted() {
            let calls = evidence.syscalls[name]!
            let baseRules = base.rules.filter { $0.syscall == name }
            if calls.allowed == 0 {
                if let (errno, _) = calls.refused.max(by: { $0.value < $1.value }) {
                    if baseRules.isEmpty {
                        ruleLines.append("    # \(name): refused by the base during the run; the program went on")
                        ruleLines.append("    - " + PolicyPrinter.rule(SyscallRule(syscall: name, action: .errno(errno))))
                    } else {
                        ruleLines.append("    # \(name): refused by the base during the run; the base's rules for it")
                        ruleLines += baseRules.map { "    - " + PolicyPrinter.rule($0) }
                    }
                } else if calls.beyondBase > 0 {
                    notes.append("the run called \(name) \(calls.beyondBase) time\(calls.beyondBase == 1 ? "" : "s"), which the base "
                                     + "refuses (kill): let through while learning, refused by the learned policy")
                }
                continue
            }
            if calls.refused.isEmpty, let narrowed = narrowing(name, calls) {
                ruleLines.append("    # \(name): \(narrowed.why)")
                ruleLines += narrowed.rules.map { "    - " + $0 }
            } else if !baseRules.isEmpty {
                ruleLines.append("    # \(name): the base's rules for it")
                ruleLines += baseRules.map { "    - " + PolicyPrinter.rule($0) }
            } else {
                plain.insert(name)
            }
            if calls.beyondBase > 0 {
                notes.append("the run called \(name) in a way the base refuses (kill), \(calls.beyondBase) time"
                                 + "\(calls.beyondBase == 1 ? "" : "s"): the learned policy keeps the base's limits for it")
            }
        }
        for (entry, count) in evidence.otherEntries.sorted(by: { $0.key < $1.key }) {
            notes.append("the run called \(entry) through another entry point \(count) time\(count == 1 ? "" : "s"): "
                             + "let through while learning; no policy allows calls outside the native entry point")
        }

        var lines = [
            "# Learned by `bulkhead policy learn` from a run of:",
        ]
        lines += evidence.commands.map { "#   " + LearnedEvidence.escaped($0) }
        lines += [
            "# It allows the system calls that run made (those its base allowed), and nothing else: any other call",
            "# kills the task, and bulkhead names it (`bulkhead: violation: ...`). Review it, then run the command",
            "# under it: `bulkhead run --policy FILE -- COMMAND`. Another run's evidence: `policy learn --merge FILE`.",
            "version: 1",
            "name: learned",
        ]
        if let baseName = evidence.base {
            lines.append("extends: \(baseName)   # the base's namespaces, file-system view, environment and limits")
        }
        lines.append("seccomp:")
        if evidence.base != nil {
            lines.append("  inherit: false     # this filter replaces the base's: what the run used, within what the base allows")
        }
        lines.append("  default: kill")
        let allow = folded(plain)
        lines.append(allow.isEmpty ? "  allow: []" : "  allow:")
        lines += allow.map { "    - " + PolicyPrinter.quote($0) }
        lines.append(ruleLines.isEmpty ? "  rules: []" : "  rules:")
        lines += ruleLines
        lines.append("")
        lines += proposedFilesystem(evidence)
        lines.append("")
        return (lines.joined(separator: "\n") + "\n" + evidence.block, notes)
    }

    /// Conditions narrower than "any call" that still admit every call the run made.
    static func narrowing(_ name: String, _ calls: LearnedEvidence.Calls) -> (why: String, rules: [String])? {
        switch name {
        case "clone":
            if calls.cloneKinds.contains(.namespaces) || calls.cloneKinds.isEmpty { return nil }
            if calls.cloneKinds == [.thread] {
                return ("threads only (CLONE_THREAD), never a new process or namespace",
                        ["{ syscall: clone, when: [{ arg: 0, masked-eq: [CLONE_THREAD|\(namespaceFlags), CLONE_THREAD] }] }"])
            }
            if calls.cloneKinds == [.process] {
                return ("new processes only, never a thread or a new namespace",
                        ["{ syscall: clone, when: [{ arg: 0, has-none: CLONE_THREAD|\(namespaceFlags) }] }"])
            }
            return ("threads and processes, never a new namespace",
                    ["{ syscall: clone, when: [{ arg: 0, has-none: \(namespaceFlags) }] }"])
        case "socket", "socketpair":
            guard !calls.socketDomains.isEmpty else { return nil }
            return ("only the address families the run used",
                    calls.socketDomains.sorted().map { "{ syscall: \(name), when: [{ arg: 0, eq: \(familyName($0)) }] }" })
        case "ioctl":
            // A few requests are a clearer and narrower rule than the base's; many are better left to it.
            guard !calls.ioctlRequests.isEmpty, calls.ioctlRequests.count <= maxIoctlRequests else { return nil }
            return ("only the requests the run made",
                    calls.ioctlRequests.sorted().map { "{ syscall: ioctl, when: [{ arg: 1, eq: \(ioctlName($0)) }] }" })
        case "openat", "open":
            guard !calls.opensForWriting else { return nil }
            let flagsArgument = name == "openat" ? 2 : 1
            return ("read-only: the run opened nothing for writing, created or truncated nothing",
                    ["{ syscall: \(name), when: [{ arg: \(flagsArgument), masked-eq: [\(writingOpenFlags), 0] }] }"])
        default:
            return nil
        }
    }

    package static let maxIoctlRequests = 16

    static func familyName(_ domain: UInt64) -> String {
        constantName(domain, prefixes: ["AF_"], avoiding: ["AF_LOCAL"]) ?? String(domain)
    }

    static func ioctlName(_ request: UInt64) -> String {
        constantName(request, prefixes: ["TC", "TIOC", "FIO"]) ?? PolicyPrinter.number(request)
    }

    static func constantName(_ value: UInt64, prefixes: [String], avoiding: Set<String> = []) -> String? {
        SymbolicConstants.table.filter { entry in
            entry.value == value && !avoiding.contains(entry.key) && prefixes.contains { entry.key.hasPrefix($0) }
        }.map(\.key).min()
    }

    /// The allow list with `@groups` where every member this machine knows was used, largest groups first,
    /// each taken only when it stands for at least two names not yet covered; then the remaining names.
    static func folded(_ names: Set<String>) -> [String] {
        var covered = Set<String>()
        var groups: [String] = []
        let candidates = SyscallGroups.all.compactMap { group -> (String, [String])? in
            guard let members = SyscallGroups.expand(group.name)?.filter(SyscallTable.isKnown), !members.isEmpty else { return nil }
            return (group.name, members)
        }.sorted { $0.1.count != $1.1.count ? $0.1.count > $1.1.count : $0.0 < $1.0 }
        for (name, members) in candidates where members.allSatisfy(names.contains) {
            guard members.filter({ !covered.contains($0) }).count >= 2 else { continue }
            groups.append(name)
            covered.formUnion(members)
        }
        return groups.sorted() + names.subtracting(covered).sorted()
    }

    /// The paths the run read, wrote and executed as a `filesystem:` section, commented out: proposed, for
    /// the user to confirm (they were read from the task's memory, which the task controls). A directory
    /// stands for its files where the run used three or more in it; at most 40 entries a list.
    static func proposedFilesystem(_ evidence: LearnedEvidence) -> [String] {
        guard !(evidence.read.isEmpty && evidence.written.isEmpty && evidence.executed.isEmpty) else { return [] }
        var lines = [
            "# File-system grants proposed from the paths the run opened (read from the task's memory, for this",
            "# proposal only). Check each, then uncomment: a grant covers everything beneath it.",
            "# filesystem:",
        ]
        for (key, paths) in [("read", evidence.read), ("write", evidence.written), ("exec", evidence.executed)] where !paths.isEmpty {
            let grants = collapsed(paths)
            lines.append("#   \(key):")
            lines += grants.prefix(40).map { "#     - " + PolicyPrinter.quote(LearnedEvidence.escaped($0)) }
            if grants.count > 40 { lines.append("#     # ... and \(grants.count - 40) more (see the evidence below)") }
        }
        return lines
    }

    static func collapsed(_ paths: Set<String>) -> [String] {
        var byDirectory: [String: [String]] = [:]
        for path in paths where path.hasPrefix("/") {
            let directory = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "/"
            byDirectory[directory, default: []].append(path)
        }
        var out = Set<String>()
        for (directory, files) in byDirectory {
            if files.count >= 3 { out.insert(directory) } else { out.formUnion(files) }
        }
        // A path beneath a directory already proposed adds nothing.
        let directories = out
        return out.filter { path in
            !directories.contains { $0 != path && ($0 == "/" || path.hasPrefix($0 + "/")) }
        }.sorted()
    }
}

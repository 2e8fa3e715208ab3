import BulkheadSystem
import SystemPackage
import BulkheadPolicy
import CLaunch
#if canImport(Glibc)
import Glibc
#endif

/// A started task: its pid, the pidfd that names it without reuse races, and its cgroup.
struct RunningTask {
    /// With a pid namespace, these name its init (pid_one.c), whose end is the end of the whole namespace.
    let pid: pid_t
    let pidfd: Int32
    let cgroup: TaskCgroup?
    let started: Double
    /// Rules in the task's own Landlock ruleset (`TaskRuleset`), 0 without one.
    var landlockRules = 0
    /// With a pid namespace: the page init reports the task's ending on (`bh_init_report_take`).
    var initReport: UnsafeMutableRawPointer? = nil
    /// With a pid namespace: the pipe init writes one byte to once the task has ended and nothing else is
    /// left in the namespace (pid_one.c), or -1. The supervisor's to close.
    var endNotice: Int32 = -1
    /// The namespaces the task runs in.
    var namespaces: [NamespaceKind] = []
    /// The task's main process as the kernel's audit records name it (pid in the initial namespace): with
    /// a pid namespace, init's only child, not `pid`.
    var auditPID: pid_t? = nil
    /// The task's seccomp listener, when the supervisor reports or applies refusals itself.
    var listener: ViolationListener? = nil
}

enum LaunchAttempt {
    case running(RunningTask, warnings: [String])
    /// The child failed before execve, or the command was not found; no task ran.
    case failedBeforeExec(stage: LaunchStage, errno: Errno, started: Double)
}

/// Starts a task: prepares every byte the child needs, then hands over to the C child code.
enum Launcher {
    /// - Parameters:
    ///   - arguments: the argv the task gets, byte for byte.
    ///   - scratch: the run's scratch directory (`ScratchDirectory`), exported and granted to the task.
    static func launch(_ plan: SandboxPlan, arguments: [[UInt8]], options: RunOptions,
                       scratch: String? = nil) throws(LaunchError) -> LaunchAttempt {
        var namespaces = plan.namespaces
        var warnings: [String] = []
        // Each round either launches, refuses, or leaves out at least one namespace: a few rounds at most.
        while true {
            var failedNamespace: UInt = 0
            let shortfall: NamespaceShortfall
            do {
                let attempt = try launch(plan, arguments: arguments, options: options, namespaces: namespaces, scratch: scratch,
                                        failedNamespace: &failedNamespace)
                switch attempt {
                case .failedBeforeExec(.namespaces, let err, _) where !namespaces.isEmpty:
                    // A step inside the child (a map, /proc, the host name, loopback) said which one.
                    let kind = TaskNamespaces.kind(ofFlag: failedNamespace)
                    shortfall = NamespaceShortfall(missing: kind.map { [$0] } ?? namespaces.kinds, errno: err)
                case .running(let task, let launchWarnings):
                    return .running(task, warnings: warnings + launchWarnings)
                default:
                    return attempt
                }
            } catch where error.stage == .clone && !namespaces.isEmpty && error.errno.map(NamespaceShortfall.refusals.contains) == true {
                shortfall = NamespaceShortfall.probe(namespaces, errno: error.errno ?? .notPermitted)
            }
            let next = try shortfall.resolve(namespaces, holdsSysAdmin: plan.holdsSysAdmin, warnings: &warnings)
            // Nothing left out would try the same launch again: refuse rather than loop.
            guard next.kinds != namespaces.kinds else {
                throw LaunchError(stage: .namespaces, errno: shortfall.errno,
                                  message: "cannot make the namespaces \(namespaces.kinds.map(\.rawValue).joined(separator: ", "))")
            }
            namespaces = next
        }
    }

    private static func launch(_ plan: SandboxPlan, arguments: [[UInt8]], options: RunOptions, namespaces: TaskNamespaces,
                               scratch: String?, failedNamespace: inout UInt) throws(LaunchError) -> LaunchAttempt {
        let started = MonotonicClock.seconds()
        guard let name = arguments.first else {
            throw LaunchError(stage: .plan, message: "no command given")
        }
        // C strings end at the first NUL: an argument with one inside would reach the task cut short.
        if let bad = arguments.first(where: { $0.contains(0) }) {
            throw LaunchError(stage: .plan, errno: .invalidArgument,
                              message: "an argument contains a NUL byte: \(ArgumentText.escaped(bad).debugDescription)")
        }
        let path: [UInt8]
        switch plan.resolve(name) {
        case .success(let found): path = found
        case .failure(let err): return .failedBeforeExec(stage: .exec, errno: err, started: started)
        }

        var warnings: [String] = []
        // What $CWD and $COMMAND mean; asked of the kernel only when there are grants to resolve. A relative
        // command is found from the directory the task starts in, as execve will.
        let policyView = plan.viewFromPolicy && namespaces.hasMountNamespace
        if plan.viewFromPolicy, !policyView, let filesystem = plan.policy.filesystem, filesystem.shapesMountView {
            warnings.append("filesystem.tmpfs and filesystem.hide are not applied: the task has no mount namespace (best-effort)")
        }
        let run: RunPaths
        if plan.landlock != nil || policyView {
            let workingDirectory = plan.policy.workdir ?? currentDirectory()
            let executable = String(decoding: path.dropLast(), as: UTF8.self)
            run = RunPaths(workingDirectory: workingDirectory, scratch: scratch,
                           command: executable.hasPrefix("/") ? executable : workingDirectory + "/" + executable)
            // The policy meant a project directory; started from / it grants the whole file system.
            if workingDirectory == "/", plan.policy.filesystem?.write.contains(PathGrant(PathGrant.workingDirectory)) == true {
                warnings.append("filesystem.write: $CWD is /, so the task may write the whole file system its uid may write: "
                                    + "start bulkhead from the directory the task should work in")
            }
        } else {
            run = RunPaths(workingDirectory: "", scratch: scratch)
        }
        if let landlock = plan.landlock, landlock.handledFilesystem & LandlockAccess.execute != 0 {
            try checkExecution(of: run.command ?? "", landlock, run: run)
        }
        let mountView: MountView?
        if let given = plan.mountView {
            mountView = given
        } else if policyView, let filesystem = plan.policy.filesystem {
            mountView = try MountView(filesystem: filesystem, run: run, tmpfsSize: plan.policy.limits.memory)
        } else {
            mountView = nil
        }

        var rlimits = plan.rlimits
        let cgroup = try makeCgroup(plan, rlimits: &rlimits, warnings: &warnings)
        let ruleset: Int32
        var landlockRules = 0
        do throws(LaunchError) {
            if let landlock = plan.landlock {
                let needsShield = cgroup != nil && CgroupShield.isNeeded(taskUID: plan.identity?.uid ?? geteuid())
                let made = try TaskRuleset.make(landlock, run: run, shieldRoots: needsShield ? CgroupShield.deniedRoots() : nil)
                ruleset = made.fd
                landlockRules = made.rules
                warnings += made.warnings
            } else {
                ruleset = try cgroupShield(plan, cgroup: cgroup, warnings: &warnings)
            }
        } catch {
            cgroup.map(plan.cgroups.release)
            throw error
        }
        // The shield is the pool's, kept for the next launches; a per-launch ruleset is closed here.
        defer { if plan.landlock != nil { close(ruleset) } }

        let argv = CStringArray(arguments)
        var environment = plan.environment
        if let scratch {
            environment.removeAll { EnvironmentBuilder.variableName($0).elementsEqual(ScratchDirectory.variable.utf8) }
            environment.append(Array((ScratchDirectory.variable + "=" + scratch).utf8))
        }
        let envp = CStringArray(environment)
        let procWrites = CStringPairs(namespaces.procWrites)
        // In a view the working directory keeps its path: the launcher's, unless the policy names one.
        let workdir = mountView == nil ? plan.policy.workdir : (plan.policy.workdir ?? Paths.currentDirectory())
        // The view's own file systems get their Landlock rules in the child, once they exist.
        let viewRules = mountView.flatMap { view in plan.landlock.map { $0.rules(for: view, run: run) } } ?? []
        landlockRules += viewRules.count
        let view = mountView.map {
            MountViewCData(for: $0, workdir: workdir, namespaces: namespaces, landlock: (viewRules, plan.landlock == nil ? -1 : ruleset))
        }
        defer { argv.free(); envp.free(); procWrites.free(); view?.free() }
        guard argv.complete, envp.complete, procWrites.complete, view?.complete ?? true else {
            cgroup.map(plan.cgroups.release)
            throw LaunchError(stage: .plan, errno: .noMemory, message: "cannot copy the command line and environment")
        }
        let procsFDs = cgroup?.procsFDs ?? []
        let groups = plan.identity?.groups ?? []
        var pid: pid_t = 0
        var pidfd: Int32 = -1
        var initReport: UnsafeMutableRawPointer?
        var endNotice: Int32 = -1
        var receivedListener: Int32 = -1
        var namespaceFlag: UInt = 0
        var detail: Int32 = 0
        let hostname = Array((namespaces.hostname ?? "").utf8)
        // The listener goes through init (notify_child.c): with a pid namespace only.
        let notifying = namespaces.hasInit ? plan.notifyingFilter : nil
        if plan.policy.seccomp?.mode == .watch || plan.learning != nil, notifying == nil {
            cgroup.map(plan.cgroups.release)
            throw LaunchError(stage: .seccomp, message: "\(plan.learning != nil ? "learning" : "watch mode") needs seccomp user "
                                  + "notification and a pid namespace, "
                                  + "which cannot be had here", hint: "run on Linux 5.5 or later where bulkhead may make namespaces")
        }
        var notifySockets: [Int32] = [-1, -1]
        if notifying != nil, bh_notify_socketpair(&notifySockets) != 0 {
            cgroup.map(plan.cgroups.release)
            throw LaunchError(stage: .seccomp, errno: .current, message: "cannot make the socket for the seccomp listener")
        }
        defer { for fd in notifySockets where fd >= 0 { close(fd) } }
        let filterBytes = notifying?.filter.bpf ?? plan.filter?.bpf ?? []
        let result: (rc: Int32, stage: Int32, errno: Int32) = path.withUnsafeBufferPointer { pathBytes in
            let cPath = UnsafeRawPointer(pathBytes.baseAddress!).assumingMemoryBound(to: CChar.self)
            return (workdir ?? "").withCString { cWorkdir in hostname.withUnsafeBytes { hostnameBytes in
                procsFDs.withUnsafeBufferPointer { procs in
                    rlimits.withUnsafeBufferPointer { limits in
                        groups.withUnsafeBufferPointer { groupList in
                            filterBytes.withUnsafeBytes { bpf in
                                var spec = bh_spawn_spec()
                                spec.path = cPath
                                spec.argv = UnsafePointer(argv.pointer)
                                spec.envp = UnsafePointer(envp.pointer)
                                spec.workdir = workdir == nil ? nil : cWorkdir
                                spec.stdio = (options.stdin ?? -1, options.stdout ?? -1, options.stderr ?? -1)
                                spec.namespaces = namespaces.cloneFlags
                                spec.unshare_user = namespaces.unshareUser ? 1 : 0
                                if namespaces.hostname != nil {
                                    spec.hostname = hostnameBytes.baseAddress?.assumingMemoryBound(to: CChar.self)
                                    spec.hostname_length = hostnameBytes.count
                                }
                                spec.proc_writes = UnsafePointer(procWrites.pointer)
                                spec.proc_write_count = Int32(procWrites.count)
                                spec.cgroup_procs_fds = procs.baseAddress
                                spec.cgroup_count = Int32(procs.count)
                                spec.rlimits = limits.baseAddress
                                spec.rlimit_count = Int32(limits.count)
                                if let identity = plan.identity {
                                    spec.set_identity = 1
                                    spec.uid = identity.uid
                                    spec.gid = identity.gid
                                    spec.groups = groupList.baseAddress
                                    spec.group_count = Int32(groupList.count)
                                }
                                // Inside its own user namespace the child holds CAP_SETPCAP, whatever bulkhead holds.
                                spec.drop_bounding_set = plan.dropBoundingSet || namespaces.needsUserNamespace ? 1 : 0
                                spec.scope_signals = plan.scopesSignals ? 1 : 0
                                spec.landlock_ruleset = ruleset
                                spec.last_cap = Capabilities.lastCap
                                spec.keep_caps = plan.keepCaps
                                if !filterBytes.isEmpty {
                                    spec.filter = bpf.baseAddress
                                    spec.filter_len = UInt16(filterBytes.count / 8)
                                }
                                spec.notify = notifying == nil ? 0 : 1
                                spec.notify_socket = notifySockets[1]
                                spec.notify_receive = notifySockets[0]
                                let rc = withUnsafePointer(to: view?.view ?? bh_mount_view()) { cView in
                                    spec.mount_view = view == nil ? nil : cView
                                    return bh_spawn(&spec, &pid, &pidfd)
                                }
                                initReport = spec.init_report
                                endNotice = spec.end_notice
                                receivedListener = spec.listener
                                namespaceFlag = spec.failed_namespace
                                detail = spec.failed_detail
                                return (rc, spec.failed_stage, rc == 0 ? spec.failed_errno : errno)
                            }
                        }
                    }
                }
            } }
        }
        failedNamespace = namespaceFlag
        if result.rc != 0 {
            cgroup.map(plan.cgroups.release)
            throw LaunchError(stage: .clone, errno: Errno(rawValue: result.errno), message: "cannot start the child process")
        }
        if result.stage != 0 {
            // The child wrote its failure and exited; reap it so no zombie is left.
            if endNotice >= 0 { close(endNotice) }
            if receivedListener >= 0 { close(receivedListener) }
            var info = siginfo_t()
            _ = bh_waitid_pidfd(pidfd, &info, WEXITED, nil)
            close(pidfd)
            bh_init_report_free(initReport)
            cgroup.map(plan.cgroups.release)
            if let view, result.stage == Int32(BH_STAGE_MOUNT_VIEW.rawValue) {
                let err = Errno(rawValue: result.errno)
                throw LaunchError(stage: .mountView, errno: err, message: "cannot \(view.describe(detail: detail))",
                                  hint: MountViewCData.hint(errno: err))
            }
            return .failedBeforeExec(stage: LaunchStage(childStage: result.stage) ?? .exec, errno: Errno(rawValue: result.errno),
                                     started: started)
        }
        var task = RunningTask(pid: pid, pidfd: pidfd, cgroup: cgroup, started: started, landlockRules: landlockRules,
                               initReport: initReport, endNotice: endNotice, namespaces: namespaces.kinds)
        if notifying != nil, let oracle = plan.filter {
            // Taken by bh_spawn while it waited; else queued by now: init sends it before it closes its end
            // of the launch pipe (notify_child.c).
            let listener = receivedListener >= 0 ? receivedListener : bh_notify_receive_fd(notifySockets[0])
            guard listener >= 0 else {
                let err = Errno.current
                Supervisor.killTree(task)
                if endNotice >= 0 { close(endNotice) }
                var info = siginfo_t()
                _ = bh_waitid_pidfd(pidfd, &info, WEXITED, nil)
                close(pidfd)
                bh_init_report_free(initReport)
                cgroup.map(plan.cgroups.release)
                throw LaunchError(stage: .seccomp, errno: err, message: "the task's seccomp listener did not arrive")
            }
            task.listener = ViolationListener(fd: listener, oracle: oracle, watch: plan.policy.seccomp?.mode == .watch,
                                              learner: plan.learning.map { LearningRecorder(base: $0.base) })
        }
        task.auditPID = initReport == nil ? pid : plan.violationIsKill ? Self.onlyChild(of: pid) : nil
        return .running(task, warnings: warnings)
    }

    /// The one child of init, read while init lives (only for naming a seccomp kill afterwards: the read
    /// costs a launch a few microseconds, and nothing depends on it).
    private static func onlyChild(of pid: pid_t) -> pid_t? {
        guard let text = try? KernelFile.text("/proc/\(pid)/task/\(pid)/children", limit: 64) else { return nil }
        let first = Array(text.utf8.prefix { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") })
        return Digits.number(first[...]).flatMap(pid_t.init(exactly:))
    }

    /// Under a file-system view the kernel refuses to execute a program, or its dynamic loader or script
    /// interpreter, that lies beneath no exec grant, and says only EACCES: refused here with the path.
    private static func checkExecution(of executable: String, _ landlock: LandlockPlan, run: RunPaths) throws(LaunchError) {
        var program = executable
        for role in ["the command", "its interpreter", "the interpreter's interpreter"] {
            guard TaskRuleset.grantsExecution(of: program, landlock, run: run) else {
                throw LaunchError(stage: .exec, errno: .permissionDenied,
                                  message: "\(role) \(program)\(program == executable ? "" : " (of \(executable))") lies beneath "
                                      + "no filesystem.exec grant, so the kernel would refuse to execute it",
                                  hint: "add it or its directory to filesystem.exec (the libraries it loads need read too)")
            }
            guard let next = ExecutableInterpreter.of(program), next != program else { return }
            program = next
        }
    }

    /// What `$CWD` means when the policy sets no workdir: the launcher's own working directory.
    private static func currentDirectory() -> String {
        guard let cwd = getcwd(nil, 0) else { return "." }
        defer { free(cwd) }
        return String(cString: cwd)
    }

    /// The Landlock ruleset that keeps a task in `cgroup` from writing into the cgroup file systems, or -1
    /// when it needs none (no cgroup, or a uid that owns no cgroup files). Without Landlock the limits
    /// the cgroup enforces cannot be promised: refused, unless they are all best-effort.
    private static func cgroupShield(_ plan: SandboxPlan, cgroup: TaskCgroup?, warnings: inout [String]) throws(LaunchError) -> Int32 {
        let taskUID = plan.identity?.uid ?? geteuid()
        guard cgroup != nil, CgroupShield.isNeeded(taskUID: taskUID) else { return -1 }
        if bh_landlock_abi() >= 1 { return try plan.cgroups.shield() }
        let limits = plan.policy.limits
        var held: [LimitKind] = []
        if limits.memory != nil { held.append(.memory) }
        if limits.processes != nil { held.append(.processes) }
        let names = held.map { "limits.\($0.rawValue)" }.joined(separator: " and ")
        if held.allSatisfy(limits.bestEffort.contains) {
            warnings.append("\(names) may not hold (best-effort): a task running as uid \(taskUID) can leave its cgroup, "
                                + "and this kernel has no Landlock to stop it")
            return -1
        }
        throw LaunchError(stage: .landlock,
                          message: "\(names) cannot be enforced: a task running as uid \(taskUID) can move itself "
                              + "out of its cgroup, and this kernel has no Landlock to stop it",
                          hint: "run the task as another user (user:), or add them to limits.best-effort")
    }

    /// A cgroup when the policy limits memory or processes. Where none can be made, a best-effort limit
    /// falls back to the nearest rlimit with a warning; any other limit refuses the launch.
    private static func makeCgroup(_ plan: SandboxPlan, rlimits: inout [bh_rlimit],
                                   warnings: inout [String]) throws(LaunchError) -> TaskCgroup? {
        let limits = plan.policy.limits
        let taskIsRoot = (plan.identity?.uid ?? geteuid()) == 0
        // Without a cgroup, a non-root task's process count is still bound by RLIMIT_NPROC (per uid,
        // not per tree); a root task's is not bound at all.
        let needsCgroup = limits.memory != nil || (limits.processes != nil && taskIsRoot)
        let wantsCgroup = limits.memory != nil || limits.processes != nil
        guard wantsCgroup else { return nil }
        do {
            let cgroup = try plan.cgroups.acquire()
            // The pids cgroup bounds exactly the task's tree. RLIMIT_NPROC would count every process of
            // the task's uid on the machine (setrlimit(2)): other `nobody` processes on the host would eat
            // a strict task's budget, and it could not start a thread. It stays for when there is no cgroup.
            if limits.processes != nil { rlimits.removeAll { $0.resource == Int32(BH_RLIMIT_NPROC.rawValue) } }
            return cgroup
        } catch let unavailable {
            guard needsCgroup else { return nil }
            var missing: [LimitKind] = []
            if limits.memory != nil { missing.append(.memory) }
            if limits.processes != nil, taskIsRoot { missing.append(.processes) }
            let strict = missing.filter { !limits.bestEffort.contains($0) }
            if !strict.isEmpty {
                let names = strict.map { "limits.\($0.rawValue)" }.joined(separator: " and ")
                throw LaunchError(stage: .cgroup, message: "\(names) cannot be enforced: \(unavailable.reason)",
                                  hint: "run bulkhead as root on a machine with the memory and pids cgroup controllers, "
                                      + "or add them to limits.best-effort")
            }
            if let memory = limits.memory {
                // Per-process address space is the nearest thing an unprivileged launcher has.
                if limits.addressSpace == nil {
                    rlimits.append(bh_rlimit(resource: Int32(BH_RLIMIT_AS.rawValue), soft: memory, hard: memory))
                }
                warnings.append("limits.memory applied per process as address-space limit only (best-effort): \(unavailable.reason)")
            }
            if limits.processes != nil, taskIsRoot {
                warnings.append("limits.processes not enforced for a root task (best-effort): \(unavailable.reason)")
            }
            return nil
        }
    }
}

/// (path, text) pairs as the child reads them, owned until `free()`.
struct CStringPairs {
    let pointer: UnsafeMutablePointer<bh_proc_write>?
    let count: Int
    /// False when a copy failed (out of memory).
    let complete: Bool

    init(_ pairs: [(path: String, text: String)]) {
        count = pairs.count
        guard !pairs.isEmpty else { pointer = nil; complete = true; return }
        let p = UnsafeMutablePointer<bh_proc_write>.allocate(capacity: pairs.count)
        var complete = true
        for (index, pair) in pairs.enumerated() {
            p[index] = bh_proc_write(path: UnsafePointer(strdup(pair.path)), text: UnsafePointer(strdup(pair.text)),
                                     length: pair.text.utf8.count)
            if p[index].path == nil || p[index].text == nil { complete = false }
        }
        pointer = p
        self.complete = complete
    }

    func free() {
        guard let pointer else { return }
        for index in 0..<count {
            Glibc.free(UnsafeMutableRawPointer(mutating: pointer[index].path))
            Glibc.free(UnsafeMutableRawPointer(mutating: pointer[index].text))
        }
        pointer.deallocate()
    }
}

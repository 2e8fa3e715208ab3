import SystemPackage
import BulkheadPolicy
import CLaunch
#if canImport(Glibc)
import Glibc
#endif

/// A policy compiled for this machine and this launcher: the BPF program, capability masks, rlimits,
/// identity and environment. Build it once and launch any number of tasks from it; compiling the filter
/// is the expensive part (about a millisecond for a 300-syscall allowlist), launching is not.
public final class SandboxPlan: @unchecked Sendable {
    public let policy: Policy
    public let filter: CompiledFilter?
    /// Notes about protections that were requested as best-effort and will not be applied.
    public private(set) var warnings: [String] = []

    let rlimits: [bh_rlimit]
    let identity: (uid: uid_t, gid: gid_t, groups: [gid_t])?
    let keepCaps: UInt64
    let dropBoundingSet: Bool
    /// True when tasks are kept from signalling any process outside their own tree (see `SignalScope`).
    public let scopesSignals: Bool
    /// "NAME=value" entries as bytes: a value passed through from the launcher need not be UTF-8.
    let environment: [[UInt8]]
    let searchPath: [UInt8]
    let violationIsKill: Bool
    /// The task's filter when the supervisor holds its seccomp listener (`ViolationListener`), and which
    /// refusals it hands over; nil when no refusal is to be reported or the kernel cannot notify. Used
    /// only with a pid namespace, whose init keeps the listener (notify_child.c); `filter` otherwise.
    let notifyingFilter: (filter: CompiledFilter, refusals: NotifiedRefusals)?
    /// `policy learn`: the run is judged by this plan's policy (the base), but every call that is not
    /// `LearnedPolicyText.alwaysAllowed` goes to the supervisor, which records it (`LearningRecorder`).
    let learning: LearningSetup?
    /// Namespaces the task starts in (see `TaskNamespaces`).
    let namespaces: TaskNamespaces
    /// Bulkhead holds CAP_SYS_ADMIN: it makes namespaces without a user namespace around them.
    let holdsSysAdmin: Bool
    /// The file system the task sees, in a mount namespace of its own, as the library's caller gave it; nil:
    /// the launcher's, or the policy's (`viewFromPolicy`).
    public let mountView: MountView?
    /// Each launch builds the view its policy's `filesystem:` describes (its `$CWD`, `$SCRATCH` and `$COMMAND`
    /// differ between runs): the policy restricts files and the task has a mount namespace.
    let viewFromPolicy: Bool
    /// The task may call into the kernel keyring, where the key sealing the caches lives (`CacheSeal`).
    let taskReachesTheKeyring: Bool
    /// The Landlock domain for `filesystem:` and `network:`; nil when the policy has neither (or, best-effort,
    /// the kernel can enforce nothing of them).
    let landlock: LandlockPlan?
    /// Emptied task cgroups for the next launches; see `close()`.
    let cgroups: CgroupPool

    /// - Parameters:
    ///   - launcherEnvironment: the environment `environment.pass` and `clear: false` copy from.
    ///   - filterCache: where compiled filters are kept between runs; nil compiles every time.
    ///   - mountView: the file system the task sees; nil: the launcher's.
    public convenience init(policy: Policy, launcherEnvironment: [String: String], filterCache: FilterCache? = nil,
                            mountView: MountView? = nil) throws(LaunchError) {
        try self.init(policy: policy, launcherEnvironment: launcherEnvironment.map { Array(($0.key + "=" + $0.value).utf8) },
                      filterCache: filterCache, mountView: mountView)
    }

    /// - Parameters:
    ///   - launcherEnvironment: "NAME=value" entries as bytes (`ProcessEnvironment.entries()`); what the
    ///     task takes from them reaches it exactly, also values that are not UTF-8.
    ///   - filterCache: where compiled filters are kept between runs; nil compiles every time.
    ///   - mountView: the file system the task sees; nil: the launcher's.
    public convenience init(policy: Policy, launcherEnvironment: [[UInt8]], filterCache: FilterCache? = nil,
                            mountView: MountView? = nil) throws(LaunchError) {
        var filter: CompiledFilter?
        if let seccomp = policy.seccomp, let filterCache {
            do { filter = try filterCache.filter(for: seccomp) } catch {
                throw LaunchError(stage: .plan, message: "cannot compile the seccomp filter: \(error)")
            }
        }
        try self.init(policy: policy, launcherEnvironment: launcherEnvironment, compiledFilter: filter, mountView: mountView,
                      filterCache: filterCache)
    }

    /// - Parameters:
    ///   - launcherEnvironment: "NAME=value" entries as bytes (`ProcessEnvironment.entries()`).
    ///   - compiledFilter: `policy.seccomp` compiled (`PolicyArtifact.seccompFilter` from the policy cache);
    ///     nil compiles it here. The caller vouches that it was compiled from this very policy.
    ///   - mountView: the file system the task sees; nil: the launcher's.
    ///   - filterCache: where the filter the task runs under with a seccomp listener is kept; nil compiles it.
    ///   - learning: `policy learn` under this policy as its base, named so (nil: no base); see `PolicyLearning`.
    package init(policy: Policy, launcherEnvironment: [[UInt8]], compiledFilter: CompiledFilter?,
                 mountView: MountView? = nil, filterCache: FilterCache? = nil,
                 learning: LearningSetup? = nil) throws(LaunchError) {
        self.policy = policy
        self.learning = learning
        self.mountView = mountView
        cgroups = CgroupPool(memory: policy.limits.memory, processes: policy.limits.processes)
        if let seccomp = policy.seccomp {
            do { filter = try compiledFilter ?? SeccompCompiler.compile(seccomp) } catch {
                throw LaunchError(stage: .plan, message: "cannot compile the seccomp filter: \(error)")
            }
            violationIsKill = seccomp.defaultAction == .kill || seccomp.rules.contains { $0.action == .kill }
            let refusals = NotifiedRefusals(kills: violationIsKill, reportedErrnos: seccomp.rules.contains(where: \.report),
                                            everyRefusal: seccomp.mode == .watch)
            // Only where the task will have a pid namespace to hold the listener: its own, or bulkhead's.
            let hasInit = policy.namespaces?.enables(.pid) == true || learning != nil
                || Self.addsPIDNamespace(for: refusals, policy: policy)
            if learning != nil {
                guard ViolationListener.available else {
                    throw LaunchError(stage: .plan, message: "learning needs seccomp user notification (Linux 5.5 or later)")
                }
                do { notifyingFilter = try PolicyLearning.taskFilter(base: seccomp) } catch {
                    throw LaunchError(stage: .plan, message: "cannot compile the learning filter: \(error)")
                }
            } else if refusals.isEmpty || !hasInit || !ViolationListener.available {
                notifyingFilter = nil
            } else {
                do {
                    let compiled = try filterCache?.filter(for: seccomp, notifying: refusals)
                        ?? SeccompCompiler.compile(seccomp, notifying: refusals)
                    notifyingFilter = (compiled, refusals)
                } catch {
                    throw LaunchError(stage: .plan, message: "cannot compile the seccomp filter: \(error)")
                }
            }
        } else {
            filter = nil
            violationIsKill = false
            notifyingFilter = nil
        }

        var notes: [String] = []
        let held = Capabilities.current()
        let canSwitchUser = Capabilities.holds(held.effective, CapabilityNames.setuid)
            && Capabilities.holds(held.effective, CapabilityNames.setgid)
        identity = try Self.identity(for: policy.user, canSwitch: canSwitchUser, warnings: &notes)
        keepCaps = try Capabilities.mask(for: policy.capabilities.keep)
        if keepCaps & ~held.permitted != 0 {
            let missing = Capabilities.names(in: keepCaps & ~held.permitted).joined(separator: ", ")
            throw LaunchError(stage: .capabilities, message: "the policy keeps \(missing), which bulkhead does not hold",
                              hint: "run bulkhead as root, or remove them from capabilities.keep")
        }
        // Without CAP_SETPCAP the bounding set cannot shrink; no_new_privs (always set) still stops the task
        // from gaining capabilities through set-uid or file-capability binaries.
        dropBoundingSet = Capabilities.holds(held.effective, CapabilityNames.setpcap)
        scopesSignals = SignalScope.available
        holdsSysAdmin = Capabilities.holds(held.effective, CapabilityNames.sysAdmin)
        let planned = TaskNamespaces.plan(for: policy, holdsSysAdmin: holdsSysAdmin, identity: identity.map { ($0.uid, $0.gid) })
        let filesystem = policy.filesystem
        viewFromPolicy = mountView == nil && planned.hasMountNamespace
            && (filesystem?.restricts == true || filesystem?.shapesMountView == true)
        if let filesystem, filesystem.shapesMountView, !planned.hasMountNamespace {
            let key = filesystem.tmpfs.isEmpty ? "filesystem.hide" : "filesystem.tmpfs"
            let at = (filesystem.tmpfs.first ?? filesystem.hide.first)?.location.map { "\($0): " } ?? ""
            guard filesystem.bestEffort else {
                throw LaunchError(stage: .plan, message: "\(at)\(key) needs a mount namespace, which this policy does not make",
                                  hint: "add mount to namespaces, or set filesystem.best-effort: true to run without it")
            }
            notes.append("\(key): not applied: the policy makes no mount namespace (best-effort)")
        }
        if mountView != nil || viewFromPolicy { try MountView.refuseUndoing(keepCaps: keepCaps) }
        var viewed = planned
        if mountView != nil {
            viewed = planned.addingMountNamespace(holdsSysAdmin: holdsSysAdmin)
        } else if viewFromPolicy {
            viewed.mountViewRequired = !(policy.namespaces?.isBestEffort(.mount) ?? false)
        }
        // The listener needs init to keep it (notify_child.c): a pid namespace of bulkhead's own, left out
        // where it cannot be made (violations are then named from the kernel log, as root only).
        if notifyingFilter != nil, !viewed.hasInit {
            namespaces = viewed.addingPIDNamespace(for: policy, holdsSysAdmin: holdsSysAdmin, identity: identity.map { ($0.uid, $0.gid) })
        } else {
            namespaces = viewed
        }
        let landlockPlan = try LandlockPlan.make(for: policy, abi: LandlockAccess.kernelABI)
        notes += landlockPlan.warnings
        landlock = landlockPlan.isEmpty ? nil : landlockPlan
        taskReachesTheKeyring = policy.letsTaskReachTheKeyring
        rlimits = try Self.rlimits(for: policy.limits, taskIsRoot: (identity?.uid ?? geteuid()) == 0,
                                   canRaise: Capabilities.holds(held.effective, CapabilityNames.sysResource))
        environment = EnvironmentBuilder.build(policy.environment, from: launcherEnvironment)
        searchPath = environment.first { EnvironmentBuilder.variableName($0).elementsEqual("PATH".utf8) }.map { Array($0.dropFirst(5)) }
            ?? Array("/usr/local/bin:/usr/bin:/bin".utf8)
        warnings = notes
    }

    /// Whether bulkhead gives the task a pid namespace of its own to hold the seccomp listener. Always for
    /// what only the listener can do (`report: true`, watch mode); for naming `kill` violations, not when
    /// root's task joins a cgroup slot: there a pid namespace's teardown makes the next launch's join wait
    /// for an RCU grace period (10-20 ms a launch under load, docs/performance.md), and root names the
    /// violation from the kernel log (`KernelAuditLog`) instead, as before.
    static func addsPIDNamespace(for refusals: NotifiedRefusals, policy: Policy) -> Bool {
        if refusals.reportedErrnos || refusals.everyRefusal { return true }
        let joinsCgroupSlot = geteuid() == 0 && (policy.limits.memory != nil || policy.limits.processes != nil)
        return !joinsCgroupSlot
    }

    /// Lets go of the cgroup slots this plan holds for its next launches, so other launchers may use
    /// them. Also done when the plan is deinitialised, or the process exits.
    public func close() { cgroups.drain() }

    /// - Parameter canSwitch: bulkhead holds CAP_SETUID and CAP_SETGID. Being uid 0 is not enough: root
    ///   without capabilities (a container, or bulkhead inside a bulkhead task) cannot switch either.
    private static func identity(for user: UserPolicy?, canSwitch: Bool,
                                 warnings: inout [String]) throws(LaunchError) -> (uid: uid_t, gid: gid_t, groups: [gid_t])? {
        guard let user else { return nil }
        if canSwitch { return (user.uid, user.gid, user.groups) }
        if user.uid == getuid(), user.gid == getgid() { return nil }
        if user.bestEffort {
            warnings.append("user: running as uid \(getuid()), not \(user.uid): switching users needs root with CAP_SETUID "
                                + "and CAP_SETGID (best-effort)")
            return nil
        }
        throw LaunchError(stage: .identity, errno: .notPermitted,
                          message: "the policy runs the task as uid \(user.uid) gid \(user.gid), which needs root with CAP_SETUID "
                              + "and CAP_SETGID",
                          hint: "run bulkhead as root, or mark the user best-effort")
    }

    private static func rlimits(for limits: Limits, taskIsRoot: Bool, canRaise: Bool) throws(LaunchError) -> [bh_rlimit] {
        var result: [bh_rlimit] = []
        func add(_ resource: bh_resource, _ soft: UInt64, _ hard: UInt64, _ kind: LimitKind) throws(LaunchError) {
            var current = rlimit()
            getrlimit(__rlimit_resource_t(resource.rawValue), &current)
            if hard > UInt64(current.rlim_max), !canRaise {
                throw LaunchError(stage: .rlimits,
                                  message: "limits.\(kind.rawValue) \(hard) is above this session's hard limit \(current.rlim_max)",
                                  hint: "lower limits.\(kind.rawValue), or run bulkhead with CAP_SYS_RESOURCE")
            }
            result.append(bh_rlimit(resource: Int32(resource.rawValue), soft: soft, hard: hard))
        }
        if let cpu = limits.cpu {
            // The soft limit sends SIGXCPU (reported as limitExceeded); the hard one, a second later, SIGKILL.
            let seconds = UInt64(cpu.rounded(.up))
            try add(BH_RLIMIT_CPU, seconds, seconds + 1, .cpu)
        }
        if let n = limits.openFiles { try add(BH_RLIMIT_NOFILE, n, n, .openFiles) }
        if let n = limits.fileSize { try add(BH_RLIMIT_FSIZE, n, n, .fileSize) }
        if let n = limits.core { try add(BH_RLIMIT_CORE, n, n, .core) }
        if let n = limits.stack { try add(BH_RLIMIT_STACK, n, n, .stack) }
        if let n = limits.addressSpace { try add(BH_RLIMIT_AS, n, n, .addressSpace) }
        // Binds every uid but root; the cgroup bounds the tree for root (and for everyone when available).
        if let n = limits.processes, !taskIsRoot { try add(BH_RLIMIT_NPROC, n, n, .processes) }
        return result
    }

    /// The executable for a command name: a name with a slash is taken as it is, a bare name is looked up
    /// in the task's PATH (not the launcher's). Bytes, not text, so that a name that is not UTF-8 finds
    /// exactly that file. Returns the path NUL-terminated for execve, or the errno an exec would give when
    /// nothing fits.
    func resolve(_ name: [UInt8]) -> Result<[UInt8], Errno> {
        guard !name.isEmpty else { return .failure(.noSuchFileOrDirectory) }
        if name.contains(UInt8(ascii: "/")) { return .success(name + [0]) }
        var sawNonExecutable = false
        for directory in searchPath.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false) {
            var candidate: [UInt8] = []
            candidate.reserveCapacity(max(directory.count, 1) + name.count + 2)
            if directory.isEmpty { candidate.append(UInt8(ascii: ".")) } else { candidate.append(contentsOf: directory) }
            candidate.append(UInt8(ascii: "/"))
            candidate.append(contentsOf: name)
            candidate.append(0)
            var info = stat()
            let found = candidate.withUnsafeBufferPointer {
                stat(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), &info)
            } == 0
            guard found, info.st_mode & S_IFMT == S_IFREG else { continue }
            if info.st_mode & 0o111 != 0 { return .success(candidate) }
            sawNonExecutable = true
        }
        return .failure(sawNonExecutable ? .permissionDenied : .noSuchFileOrDirectory)
    }
}

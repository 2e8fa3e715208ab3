import BulkheadPolicy

/// What one Landlock domain for a policy's `filesystem:` and `network:` holds, decided once per plan
/// for the ABI the kernel offers: which rights are handled, which paths and ports are granted, and what
/// the ABI cannot do. A protection the policy asks for that the ABI cannot give refuses the plan, unless
/// the policy marks that key best-effort (then a warning says what is missing). Pure: the ABI is a
/// parameter, so what an older kernel would do is a unit test here.
struct LandlockPlan: Equatable {
    /// A path grant and the rights it gives, before `$CWD` and `$SCRATCH` are resolved per launch.
    struct PathRule: Equatable {
        var grant: PathGrant
        /// The policy key that granted it, for messages: "filesystem.write".
        var key: String
        var access: UInt64
    }

    var abi: Int
    var handledFilesystem: UInt64 = 0
    var handledNetwork: UInt64 = 0
    var scoped: UInt64 = 0
    var paths: [PathRule] = []
    var connectPorts: [UInt16] = []
    var bindPorts: [UInt16] = []
    var warnings: [String] = []

    /// True when there is nothing to put in a domain of its own (the launch then goes on as before:
    /// the cgroup shield where needed, the signal-only domain where the kernel has it).
    var isEmpty: Bool { handledFilesystem == 0 && handledNetwork == 0 && scoped & ~LandlockAccess.scopeSignal == 0 }

    /// The minimum ABIs, with what each brings.
    static let filesystemABI = 3, networkABI = 4, abstractScopeABI = 6, resolveUnixABI = 9

    /// - Parameters:
    /// - Parameter abi: the Landlock ABI the kernel offers (`bh_landlock_abi()`), below 1 for none.
    static func make(for policy: Policy, abi: Int) throws(LaunchError) -> LandlockPlan {
        var plan = LandlockPlan(abi: abi)
        if abi >= 6 { plan.scoped |= LandlockAccess.scopeSignal }
        if let filesystem = policy.filesystem { try plan.addFilesystem(filesystem) }
        try plan.addNetwork(policy.network)
        return plan
    }

    private mutating func addFilesystem(_ f: FilesystemPolicy) throws(LaunchError) {
        for grant in f.read + f.write + f.exec where grant.path.hasPrefix(PathGrant.scratchDirectory) && !f.scratch {
            throw LaunchError(
                stage: .plan,
                message:
                    "\(grant.location.map { "\($0): " } ?? "")\(grant.path) names the scratch directory, which this policy does not make",
                hint: "add 'scratch: true' to filesystem")
        }
        guard f.restricts else { return }
        if abi < Self.filesystemABI {
            let reason =
                abi < 1
                ? "this kernel offers no Landlock (Linux 5.13 or later, with landlock in the lsm= boot parameter)"
                : "Landlock ABI \(abi) cannot keep files from being truncated (LANDLOCK_ACCESS_FS_TRUNCATE needs ABI 3, Linux 6.2)"
            guard f.bestEffort else {
                throw LaunchError(
                    stage: .landlock, message: "filesystem: the file-system view cannot be enforced: \(reason)",
                    hint: "run on a kernel with Landlock ABI 3 or later, or set filesystem.best-effort: true")
            }
            warnings.append("filesystem: " + (abi < 1 ? "not enforced (best-effort): " : "enforced only in part (best-effort): ") + reason)
            if abi < 1 { return }
        }
        handledFilesystem |= LandlockAccess.filesystem(abi: abi) & ~LandlockAccess.resolveUnix
        func add(_ grants: [PathGrant], _ key: String, _ access: UInt64) {
            for grant in grants { paths.append(PathRule(grant: grant, key: key, access: access & handledFilesystem)) }
        }
        add(f.read, "filesystem.read", LandlockAccess.read)
        add(f.exec, "filesystem.exec", LandlockAccess.exec)
        add(f.write, "filesystem.write", LandlockAccess.write)
        if f.scratch { add([PathGrant(PathGrant.scratchDirectory)], "filesystem.scratch", LandlockAccess.write) }
    }

    private mutating func addNetwork(_ network: NetworkPolicy) throws(LaunchError) {
        switch network {
        case .host:
            return
        case .none:
            // The network namespace keeps the task off the host's network, abstract unix sockets included
            // (they belong to the namespace); it is never run without (`Launcher`). No TCP rule here: the
            // task may use the loopback of its own namespace.
            return
        case .rules(let rules):
            var missing: [String] = []
            if abi >= Self.networkABI {
                handledNetwork |= LandlockAccess.network(abi: abi)
                connectPorts = rules.connect
                bindPorts = rules.bind
            } else {
                missing.append(
                    "network.connect and network.bind: "
                        + (abi < 1
                            ? "this kernel offers no Landlock"
                            : "Landlock ABI \(abi) cannot restrict TCP (needs ABI 4, Linux 6.7)"))
            }
            if abi >= Self.abstractScopeABI {
                scoped |= LandlockAccess.scopeAbstractUnixSocket
            } else {
                missing.append(
                    "abstract unix sockets outside the task cannot be kept out of reach "
                        + "(LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET needs ABI 6, Linux 6.12)"
                )
            }
            if let unix = rules.unix {
                if abi >= Self.resolveUnixABI {
                    handledFilesystem |= LandlockAccess.resolveUnix
                    for grant in unix { paths.append(PathRule(grant: grant, key: "network.unix", access: LandlockAccess.resolveUnix)) }
                } else {
                    missing.append(
                        "network.unix: Landlock ABI \(max(abi, 0)) cannot restrict connecting to a named unix socket "
                            + "(LANDLOCK_ACCESS_FS_RESOLVE_UNIX needs ABI 9); without a mount namespace any socket file "
                            + "the task's uid may write is reachable"
                    )
                }
            }
            guard !missing.isEmpty else { return }
            guard rules.bestEffort else {
                throw LaunchError(
                    stage: .landlock, message: "network: cannot be enforced: " + missing.joined(separator: "; "),
                    hint: "run on a kernel with a newer Landlock ABI, remove what it lacks from network, or set network.best-effort: true")
            }
            warnings += missing.map { "network: not enforced (best-effort): " + $0 }
        }
    }
}

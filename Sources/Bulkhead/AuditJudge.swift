import BulkheadSystem
import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

/// Decides a probe's verdict, and the layer that stopped it, from how the probe ended: its outcome,
/// its verdict line, the errno and call in that line, and what the policy says about that call.
/// Nothing is assumed from the probe's name: the same probe can be stopped by the filter under one
/// policy, by the uid under another and by the host's kernel under a third.
public enum AuditJudge {
    /// Exit codes of `bulkhead-probe audit` (Sources/bulkhead-probe/audit.h).
    static let escapedCode: Int32 = 40, blockedCode: Int32 = 41, notApplicableCode: Int32 = 42

    /// - Parameters:
    ///   - output: what the probe printed (its verdict line among it).
    ///   - datagramArrived: for the UDP probes, whether the auditor's socket received the probe's
    ///     datagram; a datagram sent but never received is no escape.
    ///   - victimPID, auditorPID: the pids the probe aimed at, for matching filter rules on them.
    ///   - landlockDomain: the task ran in bulkhead's Landlock domain (`SandboxPlan.scopesSignals`).
    public static func verdict(_ probe: AuditProbe, result: RunResult, output: String, policy: Policy,
                               datagramArrived: Bool? = nil, victimPID: Int32 = 0, auditorPID: Int32 = 0,
                               landlockDomain: Bool = false) -> AuditVerdict {
        let line = verdictLine(in: output)
        switch result.outcome {
        case .violation(let signal, let syscall):
            let call = syscall.map { " in \($0)" } ?? ""
            return .blocked(.seccompKill, "killed by the seccomp filter (\(SignalNames.name(of: signal))\(call))")
        case .signaled(let signal, _) where signal == SIGSYS:
            return .blocked(.seccompKill, "killed by SIGSYS")
        case .timedOut(let seconds):
            return .blocked(.timeout, "ended at the \(OutcomeText.decimal(seconds, digits: 1)) s timeout")
        case .limitExceeded(let kind, _):
            return .blocked(.limit, "ended at limits.\(kind.rawValue)")
        case .signaled(let signal, _):
            if let kind = result.limitsReached.first {
                return .blocked(.limit, "killed by \(SignalNames.name(of: signal)) at limits.\(kind.rawValue)")
            }
            return .blocked(.host, "killed by \(SignalNames.name(of: signal))" + (line.map { " after: \($0)" } ?? ""))
        case .setupFailed(let stage, let errno):
            return AuditVerdict(state: .error, evidence: "the probe could not start: \(stage) failed with \(errno.text)")
        case .exited(let code):
            guard let line else {
                return AuditVerdict(state: .error, evidence: "the probe exited \(code) without a verdict" + excerpt(output))
            }
            switch code {
            case escapedCode:
                let evidence = String(line.dropFirst("escaped ".count))
                if probe.perNetworkNamespace, policy.network == .none {
                    return .blocked(.namespace, "\(evidence), of the task's own network namespace (network: none)")
                }
                if datagramArrived == false {
                    let layer: AuditLayer = policy.network == .none ? .namespace : .host
                    return .blocked(layer, "the datagram was sent but never reached the auditor's socket (\(evidence))")
                }
                return AuditVerdict(state: .escaped, evidence: evidence)
            case notApplicableCode:
                return AuditVerdict(state: .notApplicable, evidence: String(line.dropFirst("n/a ".count)))
            case blockedCode:
                return blocked(probe, line: line, result: result, policy: policy, landlockDomain: landlockDomain,
                               pids: [AuditProbe.victim: UInt64(victimPID), AuditProbe.auditor: UInt64(auditorPID)])
            default:
                return AuditVerdict(state: .error, evidence: "the probe exited \(code): \(line)")
            }
        }
    }

    /// `blocked WORD CALL WHAT`: WORD is an errno name, or a protection the probe read itself.
    private static func blocked(_ probe: AuditProbe, line: String, result: RunResult, policy: Policy, landlockDomain: Bool,
                                pids: [UInt64: UInt64]) -> AuditVerdict {
        let words = line.split(separator: " ", maxSplits: 3).map(String.init)
        let word = words.count > 1 ? words[1] : "", call = words.count > 2 ? words[2] : ""
        let evidence = String(line.dropFirst("blocked ".count))
        switch word {
        case "no_new_privs": return .blocked(.noNewPrivs, evidence)
        case "bounding_set": return .blocked(.capabilities, evidence)
        case "closed": return .blocked(.launcher, evidence)
        default: break
        }
        guard let errno = ErrnoNames.value(named: word) else {
            return AuditVerdict(state: .error, evidence: "the probe's verdict names no errno: \(line)")
        }
        let arguments = (probe.calls[call] ?? [:]).mapValues { pids[$0] ?? $0 }
        let syscall = String(call.split(separator: ":").first ?? "")
        if filterAnswers(policy.seccomp, call: syscall, arguments: arguments, errno: errno) {
            return .blocked(.seccompErrno, evidence)
        }
        if let layer = accessLayer(probe, call: syscall, errno: errno, policy: policy, ranIn: result.namespaces) {
            let why = switch layer {
            case .namespace: probe.family == .network ? "network: none" : "the task's pid namespace"
            case .mountView: "the task's file-system view"
            default: "the policy's Landlock rules"
            }
            return .blocked(layer, "\(evidence) (\(why))")
        }
        if let limit = probe.limit, [EAGAIN, ENOMEM, EFBIG, EMFILE, ENFILE].contains(errno),
           policySets(limit, policy.limits) || result.limitsReached.contains(limit) {
            return .blocked(.limit, "\(evidence) (limits.\(limit.rawValue))")
        }
        if errno == EPERM || errno == EACCES {
            if probe.crossesUsers, let user = policy.user, user.uid != geteuid(), geteuid() == 0 || !user.bestEffort {
                return .blocked(.user, "\(evidence) (the task runs as uid \(user.uid))")
            }
            if probe.landlockScoped, landlockDomain {
                return .blocked(.landlock, "\(evidence) (bulkhead's Landlock domain)")
            }
            if let capability = probe.capability, !policy.capabilities.keep.contains(capability) {
                return .blocked(.capabilities, "\(evidence) (\(capability) not kept)")
            }
        }
        if let reason = probe.notHere[word] { return AuditVerdict(state: .notApplicable, evidence: "\(reason) (\(word) from \(call))") }
        return .blocked(.host, evidence)
    }

    /// The layer of the policy's `filesystem:` and `network:` keys that explains ERRNO from CALL, if any:
    /// Landlock answers EACCES (EXDEV for a link out of a granted folder; EPERM for an abstract socket
    /// outside the domain), and in a network namespace of its own the host's listeners are unreachable.
    /// - Parameter ranIn: the namespaces the task ran in (the policy's and bulkhead's own, such as the pid
    ///   namespace that holds the seccomp listener).
    private static func accessLayer(_ probe: AuditProbe, call: String, errno: Int32, policy: Policy, ranIn: [String]) -> AuditLayer? {
        let fileCalls: Set<String> = ["openat", "getdents64", "mkdir", "linkat", "symlinkat", "name_to_handle_at", "open_by_handle_at"]
        let namespaces = policy.namespaces?.enabled ?? []
        // A host process is not in the task's pid namespace: its /proc entry does not exist there either.
        if namespaces.contains(.pid) || ranIn.contains(NamespaceKind.pid.rawValue), probe.family == .processes, errno == ESRCH || (errno == ENOENT && call == "openat") {
            return .namespace
        }
        let hasView = policy.filesystem?.restricts == true && (namespaces.contains(.mount) || namespaces.contains(.pid))
        if hasView, fileCalls.contains(call), [ENOENT, EROFS, ENOTDIR].contains(errno) { return .mountView }
        if policy.filesystem?.restricts == true, fileCalls.contains(call), errno == EACCES || errno == EXDEV { return .landlock }
        guard probe.family == .network, call == "connect" || call == "sendto" else { return nil }
        switch policy.network {
        case .none where [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL].contains(errno): return .namespace
        case .rules where errno == EACCES || errno == EPERM: return .landlock
        default: return nil
        }
    }

    private static func policySets(_ kind: LimitKind, _ limits: Limits) -> Bool {
        switch kind {
        case .wall: return limits.wall != nil
        case .cpu: return limits.cpu != nil
        default: return limits[amount: kind] != nil
        }
    }

    /// Whether the filter answers CALL, made with the known ARGUMENTS, with ERRNO: a rule for the call
    /// whose conditions hold (or may hold, for arguments the audit does not know) says so, or no rule
    /// holds and the default does.
    static func filterAnswers(_ seccomp: SeccompPolicy?, call: String, arguments: [Int: UInt64], errno: Int32) -> Bool {
        guard let seccomp else { return false }
        let rules = seccomp.rules.filter { $0.syscall == call }
        if rules.isEmpty { return !seccomp.allow.contains(call) && seccomp.defaultAction == .errno(errno) }
        var certain: [SeccompAction] = [], possible: [SeccompAction] = []
        for rule in rules {
            let states = rule.conditions.map { condition -> Bool? in
                arguments[condition.index].map { holds(condition, $0) }
            }
            if states.contains(false) { continue }
            if states.contains(where: { $0 == nil }) { possible.append(rule.action) } else { certain.append(rule.action) }
        }
        if !certain.isEmpty { return certain.contains(.errno(errno)) }
        if possible.contains(.errno(errno)) { return true }
        return possible.isEmpty && seccomp.defaultAction == .errno(errno)
    }

    static func holds(_ condition: ArgumentCondition, _ raw: UInt64) -> Bool {
        let value = condition.low32 ? raw & 0xffff_ffff : raw
        switch condition.comparison {
        case .equal(let v): return value == v
        case .notEqual(let v): return value != v
        case .less(let v): return value < v
        case .lessOrEqual(let v): return value <= v
        case .greater(let v): return value > v
        case .greaterOrEqual(let v): return value >= v
        case .maskedEqual(let mask, let v): return value & mask == v
        }
    }

    /// The last line that starts with a verdict word.
    static func verdictLine(in output: String) -> String? {
        output.split(separator: "\n").reversed().first { $0.hasPrefix("escaped ") || $0.hasPrefix("blocked ") || $0.hasPrefix("n/a ") }
            .map(String.init)
    }

    private static func excerpt(_ output: String) -> String {
        let trimmed = output.split(separator: "\n").prefix(2).joined(separator: " / ")
        return trimmed.isEmpty ? "" : ": " + String(trimmed.prefix(200))
    }
}

// The linter's checks of `limits:` and of the `best-effort` markings that let a protection go.

/// No limit of one kind: a fork bomb, a memory hog or a spinning loop takes what it finds.
struct MissingLimitCheck: PolicyLintCheck {
    let rule: LintRule
    /// What is not limited, in "no SUBJECT limit".
    let subject: String
    /// Any one of them set satisfies the check.
    let kinds: [LimitKind]
    let why: String

    func findings(in context: LintContext) -> [LintFinding] {
        let limits = context.policy.limits
        guard kinds.allSatisfy({ limits[$0] == nil }) else { return [] }
        let keys = kinds.map { "limits.\($0.rawValue)" }.joined(separator: " or ")
        return [context.finding(rule, at: context.key(["limits"]) ?? context.top, "no \(subject) limit (\(keys)): \(why)")]
    }
}

/// A `best-effort` on a protection a user probably relies on: where the machine cannot apply it, the
/// task runs without it, and only a warning in the report says so.
struct BestEffortCheck: PolicyLintCheck {
    let rule = LintRule(
        id: "best-effort-relied-on", severity: .warning, title: "A protection marked best-effort",
        fix: "remove the best-effort marking so that the run is refused where the protection cannot be applied",
        weight: 3)

    func findings(in context: LintContext) -> [LintFinding] {
        var out: [LintFinding] = []
        if let user = context.policy.user, user.bestEffort {
            out.append(
                context.finding(
                    rule, at: context.value(["user", "best-effort"]) ?? context.key(["user"]) ?? context.top,
                    "user is best-effort: a launcher that is not root runs the task as its own uid, which can signal and ptrace "
                        + "bulkhead and the launcher's other processes",
                    fix: "remove 'best-effort: true' from user, and run bulkhead as root (or give the task a pid namespace)"))
        }
        if let filesystem = context.policy.filesystem, filesystem.restricts, filesystem.bestEffort {
            out.append(
                context.finding(
                    rule, at: context.value(["filesystem", "best-effort"]) ?? context.key(["filesystem"]) ?? context.top,
                    "filesystem is best-effort: where Landlock is missing or older than the rules need, the task sees the whole "
                        + "file system, and only a warning says so",
                    fix: "remove 'best-effort: true' from filesystem so that such a machine refuses the run"))
        }
        if case .rules(let rules) = context.policy.network, rules.bestEffort {
            out.append(
                context.finding(
                    rule, at: context.value(["network", "best-effort"]) ?? context.key(["network"]) ?? context.top,
                    "network is best-effort: where Landlock cannot hold the port or socket rules, the task reaches the host's "
                        + "whole network, and only a warning says so",
                    fix: "remove 'best-effort: true' from network so that such a machine refuses the run"))
        }
        if let namespaces = context.policy.namespaces {
            for kind in namespaces.bestEffort where namespaces.enables(kind) {
                let lost: String
                switch kind {
                case .pid: lost = "the task sees and may signal every process of its uid on the host, and strays can outlive it"
                case .net: lost = "the task reaches the host's network, its loopback services included"
                case .mount: lost = "the task sees the host's mounts and /proc"
                case .user: lost = "an unprivileged bulkhead cannot make the other namespaces either"
                case .ipc, .uts, .cgroup: lost = "the task shares the host's \(kind.rawValue) namespace"
                }
                let isolating: Set<NamespaceKind> = [.pid, .net, .mount, .user]
                let at = context.listItem(["namespaces", "best-effort"]) { $0 == kind.rawValue }
                    ?? context.value(["namespaces", "best-effort"]) ?? context.key(["namespaces"]) ?? context.top
                out.append(
                    context.finding(
                        rule, at: at, "namespaces.\(kind.rawValue) is best-effort: where it cannot be made, \(lost)",
                        severity: isolating.contains(kind) ? .warning : .note,
                        fix: "drop '\(kind.rawValue)' from namespaces.best-effort so that such a machine refuses the run",
                        badness: isolating.contains(kind) ? 1 : 0.3))
            }
        }
        for kind in context.policy.limits.bestEffort.members {
            let fallback: String
            let severity: LintSeverity
            switch kind {
            case .memory:
                fallback =
                    "without a cgroup the task gets RLIMIT_AS per process only, and a tree of processes takes as much memory as it likes"
                severity = .note
            case .processes:
                fallback = "without a cgroup the task gets RLIMIT_NPROC, which counts every process of the uid and holds nothing for root"
                severity = .note
            default:
                // Only the cgroup limits can be unavailable; a best-effort rlimit changes nothing.
                continue
            }
            let at = context.listItem(["limits", "best-effort"]) { $0 == kind.rawValue } ?? context.key(["limits"]) ?? context.top
            out.append(
                context.finding(
                    rule, at: at, "limits.\(kind.rawValue) is best-effort: \(fallback)", severity: severity,
                    fix: "drop '\(kind.rawValue)' from limits.best-effort and run bulkhead where it can make a cgroup",
                    badness: 0.5))
        }
        return out
    }
}

extension PolicyLinter {
    static let limitChecks: [any PolicyLintCheck] = [
        MissingLimitCheck(
            rule: LintRule(
                id: "no-memory-limit", severity: .warning, title: "No memory limit",
                fix: "add limits.memory (a cgroup limit for the whole task tree), e.g. 'memory: 512MiB'", weight: 3),
            subject: "memory", kinds: [.memory, .addressSpace],
            why: "a task that allocates without end pushes the machine into swapping and the OOM killer"),
        MissingLimitCheck(
            rule: LintRule(
                id: "no-process-limit", severity: .warning, title: "No process limit",
                fix: "add limits.processes, e.g. 'processes: 64'", weight: 3),
            subject: "process", kinds: [.processes],
            why: "a fork bomb fills the machine's process table"),
        MissingLimitCheck(
            rule: LintRule(
                id: "no-time-limit", severity: .warning, title: "No time limit",
                fix: "add limits.wall (and limits.cpu), e.g. 'wall: 60s'", weight: 3),
            subject: "time", kinds: [.wall, .cpu],
            why: "a task that spins or hangs runs until someone kills it"),
        BestEffortCheck()
    ]
}

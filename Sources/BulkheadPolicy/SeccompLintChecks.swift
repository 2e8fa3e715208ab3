// The linter's checks of the `seccomp:` section. Each asks the resolved filter, not the YAML text: a
// syscall allowed through a `@group`, by the default action or by a rule counts as allowed.

/// `seccomp: none`: no filter at all, so every syscall check below fails too. A filter in watch mode
/// (`seccomp.mode: watch`) refuses nothing either: it only reports, and is meant for trying a policy.
struct SeccompPresenceCheck: PolicyLintCheck {
    let rule = LintRule(
        id: "seccomp-none", severity: .error, title: "The policy installs no seccomp filter, or one in watch mode",
        fix: "replace 'seccomp: none' by a filter, or extend the shipped 'default' policy; remove 'mode: watch' "
            + "(or try a policy with 'bulkhead run --watch')", weight: 10)

    func findings(in context: LintContext) -> [LintFinding] {
        if context.policy.seccomp?.mode == .watch {
            return [
                context.finding(
                    rule, at: context.value(["seccomp", "mode"]) ?? context.top,
                    "seccomp.mode is 'watch': every call the policy would refuse is let through and only reported")
            ]
        }
        guard context.policy.seccomp == nil else { return [] }
        return [
            context.finding(
                rule, at: context.seccompNone,
                "seccomp is 'none': every system call of the kernel is reachable")
        ]
    }
}

/// A default action that lets calls through makes the filter a deny list, open to every syscall it
/// forgets and every syscall added to the kernel later.
struct SeccompDefaultCheck: PolicyLintCheck {
    let rule = LintRule(
        id: "seccomp-default-allow", severity: .error, title: "The filter's default action lets calls through",
        fix: "write 'default: errno ENOSYS' (or kill) and allow what the task needs by name or @group", weight: 10)

    func findings(in context: LintContext) -> [LintFinding] {
        guard let seccomp = context.policy.seccomp, seccomp.defaultAction.letsThrough else { return [] }
        return [
            context.finding(
                rule, at: context.value(["seccomp", "default"]) ?? context.top,
                "the default action is '\(seccomp.defaultAction)': every syscall not named is let through, and so is every syscall a "
                    + "newer kernel adds"
            )
        ]
    }
}

/// A family of syscalls that is kernel attack surface and that ordinary programs never need.
struct SyscallReachCheck: PolicyLintCheck {
    let rule: LintRule
    let syscalls: [String]
    /// Why reaching them matters, after "NAMES may be let through: ".
    let why: String

    func findings(in context: LintContext) -> [LintFinding] {
        let open = syscalls.filter { context.policy.seccomp?.mayPermit(anyOf: [$0]) ?? true }
        guard !open.isEmpty else { return [] }
        return [context.finding(rule, at: context.permitting(open), "\(open.joined(separator: ", ")) may be let through: \(why)")]
    }
}

/// A syscall whose arguments decide whether it is harmless, let through without looking at them.
struct UnconditionedSyscallCheck: PolicyLintCheck {
    let rule: LintRule
    /// Open when let through without conditions.
    let syscalls: [String]
    /// Open when let through at all: their arguments are in memory a filter cannot read (clone3).
    let uncheckable: [String]
    let why: String

    func findings(in context: LintContext) -> [LintFinding] {
        let open =
            syscalls.filter { context.policy.seccomp?.permitsWithoutConditions($0) ?? true }
            + uncheckable.filter { context.policy.seccomp?.mayPermit(anyOf: [$0]) ?? true }
        guard !open.isEmpty else { return [] }
        return [
            context.finding(
                rule, at: context.permitting(open),
                "\(open.joined(separator: ", ")) may be let through without argument conditions: \(why)")
        ]
    }
}

/// A syscall that must be allowed for ordinary programs but refused for a few argument values.
struct ArgumentValueCheck: PolicyLintCheck {
    let rule: LintRule
    let syscall: String
    /// The argument the kernel reads as a 32-bit int.
    let argument: Int
    /// The values to refuse, by name; each is also tried with high bits set, as the kernel ignores them.
    let refused: [String]
    let why: String

    func findings(in context: LintContext) -> [LintFinding] {
        var open: [String] = []
        for name in refused {
            guard let value = SymbolicConstants.value(of: name) else { continue }
            let variants = [value, value | 0x1_0000_0000, value | 0xffff_ffff_0000_0000]
            guard let seccomp = context.policy.seccomp else { open.append(name); continue }
            if seccomp.mayPermit(syscall, argument: argument, equalTo: value) {
                open.append(name)
            } else if variants.dropFirst().contains(where: { seccomp.mayPermit(syscall, argument: argument, equalTo: $0) }) {
                open.append("\(name) with high bits set")
            }
        }
        guard !open.isEmpty else { return [] }
        return [
            context.finding(
                rule, at: context.permitting([syscall]),
                "\(syscall) may be let through with argument \(argument) = \(open.joined(separator: ", ")): \(why)")
        ]
    }
}

extension PolicyLinter {
    static let seccompChecks: [any PolicyLintCheck] = [
        SeccompPresenceCheck(),
        SeccompDefaultCheck(),
        SyscallReachCheck(
            rule: LintRule(
                id: "syscall-ptrace", severity: .error, title: "ptrace or cross-process memory access allowed",
                fix: "refuse them: add { syscall: \"@debug\", action: kill } under seccomp.rules", weight: 8),
            syscalls: ["ptrace", "process_vm_readv", "process_vm_writev"],
            why:
                "the task can read and change the memory of other processes of its uid, the supervisor's too when it shares it "
                + "(CVE-2016-9962, CVE-2019-13272)"
        ),
        SyscallReachCheck(
            rule: LintRule(
                id: "syscall-bpf", severity: .error, title: "bpf allowed",
                fix: "refuse it: add { syscall: \"@bpf\", action: kill } under seccomp.rules", weight: 6),
            syscalls: ["bpf"],
            why:
                "eBPF programs run in the kernel, and the verifier is a recurring source of privilege escalations (CVE-2021-3490, "
                + "CVE-2022-23222)"
        ),
        SyscallReachCheck(
            rule: LintRule(
                id: "syscall-perf-event", severity: .warning, title: "perf_event_open allowed",
                fix: "refuse it: add { syscall: perf_event_open, action: kill } under seccomp.rules", weight: 4),
            syscalls: ["perf_event_open"],
            why:
                "performance counters leak other processes' and the kernel's activity and are a frequent exploit target "
                + "(CVE-2013-2094, CVE-2023-5717)"
        ),
        SyscallReachCheck(
            rule: LintRule(
                id: "syscall-userfaultfd", severity: .warning, title: "userfaultfd allowed",
                fix: "refuse it: add { syscall: userfaultfd, action: kill } under seccomp.rules", weight: 3),
            syscalls: ["userfaultfd"],
            why: "it lets the task stall the kernel inside a page fault, which turns races into reliable exploits (userfaultfd(2))"),
        SyscallReachCheck(
            rule: LintRule(
                id: "syscall-io-uring", severity: .error, title: "io_uring allowed",
                fix: "add { syscall: io_uring_setup, action: errno ENOSYS } and kill io_uring_enter and io_uring_register", weight: 6),
            syscalls: ["io_uring_setup", "io_uring_enter", "io_uring_register"],
            why: "the operations of a ring are performed without passing through the seccomp filter at all"),
        SyscallReachCheck(
            rule: LintRule(
                id: "syscall-keyring", severity: .warning, title: "The kernel keyring reachable",
                fix: "add { syscall: \"@keyring\", action: errno ENOSYS } under seccomp.rules", weight: 3),
            syscalls: Policy.keyringCalls,
            why: "the keyring is not namespaced: the task can read the keys of its uid, the one sealing bulkhead's caches among them"),
        SyscallReachCheck(
            rule: LintRule(
                id: "syscall-mount", severity: .error, title: "mount, pivot_root or chroot allowed",
                fix: "refuse them: add { syscall: \"@mount\", action: kill } under seccomp.rules", weight: 6),
            syscalls: SyscallGroups.expand("@mount") ?? [],
            why:
                "with the capabilities of a user namespace they reshape the task's view of the file system and reach file-system code "
                + "of the kernel"
        ),
        SyscallReachCheck(
            rule: LintRule(
                id: "syscall-kexec", severity: .error, title: "kexec allowed",
                fix: "refuse them: add { syscall: \"@reboot\", action: kill } under seccomp.rules", weight: 4),
            syscalls: ["kexec_load", "kexec_file_load"],
            why: "they replace the running kernel, stopped only by CAP_SYS_BOOT"),
        SyscallReachCheck(
            rule: LintRule(
                id: "syscall-kernel-module", severity: .error, title: "Kernel module loading allowed",
                fix: "refuse them: add { syscall: \"@kernel-module\", action: kill } under seccomp.rules", weight: 4),
            syscalls: SyscallGroups.expand("@kernel-module") ?? [],
            why: "a module runs as kernel code, stopped only by CAP_SYS_MODULE"),
        UnconditionedSyscallCheck(
            rule: LintRule(
                id: "personality-unconditioned", severity: .warning, title: "personality allowed without argument conditions",
                fix: "allow only { arg: 0, eq: PER_LINUX } and { arg: 0, eq: PER_QUERY }", weight: 2),
            syscalls: ["personality"], uncheckable: [],
            why:
                "READ_IMPLIES_EXEC makes every readable mapping executable and ADDR_NO_RANDOMIZE turns off ASLR for the programs the "
                + "task runs"
        ),
        UnconditionedSyscallCheck(
            rule: LintRule(
                id: "clone-unconditioned", severity: .warning, title: "clone or clone3 allowed without argument conditions",
                fix:
                    "allow clone only { arg: 0, has-none: CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWNET|CLONE_NEWUTS|"
                    + "CLONE_NEWIPC|CLONE_NEWCGROUP } and answer clone3 with errno ENOSYS",
                weight: 4),
            syscalls: ["clone"], uncheckable: ["clone3"],
            why:
                "the task can create namespaces, a user namespace first, which opens kernel code otherwise reserved to root (clone3's "
                + "flags are in memory a filter cannot read)"
        ),
        UnconditionedSyscallCheck(
            rule: LintRule(
                id: "unshare-unconditioned", severity: .warning, title: "unshare or setns allowed without argument conditions",
                fix: "refuse them: add { syscall: \"@namespaces\", action: kill } under seccomp.rules", weight: 4),
            syscalls: ["unshare", "setns"], uncheckable: [],
            why: "the task can create or enter namespaces, a user namespace first, which opens kernel code otherwise reserved to root"),
        ArgumentValueCheck(
            rule: LintRule(
                id: "ioctl-tiocsti", severity: .warning, title: "ioctl allowed without the TIOCSTI/TIOCLINUX guard",
                fix: "kill { arg: 1, eq: TIOCSTI } and { arg: 1, eq: TIOCLINUX } (32-bit comparisons) and allow the rest",
                weight: 4),
            syscall: "ioctl", argument: 1, refused: ["TIOCSTI", "TIOCLINUX"],
            why: "the task can push keystrokes into a terminal it shares with its user (CVE-2017-5226, CVE-2019-10063)"),
        ArgumentValueCheck(
            rule: LintRule(
                id: "socket-any-family", severity: .warning, title: "socket allowed for every address family",
                fix: "allow socket only for the families the task uses, e.g. { arg: 0, eq: AF_INET }", weight: 3),
            syscall: "socket", argument: 0, refused: ["AF_PACKET", "AF_ALG", "AF_VSOCK"],
            why: "raw packets, the kernel crypto API and host sockets are reachable, each a source of kernel exploits")
    ]
}

import CLaunch

/// Keeping a task's signals inside its own tree: a Landlock domain that scopes signals (Landlock ABI 6,
/// Linux 6.12), entered by the child just before its seccomp filter. Without it a task that runs under
/// the launcher's uid (the default policy as root, any policy without `user:`) can SIGKILL or SIGSTOP
/// the launcher and so escape supervision: no timeout, no report, and descendants that left the process
/// group outlive it. It needs no privilege and no policy key; where the kernel lacks it, launches go on
/// without it (the policy never asked for it) and `SandboxPlan.scopesSignals` says so.
public enum SignalScope {
    public static let available: Bool = bh_landlock_abi() >= 6
}

// The linter's checks of `network:` and `filesystem:` (the Landlock sections).

/// `network: host` (also when the key is absent) while the filter lets the task make IP sockets: it
/// reaches every address and port, the host's loopback services included. Not with a network namespace
/// of its own (`namespaces: [net]`), where only its own loopback exists.
struct NetworkHostCheck: PolicyLintCheck {
    let rule = LintRule(
        id: "network-host", severity: .warning, title: "The host's network without port rules",
        fix: "write 'network: none', or 'network: { connect: [PORTS] }' with the TCP ports the task needs", weight: 5)

    func findings(in context: LintContext) -> [LintFinding] {
        guard context.policy.network == .host, context.policy.namespaces?.enables(.net) != true else { return [] }
        let families = ["AF_INET", "AF_INET6"].filter { name in
            guard let seccomp = context.policy.seccomp, let value = SymbolicConstants.value(of: name) else { return true }
            return seccomp.mayPermit("socket", argument: 0, equalTo: value)
        }
        guard !families.isEmpty else { return [] }
        let written = context.value(["network"])
        return [
            context.finding(
                rule, at: written ?? context.top,
                "network is \(written == nil ? "host (no network key)" : "host") and socket may make \(families.joined(separator: ", ")) "
                    + "sockets: the task reaches every address and port, the host's loopback services included")
        ]
    }
}

/// A path both writable and executable: the task can write a program there and run it, past whatever
/// the exec grants were meant to allow (a filter cannot refuse execve to the task alone: firejail
/// issue 3685; what may run is decided by the file-system view).
struct WritableExecutablePathCheck: PolicyLintCheck {
    let rule = LintRule(
        id: "writable-exec-path", severity: .warning, title: "A path both writable and executable",
        fix: "keep write grants outside exec grants: narrow the exec grant, or move the writable directory elsewhere", weight: 4)

    /// `path` is `other` or lies beneath it, compared as written (`$CWD/x` lies beneath `$CWD`).
    static func isBeneath(_ path: String, _ other: String) -> Bool {
        path == other || other == "/" || path.hasPrefix(other.hasSuffix("/") ? other : other + "/")
    }

    func findings(in context: LintContext) -> [LintFinding] {
        guard let filesystem = context.policy.filesystem, filesystem.restricts else { return [] }
        return filesystem.write.compactMap { write in
            guard let exec = filesystem.exec.first(where: { Self.isBeneath(write.path, $0.path) || Self.isBeneath($0.path, write.path) })
            else { return nil }
            let at = context.listItem(["filesystem", "write"]) { $0 == write.path } ?? context.key(["filesystem"]) ?? context.top
            let overlap = write.path == exec.path ? "also an exec grant" : "overlaps the exec grant \(exec.path)"
            return context.finding(
                rule, at: at, "write grant \(write.path) \(overlap): the task can write a program there and run it")
        }
    }
}

extension PolicyLinter {
    static let accessChecks: [any PolicyLintCheck] = [NetworkHostCheck(), WritableExecutablePathCheck()]
}

extension SeccompPolicy {
    /// Whether the filter may let some call to one of `syscalls` through, for some arguments: false only
    /// when every one of them is refused (killed, trapped or failed with an errno) whatever its arguments.
    /// A syscall with rules takes its actions from them only; `log` lets the call through.
    public func mayPermit(anyOf syscalls: [String]) -> Bool {
        syscalls.contains { name in
            let rules = self.rules.filter { $0.syscall == name }
            if !rules.isEmpty { return rules.contains { $0.action.letsThrough } }
            return allow.contains(name) || defaultAction.letsThrough
        }
    }
}

extension SeccompAction {
    /// The call goes ahead (`allow`, `log`).
    public var letsThrough: Bool {
        switch self {
        case .allow, .log: return true
        case .kill, .trap, .errno: return false
        }
    }
}

extension Policy {
    /// The calls that reach the kernel keyring, where the key sealing bulkhead's caches lives.
    public static let keyringCalls = ["add_key", "keyctl", "request_key"]

    /// A task under this policy may read the key that seals bulkhead's caches (`CacheSeal`).
    public var letsTaskReachTheKeyring: Bool { seccomp.map { $0.mayPermit(anyOf: Policy.keyringCalls) } ?? true }
}

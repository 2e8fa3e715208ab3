import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Task cgroups a plan keeps holding between its launches, so the next launch skips even the slot claim.
/// An emptied one is as good as new once its counters are rebased. (Page cache the previous task left
/// charged to it is reclaimed before the limit can be hit.)
final class CgroupPool: Sendable {
    private let memory: UInt64?
    private let processes: UInt64?
    private let state: Mutex<State>

    private struct State: ~Copyable {
        var layout: CgroupLayout?
        var idle: [TaskCgroup] = []
        /// The Landlock ruleset that keeps tasks out of the cgroup file systems (`CgroupShield`), made
        /// on the first launch that needs it.
        var shield: Int32 = -1
    }

    init(memory: UInt64?, processes: UInt64?) {
        self.memory = memory
        self.processes = processes
        state = Mutex(State())
    }

    func acquire() throws(CgroupUnavailable) -> TaskCgroup {
        let (reused, layout): (TaskCgroup?, CgroupLayout) = state.withLock { state in
            if let cgroup = state.idle.popLast() { return (cgroup, CgroupLayout()) }
            let layout = state.layout ?? CgroupLayout.current()
            state.layout = layout
            return (nil, layout)
        }
        if let reused { return reused }
        return try TaskCgroup.create(memory: memory, processes: processes, layout: layout)
    }

    /// The `CgroupShield` ruleset for the hierarchies this pool's slots are in; made once, kept open.
    func shield() throws(LaunchError) -> Int32 {
        try state.withLock { (state: inout State) throws(LaunchError) -> Int32 in
            if state.shield >= 0 { return state.shield }
            state.shield = try CgroupShield.ruleset(denying: CgroupShield.deniedRoots(), scopeSignals: SignalScope.available)
            return state.shield
        }
    }

    /// Takes a cgroup back after its task ended, its counters rebased by the caller (or not yet used).
    /// One that cannot be emptied is let go: whoever claims the slot next empties it first.
    func release(_ cgroup: TaskCgroup) {
        guard cgroup.killAll() else { return }
        state.withLock { $0.idle.append(cgroup) }
    }

    /// Lets go of every idle cgroup: their slots are free for other launchers. Later launches claim again.
    func drain() {
        state.withLock { $0.idle.removeAll() }
    }

    deinit {
        drain()
        state.withLock { if $0.shield >= 0 { close($0.shield) } }
    }
}

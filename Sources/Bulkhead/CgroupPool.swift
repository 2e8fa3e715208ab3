import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Empty task cgroups kept by a plan for its next launches. Creating and removing a memory cgroup costs
/// more than the rest of a launch; an emptied one is as good as new once its counters are rebased.
/// (Page cache the previous task left charged to it is reclaimed before the limit can be hit.)
final class CgroupPool: Sendable {
    private let memory: UInt64?
    private let processes: UInt64?
    private let state: Mutex<State>

    private struct State: ~Copyable {
        var layout: CgroupLayout?
        var idle: [TaskCgroup] = []
    }

    init(memory: UInt64?, processes: UInt64?) {
        self.memory = memory
        self.processes = processes
        state = Mutex(State())
    }

    func acquire() -> Result<TaskCgroup, CgroupUnavailable> {
        let (reused, layout): (TaskCgroup?, CgroupLayout) = state.withLock { state in
            if let cgroup = state.idle.popLast() { return (cgroup, CgroupLayout()) }
            let layout = state.layout ?? CgroupLayout.current()
            state.layout = layout
            return (nil, layout)
        }
        if let reused { return .success(reused) }
        return TaskCgroup.create(memory: memory, processes: processes, layout: layout)
    }

    /// Takes a cgroup back after its task ended, its counters rebased by the caller (or not yet used);
    /// one that cannot be emptied is removed instead.
    func release(_ cgroup: TaskCgroup) {
        guard cgroup.killAll() else {
            cgroup.destroy()
            return
        }
        state.withLock { $0.idle.append(cgroup) }
    }

    /// Removes every idle cgroup. Later launches create new ones.
    func drain() {
        let idle = state.withLock { state -> [TaskCgroup] in
            defer { state.idle.removeAll() }
            return state.idle
        }
        idle.forEach { $0.destroy() }
    }

    deinit { drain() }
}

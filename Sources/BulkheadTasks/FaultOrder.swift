import BulkheadSystem
#if canImport(Glibc)
import Glibc
#endif

/// In thread mode, the order in which a fault and the workloads that check for its damage meet. Left to
/// the scheduler, a busy machine decided the outcome: `file-roundtrip` finished before `fd-leak` had
/// filled the descriptor table, and reported success. So a workload waits until every fault it checks
/// for in the run has done its damage; a fault that takes what its victims hold (`close-fds`) first
/// waits until they hold it; and `fd-leak` keeps the table full until its victims have finished. Each
/// wait ends after `bound` seconds whatever happened, so a task that never gets there delays the others
/// but cannot hang them. Process mode needs none of this: a task there shares nothing.
final class FaultOrder: @unchecked Sendable {
    /// Which faults each workload checks for: the damage its result reports.
    static let checks: [String: [String]] = [
        "compute": ["scribble"],
        "hash-file": ["close-fds"],
        "file-roundtrip": ["chdir", "setenv", "umask", "fd-leak"],
    ]

    /// How long any one wait lasts at most, in seconds.
    static let bound = 5.0

    private let names: [String]
    private let sync = MonotonicCondition()
    private var mutex: UnsafeMutablePointer<pthread_mutex_t> { sync.mutex }
    private var condition: UnsafeMutablePointer<pthread_cond_t> { sync.condition }
    /// By task index: the fault has done its damage, the workload holds what a fault takes, the task ended.
    private var damaged: [Bool]
    private var holding: [Bool]
    private var finished: [Bool]

    /// - Parameter names: the task names of the run, by index.
    init(names: [String]) {
        self.names = names
        damaged = Array(repeating: false, count: names.count)
        holding = damaged
        finished = damaged
    }

    func turn(_ index: Int) -> TaskTurn { TaskTurn(order: self, index: index) }

    /// Whatever a task did not say before it ended is as done as it will ever be.
    func finish(_ index: Int) {
        update { damaged[index] = true; holding[index] = true; finished[index] = true }
    }

    fileprivate func markDamaged(_ index: Int) { update { damaged[index] = true } }
    fileprivate func markHolding(_ index: Int) { update { holding[index] = true } }

    /// Waits until every fault `index` checks for has done its damage.
    fileprivate func waitForFaults(against index: Int) {
        let faults = Self.checks[names[index]] ?? []
        wait { names.indices.allSatisfy { !faults.contains(names[$0]) || damaged[$0] } }
    }

    /// Waits until every task that checks for fault `index` holds what the fault takes.
    fileprivate func waitForVictimsHolding(of index: Int) {
        wait { victims(of: index).allSatisfy { holding[$0] } }
    }

    /// Waits until every task that checks for fault `index` has ended.
    fileprivate func waitForVictimsFinished(of index: Int) {
        wait { victims(of: index).allSatisfy { finished[$0] } }
    }

    private func victims(of index: Int) -> [Int] {
        names.indices.filter { Self.checks[names[$0]]?.contains(names[index]) == true }
    }

    private func update(_ change: () -> Void) {
        pthread_mutex_lock(mutex)
        change()
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    private func wait(until satisfied: () -> Bool) {
        var until = MonotonicClock.timespec(at: MonotonicClock.seconds() + Self.bound)
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !satisfied() {
            if pthread_cond_timedwait(condition, mutex, &until) == ETIMEDOUT { return }
        }
    }
}

/// One task's place in its run's `FaultOrder`; a task alone in its process (process mode, or run
/// directly) has none, and every call is then a no-op.
struct TaskTurn: Sendable {
    fileprivate let order: FaultOrder?
    fileprivate let index: Int

    static let alone = TaskTurn(order: nil, index: 0)

    /// A workload: returns once the faults it checks for have done their damage.
    func waitForFaults() { order?.waitForFaults(against: index) }
    /// A workload: it now holds what a fault it checks for would take (an open descriptor).
    func holding() { order?.markHolding(index) }
    /// A fault: its damage is done, though it goes on running.
    func damaged() { order?.markDamaged(index) }
    /// A fault: returns once its victims hold what it takes.
    func waitForVictimsHolding() { order?.waitForVictimsHolding(of: index) }
    /// A fault: returns once its victims have ended.
    func waitForVictimsFinished() { order?.waitForVictimsFinished(of: index) }
}

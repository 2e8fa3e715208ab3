import BulkheadSystem
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Runs tasks as threads of this process: shared memory, descriptors, working directory, environment
/// and umask. Deliberately unsafe: a crashing task kills the whole process with its signal, `exit-early`
/// ends every task, and shared-state faults corrupt the others' results (which are checked, so the
/// corruption is reported when the process survives; `FaultOrder` makes sure the damage comes first).
public enum ThreadModeRunner {
    /// Starts every task at once (behind a gate, so that they really overlap) and returns their results
    /// in input order. `progress` is called on the calling thread as each task finishes. With a
    /// timeout, tasks still running at the deadline are reported as failed and left running: a thread
    /// cannot be stopped from outside, only the whole process can.
    public static func run(_ names: [String], timeout: Double?, progress: (TaskResult) -> Void) -> [TaskResult] {
        var results = [TaskResult?](repeating: nil, count: names.count)
        var jobs: [(Int, TaskSpec)] = []
        for (index, name) in names.enumerated() {
            do throws(TaskSpecError) {
                jobs.append((index, try TaskSpec.parse(name)))
            } catch {
                let result = TaskResult(name: name, mode: .thread, succeeded: false, summary: error.description, wallSeconds: 0)
                results[index] = result
                progress(result)
            }
        }
        CrashSignals.restoreDefaults()
        let workspace = TaskBody.needsWorkspace(jobs.map(\.1)) ? TaskWorkspace.prepare() : nil
        let board = ThreadBoard(count: names.count)
        let order = FaultOrder(names: names.indices.map { index in jobs.first { $0.0 == index }?.1.name ?? "" })
        for (index, spec) in jobs {
            if !startThread(ThreadJob(index: index, spec: spec, board: board, order: order)) {
                let result = TaskResult(name: spec.text, mode: .thread, succeeded: false,
                                        summary: "cannot start a thread: \(Errno.current.text)", wallSeconds: 0)
                order.finish(index)
                results[index] = result
                progress(result)
            }
        }
        let start = MonotonicClock.seconds()
        board.open()
        let deadline = timeout.map { start + $0 }
        let pending = Set(jobs.map(\.0)).filter { results[$0] == nil }
        var reported = Set<Int>()
        while reported.count < pending.count {
            let finished = board.waitForNew(excluding: reported, deadline: deadline)
            if finished.isEmpty { break }   // deadline passed
            for (index, ending, wall) in finished {
                reported.insert(index)
                let result = TaskResult(name: jobs.first { $0.0 == index }!.1.text, mode: .thread,
                                        succeeded: ending.succeeded, summary: ending.summary, wallSeconds: wall)
                results[index] = result
                progress(result)
            }
        }
        for index in pending where !reported.contains(index) {
            let result = TaskResult(name: jobs.first { $0.0 == index }!.1.text, mode: .thread, succeeded: false,
                                    summary: "still running after the " + Workloads.format(timeout ?? 0)
                                        + "s timeout (a thread cannot be stopped, only the whole process)",
                                    wallSeconds: MonotonicClock.seconds() - start)
            results[index] = result
            progress(result)
        }
        if let workspace, reported.count == pending.count { TaskWorkspace.remove(workspace) }
        return results.map { $0! }
    }

    /// A detached pthread with an explicit 8 MiB stack (and the usual guard page): stack-overflow then
    /// behaves the same whatever RLIMIT_STACK says.
    private static func startThread(_ job: ThreadJob) -> Bool {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, 8 << 20)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let context = Unmanaged.passRetained(job).toOpaque()
        let rc = pthread_create(&thread, &attributes, { context in
            let job = Unmanaged<ThreadJob>.fromOpaque(context!).takeRetainedValue()
            job.run()
            return nil
        }, context)
        if rc != 0 {
            Unmanaged<ThreadJob>.fromOpaque(context).release()
            errno = rc
            return false
        }
        return true
    }
}

/// One task's thread.
private final class ThreadJob: @unchecked Sendable {
    let index: Int
    let spec: TaskSpec
    let board: ThreadBoard
    let order: FaultOrder

    init(index: Int, spec: TaskSpec, board: ThreadBoard, order: FaultOrder) {
        self.index = index; self.spec = spec; self.board = board; self.order = order
    }

    func run() {
        board.waitUntilOpen()
        let start = MonotonicClock.seconds()
        let ending = TaskBody.run(spec, turn: order.turn(index))
        order.finish(index)
        board.finish(index, ending, wall: MonotonicClock.seconds() - start)
    }
}

/// Where task threads report, guarded by a pthread mutex and condition variable (on the monotonic
/// clock, so a changed system time does not move the deadline).
private final class ThreadBoard: @unchecked Sendable {
    private let sync = MonotonicCondition()
    private var mutex: UnsafeMutablePointer<pthread_mutex_t> { sync.mutex }
    private var condition: UnsafeMutablePointer<pthread_cond_t> { sync.condition }
    private var isOpen = false
    private var endings: [(TaskEnding, Double)?]

    init(count: Int) {
        endings = Array(repeating: nil, count: count)
    }

    func open() {
        pthread_mutex_lock(mutex)
        isOpen = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    func waitUntilOpen() {
        pthread_mutex_lock(mutex)
        while !isOpen { pthread_cond_wait(condition, mutex) }
        pthread_mutex_unlock(mutex)
    }

    func finish(_ index: Int, _ ending: TaskEnding, wall: Double) {
        pthread_mutex_lock(mutex)
        endings[index] = (ending, wall)
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Endings not yet in `reported`; empty only when the deadline passed.
    func waitForNew(excluding reported: Set<Int>, deadline: Double?) -> [(Int, TaskEnding, Double)] {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            let fresh = endings.indices.compactMap { i in endings[i].flatMap { reported.contains(i) ? nil : (i, $0.0, $0.1) } }
            if !fresh.isEmpty { return fresh }
            if let deadline {
                let now = MonotonicClock.seconds()
                if now >= deadline { return [] }
                var until = MonotonicClock.timespec(at: deadline)
                pthread_cond_timedwait(condition, mutex, &until)
            } else {
                pthread_cond_wait(condition, mutex)
            }
        }
    }
}

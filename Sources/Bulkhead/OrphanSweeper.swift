import BulkheadSystem
import SystemPackage
import BulkheadPolicy
import CLaunch
#if canImport(Glibc)
import Glibc
#endif

/// Catches descendants that left the task's process group (setsid, double fork) when no cgroup holds
/// the tree: with PR_SET_CHILD_SUBREAPER they are re-parented to this process instead of init, so they
/// can be found among our own children, killed and reaped by pid (never with wait(-1)).
/// Process-wide: only for a launcher that runs one task at a time, like the `bulkhead` CLI.
///
/// The sweep must not depend on anything the task can take away. A task that lowered bulkhead's
/// RLIMIT_NOFILE (prlimit on its parent) used to make the listing fail with EMFILE, which read as "no
/// children", and a setsid'd descendant outlived bulkhead. So the list of children is read through a
/// descriptor opened before the task starts, and a sweep that cannot list or kill says so: the caller
/// reports it as an error instead of a clean ending.
public struct OrphanSweeper: Sendable {
    /// `/proc/self/task/TID/children` of the thread that adopted: orphans are re-parented to the
    /// subreaper's first live thread, its main thread (find_new_reaper in kernel/exit.c), and the task
    /// itself is a child of the thread that launched it, so adopt on the main thread and launch from it.
    private let children: Int32

    /// Makes this process a child subreaper and opens what the sweep reads. Call once, early, on the
    /// main thread, before any task starts; nil when either is impossible (the caller then has no sweep
    /// and must rely on the process group or a cgroup).
    public static func adoptOrphans() -> OrphanSweeper? {
        guard bh_gettid() == getpid(), bh_set_child_subreaper() == 0 else { return nil }
        let fd = open("/proc/self/task/\(getpid())/children", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        return OrphanSweeper(childrenDescriptor: fd)
    }

    /// A sweeper that reads its list of children from `childrenDescriptor` (tests give it files of their own).
    init(childrenDescriptor: Int32) { children = childrenDescriptor }

    /// Why a sweep could not make sure that nothing is left.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Kills and reaps every child of this process.
    /// - Returns: how many there were, or why some may be left.
    @discardableResult
    func sweep() -> Result<Int, Failure> {
        var total = 0
        // Each round kills what is there now; children of the killed are re-parented to us and show up in
        // the next round. A tree that keeps growing faster than it dies is a failure, not a success.
        for _ in 0..<1000 {
            let listed: [pid_t]
            switch list() {
            case .success(let pids): listed = pids
            case .failure(let failure): return .failure(failure)
            }
            if listed.isEmpty { return .success(total) }
            for pid in listed {
                if kill(pid, SIGKILL) != 0, Errno.current != .noSuchProcess {
                    return .failure(Failure(description: "cannot kill descendant \(pid): \(Errno.current.text)"))
                }
                var info = siginfo_t()
                do throws(Errno) { _ = try SystemCall.retrying { waitid(P_PID, id_t(pid), &info, WEXITED) } } catch {
                    // ECHILD: reaped meanwhile, or not ours after all.
                    if error != .noChildProcess {
                        return .failure(Failure(description: "cannot reap descendant \(pid): \(error.text)"))
                    }
                }
            }
            total += listed.count
        }
        return .failure(Failure(description: "descendants were still appearing after 1000 rounds of killing"))
    }

    /// The pids in the children file, read from the start on every call (the kernel builds it anew).
    private func list() -> Result<[pid_t], Failure> {
        let text: [UInt8]
        do throws(Errno) { text = try KernelFile.reread(children) } catch {
            return .failure(Failure(description: "cannot list bulkhead's children: \(error.text)"))
        }
        var pids: [pid_t] = []
        for field in text.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") }) {
            guard let pid = Digits.number(field).flatMap(pid_t.init(exactly:)), pid > 0 else {
                return .failure(Failure(description: "cannot read bulkhead's children: unexpected text"))
            }
            pids.append(pid)
        }
        return .success(pids)
    }
}

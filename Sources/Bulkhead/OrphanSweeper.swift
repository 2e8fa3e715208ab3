import CLaunch
#if canImport(Glibc)
import Glibc
#endif

/// Catches descendants that left the task's process group (setsid, double fork) when no cgroup holds
/// the tree: with PR_SET_CHILD_SUBREAPER they are re-parented to this process instead of init, so they
/// can be found among our own children, killed and reaped by pid (never with wait(-1)).
/// Process-wide: only for a launcher that runs one task at a time, like the `bulkhead` CLI.
public enum OrphanSweeper {
    /// Call once, early, before any task starts.
    public static func adoptOrphans() -> Bool { bh_set_child_subreaper() == 0 }

    /// Kills and reaps every child of this process. Returns how many there were.
    @discardableResult
    static func sweep() -> Int {
        var total = 0
        for _ in 0..<1000 {
            let children = currentChildren()
            if children.isEmpty { break }
            for pid in children {
                kill(pid, SIGKILL)
                var info = siginfo_t()
                while waitid(P_PID, id_t(pid), &info, WEXITED) < 0 && errno == EINTR {}
            }
            total += children.count
        }
        return total
    }

    private static func currentChildren() -> [pid_t] {
        guard let dir = opendir("/proc/self/task") else { return [] }
        defer { closedir(dir) }
        var result: [pid_t] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let tid = Int(name),
                  let text = try? readSmallFile("/proc/self/task/\(tid)/children") else { continue }
            result += text.split(separator: " ").compactMap { pid_t($0.trimmed) }
        }
        return result
    }
}

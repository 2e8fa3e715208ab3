import Foundation

/// The processes of the machine, as /proc lists them: for tests that check a task left nothing behind.
public enum ProcessTable {
    /// Processes whose command line (arguments joined by spaces) contains `marker`, as "PID: COMMAND".
    /// A zombie has an empty command line, so only processes still running count.
    public static func processes(matching marker: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid -> String? in
            guard Int(pid) != nil,
                  let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let command = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
            return command.contains(marker) ? "\(pid): \(command)" : nil
        }
    }

    /// True once no running process has `marker` in its command line. SIGKILL is delivered at once but a
    /// dying process takes a moment to release its memory and leave the table, so allow it two seconds.
    public static func gone(matching marker: String) -> Bool {
        for _ in 0..<200 {
            if processes(matching: marker).isEmpty { return true }
            usleep(10_000)
        }
        return false
    }
}

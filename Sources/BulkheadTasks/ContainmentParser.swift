/// Reads what a child `bulkhead task run` reported: the `task-done NAME ok|failed SUMMARY` progress lines
/// of thread mode, and the JSON report of process mode. Pure functions, so they are tested on canned
/// output without the task commands.
public enum ContainmentParser {
    /// One finished task as the child reported it.
    public struct TaskLine: Sendable, Equatable {
        public var name: String
        public var succeeded: Bool
        public var summary: String
        /// Process mode only: the outcome's kind ("exited", "signaled", ...).
        public var outcomeKind: String?

        public init(name: String, succeeded: Bool, summary: String, outcomeKind: String? = nil) {
            self.name = name; self.succeeded = succeeded; self.summary = summary; self.outcomeKind = outcomeKind
        }
    }

    /// Every well-formed `task-done` line in order; other lines (tables, warnings) are ignored, and so is
    /// a last line cut short by the crash (no newline and no status word yet).
    public static func progressLines(_ stdout: String) -> [TaskLine] {
        var result: [TaskLine] = []
        for line in stdout.split(separator: "\n", omittingEmptySubsequences: true) {
            let words = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
            guard words.count >= 3, words[0] == "task-done", words[2] == "ok" || words[2] == "failed" else { continue }
            result.append(TaskLine(name: String(words[1]), succeeded: words[2] == "ok",
                                   summary: words.count > 3 ? String(words[3]) : ""))
        }
        return result
    }

    /// The `tasks` array of a process-mode report, or nil when the text is not such a report.
    public static func processReport(_ json: String) -> [TaskLine]? {
        guard let tasks = JSONNode.parse(json)?["tasks"]?.array else { return nil }
        var result: [TaskLine] = []
        for task in tasks {
            guard let name = task["name"]?.string, let succeeded = task["succeeded"]?.bool else { return nil }
            result.append(TaskLine(name: name, succeeded: succeeded, summary: task["summary"]?.string ?? "",
                                   outcomeKind: task["outcomeKind"]?.string))
        }
        return result
    }
}

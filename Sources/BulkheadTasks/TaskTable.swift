import Bulkhead

/// Renderings of task results: the human table and the JSON report.
public enum TaskTable {
    /// task | result | wall | peak RSS, one line per task, columns padded to fit.
    public static func render(_ results: [TaskResult]) -> String {
        let header = ["TASK", "RESULT", "WALL", "PEAK RSS"]
        let rows = results.map { result -> [String] in
            [result.name,
             (result.succeeded ? "" : "FAILED ") + result.summary,
             OutcomeText.decimal(result.wallSeconds * 1000, digits: 0) + "ms",
             result.peakRSSBytes.map { OutcomeText.decimal(Double($0) / 1_048_576, digits: 1) + " MiB" } ?? "-"]
        }
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (i, cell) in cells.enumerated() {
                let last = i == cells.count - 1
                text += last ? cell : cell + String(repeating: " ", count: widths[i] - cell.count + 2)
            }
            return text
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    /// `{ "mode": ..., "tasks": [ { name, mode, succeeded, summary, wallSeconds, peakRSSBytes, outcome } ] }`
    public static func json(_ results: [TaskResult], mode: TaskMode, policy: String?) -> JSONValue {
        .object([
            ("mode", .string(mode.rawValue)),
            ("policy", policy.map(JSONValue.string)),
            ("succeeded", .bool(results.allSatisfy(\.succeeded))),
            ("tasks", .array(results.map(json))),
        ])
    }

    public static func json(_ result: TaskResult) -> JSONValue {
        .object([
            ("name", .string(result.name)),
            ("mode", .string(result.mode.rawValue)),
            ("succeeded", .bool(result.succeeded)),
            ("summary", .string(result.summary)),
            ("wallSeconds", .double(result.wallSeconds)),
            ("peakRSSBytes", result.peakRSSBytes.map { .int($0) } ?? .null),
            ("outcome", result.outcome.map { outcome in
                .object([("kind", .string(outcome.kind)), ("exitCode", .int(outcome.exitCode)),
                         ("message", .string(OutcomeText.describe(outcome)))])
            }),
        ])
    }
}

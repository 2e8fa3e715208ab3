import Bulkhead

/// The demo's JSON report: every row with its unit, median, p10 and p90 (in that unit), and both
/// containment runs with each task's result. Built with JSONValue: Sources do not use Foundation.
public enum DemoReport {
    public static func json(_ result: DemoRun.Result) -> JSONValue {
        .object([
            ("repetitions", .int(result.repetitions)),
            ("measurementSeconds", .double(result.measurementSeconds)),
            ("rows", .array(result.allRows.map(row))),
            ("containment", .array([result.thread, result.process].compactMap { $0 }.map(containment))),
        ])
    }

    public static func row(_ row: ComparisonRow) -> JSONValue {
        .object([
            ("topic", .string(row.topic.rawValue)),
            ("label", .string(row.label)),
            ("unit", .string(row.unit)),
            ("thread", side(row.thread, row)),
            ("process", side(row.process, row)),
            ("note", row.note.map { .string($0) }),
        ])
    }

    /// null for a side without a counterpart; a failed measurement has `"samples": 0` and null figures.
    static func side(_ value: ComparisonRow.Value?, _ row: ComparisonRow) -> JSONValue {
        guard let value else { return .null }
        switch value {
        case .measured(let m):
            return .object([
                ("median", .double(row.display(m.median))),
                ("p10", .double(row.display(m.p10))),
                ("p90", .double(row.display(m.p90))),
                ("samples", .int(m.samples.count)),
                ("medianMiBPerSecond", row.throughputMiBPerSecond(seconds: m.median).map { .double($0) }),
            ])
        case .yesNo(let flag): return .object([("answer", .string(flag ? "yes" : "no")), ("value", .bool(flag))])
        case .text(let text): return .object([("answer", .string(text))])
        }
    }

    public static func containment(_ run: ContainmentRun) -> JSONValue {
        .object([
            ("mode", .string(run.mode.rawValue)),
            ("tasks", .array(run.tasks.map { .string($0) })),
            ("available", .bool(run.unavailable == nil)),
            ("unavailable", run.unavailable.map { .string($0) }),
            ("sentence", .string(run.sentence)),
            ("hostExitCode", run.hostExitCode.map { .int($0) }),
            ("hostSignal", run.hostSignal.map { .string(SignalNames.name(of: $0)) }),
            ("reported", .int(run.results.count)),
            ("succeeded", .int(run.succeeded)),
            ("failed", .int(run.failed)),
            ("lost", .int(run.lost)),
            ("contained", .bool(run.contained)),
            ("wallSeconds", .double(run.wallSeconds)),
            ("results", .array(run.results.map { line in
                .object([("name", .string(line.name)), ("succeeded", .bool(line.succeeded)),
                         ("summary", .string(line.summary)), ("outcomeKind", line.outcomeKind.map { .string($0) })])
            })),
        ])
    }
}

/// `bulkhead bench --json FILE`: every figure in seconds, with its samples' median and spread.
public enum BenchReport {
    public static func json(_ comparisons: [LaunchBenchmark.Comparison]) -> JSONValue {
        .object([("figures", .array(comparisons.map { comparison in
            .object([
                ("subject", .string(comparison.subject.name)),
                ("baseline", .string(comparison.baseline.name)),
                ("unit", .string("seconds")),
                ("subjectMedian", .double(comparison.subject.median)),
                ("subjectP10", .double(comparison.subject.p10)),
                ("subjectP90", .double(comparison.subject.p90)),
                ("baselineMedian", .double(comparison.baseline.median)),
                ("ratio", .double(comparison.ratio)),
                ("target", .double(comparison.target)),
                ("meetsTarget", .bool(comparison.meetsTarget)),
            ])
        }))])
    }
}

/// `bulkhead bench --json FILE`: every figure in seconds, with its samples' median and spread.
public enum BenchReport {
    /// - Parameters:
    ///   - filters, compiled: the `--filters` section, when it was measured.
    public static func json(_ comparisons: [LaunchBenchmark.Comparison], filters: [FilterBenchmark.Installed]? = nil,
                            compiled: [FilterBenchmark.Compiled]? = nil, calls: NotifiedCallBenchmark.Result? = nil,
                            learn: LearnBenchmark.Result? = nil, phases: [LaunchBenchmark.Phase]? = nil) -> JSONValue {
        .object([
            ("figures", .array(comparisons.map { comparison in
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
            })),
            // Cumulative: each entry's launch has every layer of the entries before it.
            ("phases", phases.map { steps in .array(steps.map { step in
                .object([
                    ("layer", .string(step.layer)),
                    ("unit", .string("seconds")),
                    ("launchMedian", .double(step.launch.subject.median)),
                    ("launchP10", .double(step.launch.subject.p10)),
                    ("launchP90", .double(step.launch.subject.p90)),
                    ("baselineMedian", .double(step.launch.baseline.median)),
                    ("ratio", .double(step.launch.ratio)),
                ])
            }) }),
            // The first entry is the 1-instruction baseline the others are measured against.
            ("filters", filters.map { figures in .array(figures.map { figure in
                .object([
                    ("name", .string(figure.name)),
                    ("instructions", .int(figure.instructions)),
                    ("unit", .string("seconds")),
                    ("installMedian", .double(figure.install.median)),
                    ("installP10", .double(figure.install.p10)),
                    ("installP90", .double(figure.install.p90)),
                    ("callMedian", figure.call.samples.isEmpty ? nil : .double(figure.call.median)),
                ])
            }) }),
            ("compile", compiled.map { figures in .array(figures.map { figure in
                .object([
                    ("policy", .string(figure.name)),
                    ("instructions", .int(figure.instructions)),
                    ("unit", .string("seconds")),
                    ("compileMedian", .double(figure.compile.median)),
                    ("compileP10", .double(figure.compile.p10)),
                    ("compileP90", .double(figure.compile.p90)),
                    ("cacheHitMedian", figure.cacheHit.map { .double($0.median) }),
                ])
            }) }),
            // getppid per call: allowed by strict, without a filter, a reported errno, a watched call.
            ("calls", calls.map { result in .array([result.strict, result.unfiltered, result.reportedErrno, result.watched].map { m in
                .object([
                    ("name", .string(m.name)),
                    ("unit", .string("nanoseconds")),
                    ("median", .double(m.median)),
                    ("p10", .double(m.p10)),
                    ("p90", .double(m.p90)),
                ])
            }) }),
            // tar cf of a 50 MB tree under default, plainly and learning.
            ("learn", learn.map { result in .object([
                ("unit", .string("seconds")),
                ("plainMedian", .double(result.plain.median)),
                ("learningMedian", .double(result.learning.median)),
                ("learningP10", .double(result.learning.p10)),
                ("learningP90", .double(result.learning.p90)),
                ("ratio", .double(result.ratio)),
            ]) }),
        ])
    }
}

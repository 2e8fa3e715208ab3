import Foundation

/// `bulkhead bench --json FILE`: every figure in seconds, with its samples' median and spread.
public struct BenchReport: Codable, Sendable {
    public struct Figure: Codable, Sendable {
        public var subject: String
        public var baseline: String
        public var unit = "seconds"
        public var subjectMedian: Double
        public var subjectP10: Double
        public var subjectP90: Double
        public var baselineMedian: Double
        public var ratio: Double
        public var target: Double
        public var meetsTarget: Bool
    }
    public var figures: [Figure]

    public init(comparisons: [LaunchBenchmark.Comparison]) {
        figures = comparisons.map {
            Figure(subject: $0.subject.name, baseline: $0.baseline.name, subjectMedian: $0.subject.median,
                   subjectP10: $0.subject.p10, subjectP90: $0.subject.p90, baselineMedian: $0.baseline.median,
                   ratio: $0.ratio, target: $0.target, meetsTarget: $0.meetsTarget)
        }
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

import BulkheadSystem
#if canImport(Glibc)
import Glibc
#endif

/// Repeated timings of one thing, summarised by the median and the spread between the 10th and 90th
/// percentiles: medians resist the noise of a shared machine, the spread shows how much there was.
public struct Measurement: Sendable, Equatable {
    public var name: String
    public var samples: [Double]

    public init(name: String, samples: [Double] = []) { self.name = name; self.samples = samples }

    public var median: Double { percentile(0.5) }
    public var p10: Double { percentile(0.1) }
    public var p90: Double { percentile(0.9) }

    public func percentile(_ p: Double) -> Double {
        guard !samples.isEmpty else { return .nan }
        let sorted = samples.sorted()
        let position = p * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = Int(position.rounded(.up))
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }
}

/// Starts a plain process (posix_spawn) and waits for it: the baseline every sandboxed launch is
/// compared with. Returns the wall time in seconds, or nil when it could not start or did not exit 0.
public enum PlainSpawn {
    public static func timeRun(_ arguments: [String], silenceOutput: Bool = true) -> Double? {
        let output: HelperProcess.Output = silenceOutput ? .discard : .inherit
        let helper = HelperProcess(arguments, stdout: output, stderr: output, nullInput: false)
        let start = MonotonicClock.seconds()
        guard let finished = try? helper.run() else { return nil }
        let elapsed = MonotonicClock.seconds() - start
        return finished.succeeded ? elapsed : nil
    }
}

import Bulkhead

/// Takes the samples of several figures in rounds, a slice of each figure per round, so that a burst of
/// load on a shared machine (another build, a timer tick under contention) spreads over every figure
/// instead of landing on whichever happened to be measured at that moment. The same reason
/// LaunchBenchmark interleaves subject and baseline.
struct InterleavedSampler {
    struct Probe {
        let name: String
        /// Takes `count` samples (seconds); may return fewer when some failed.
        let take: (Int) -> [Double]
    }

    var rounds: Int

    func run(_ probes: [Probe], samplesEach: Int) -> [String: Measurement] {
        var results: [String: Measurement] = [:]
        for probe in probes { results[probe.name] = Measurement(name: probe.name) }
        let rounds = max(1, min(self.rounds, samplesEach))
        for round in 0..<rounds {
            // Spread the remainder over the first rounds so the total is exactly samplesEach.
            let count = samplesEach / rounds + (round < samplesEach % rounds ? 1 : 0)
            for probe in probes {
                results[probe.name]?.samples += probe.take(count)
            }
        }
        return results
    }
}

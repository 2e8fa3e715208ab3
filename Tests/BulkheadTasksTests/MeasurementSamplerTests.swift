@testable import BulkheadTasks
import Testing

@Suite("Interleaved sampling")
struct MeasurementSamplerTests {
    @Test func everyProbeGetsExactlyItsSamplesInRounds() {
        var order: [String] = []
        let probes = ["a", "b"].map { name in
            InterleavedSampler.Probe(name: name) { count in
                order.append(name)
                return Array(repeating: 1.0, count: count)
            }
        }
        let result = InterleavedSampler(rounds: 3).run(probes, samplesEach: 10)
        #expect(result["a"]?.samples.count == 10)
        #expect(result["b"]?.samples.count == 10)
        #expect(order == ["a", "b", "a", "b", "a", "b"])   // interleaved, not a then b
    }

    @Test func fewerSamplesThanRoundsStillWork() {
        let probe = InterleavedSampler.Probe(name: "x") { Array(repeating: 2.0, count: $0) }
        #expect(InterleavedSampler(rounds: 5).run([probe], samplesEach: 2)["x"]?.samples == [2.0, 2.0])
    }

    @Test func aFailingCallGivesNoSamples() {
        #expect(CMeasureSampling.samples(count: 5) { _, _ in -22 }.isEmpty)
        #expect(CMeasureSampling.samples(count: 3, warmUp: 1) { buffer, n in
            for i in 0..<Int(n) { buffer[i] = Double(i) }
            return n
        } == [1, 2, 3])
        #expect(CMeasureSampling.flag(-1) == nil && CMeasureSampling.flag(0) == false && CMeasureSampling.flag(1) == true)
    }
}

import Bulkhead
import TestSupport
import Testing

/// `bench --calls`, shortened: the four tasks run and the notified calls really go through bulkhead.
@Suite struct NotifiedCallBenchmarkTests {
    @Test func theFourCallCostsAreMeasured() throws {
        var benchmark = NotifiedCallBenchmark(rounds: 1)
        benchmark.plainCalls = 2000
        benchmark.notifiedCalls = 50
        let result = try benchmark.measure(probe: BuiltBinaries.probe)
        for m in [result.strict, result.unfiltered, result.reportedErrno, result.watched] {
            #expect(m.samples.count == 1 && m.median > 0, "\(m.name): \(m.samples)")
        }
        // A round trip through the listener costs microseconds; a filtered call that the kernel answers, nanoseconds.
        #expect(result.reportedErrno.median > 4 * result.strict.median, "\(result.reportedErrno.median) vs \(result.strict.median)")
        #expect(result.watched.median > 4 * result.strict.median, "\(result.watched.median) vs \(result.strict.median)")
    }
}

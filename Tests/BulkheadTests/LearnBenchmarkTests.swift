import Bulkhead
import Testing

/// `bench --learn`, shortened: both runs of tar happen, and the learning one really learns.
@Suite struct LearnBenchmarkTests {
    @Test func tarRunsPlainlyAndLearning() throws {
        var benchmark = LearnBenchmark(rounds: 2)
        benchmark.files = 200
        benchmark.fileSize = 1000
        let result = try benchmark.measure()
        #expect(result.plain.samples.count == 2 && result.learning.samples.count == 2)
        #expect(result.plain.median > 0 && result.learning.median > 0)
        // tar opens every file through bulkhead's listener: openat, getdents64 and fcntl at least.
        #expect(result.syscallsLearned >= 3, "\(result.syscallsLearned)")
    }
}

import Bulkhead
import BulkheadTasks
import Testing

/// The comparison is measured once for the whole suite: it forks and launches, and the figures only need
/// to be sane, not precise.
private let measuredRows = ProcessThreadComparison.measure(repetitions: 10, bulkheadExecutable: nil)

private func row(_ label: String) throws -> ComparisonRow {
    try #require(measuredRows.first { $0.label.contains(label) }, "no row labelled \(label)")
}

@Suite("Process-vs-thread measurements")
struct MeasurementTests {
    @Test func everyMeasuredTopicIsPresent() {
        let topics = Set(measuredRows.map(\.topic))
        #expect(topics.isSuperset(of: [.creationCost, .contextSwitchCost, .dataExchange, .memorySharing]))
    }

    @Test func everyTimingHasAPositiveMedianAndATimeUnit() throws {
        for row in measuredRows where row.isTiming {
            #expect(["ns", "µs", "ms", "s"].contains(row.unit), "\(row.label): unit \(row.unit)")
            for side in [row.thread, row.process].compactMap({ $0 }) {
                let m = try #require(side.measurement)
                #expect(!m.samples.isEmpty, "\(row.label): no samples")
                #expect(m.median > 0 && m.p10 > 0 && m.p10 <= m.median && m.median <= m.p90, "\(row.label): \(m.samples)")
            }
        }
    }

    /// Compared by their 10th percentiles, what each costs when the scheduler adds little: beside busy
    /// CPUs a thread's start waited for a CPU as long as a fork's did (both medians near 4 ms).
    @Test func aProcessCostsMoreToStartThanAThread() throws {
        let start = try row("start a unit")
        let thread = try #require(start.thread?.measurement?.p10)
        let fork = try #require(start.process?.measurement?.p10)
        let exec = try #require(try row("fork+exec+wait").process?.measurement?.p10)
        #expect(fork > thread)
        #expect(exec > thread)
    }

    @Test func theSandboxedLaunchIsMeasuredAndCostsAtLeastASpawn() throws {
        let sandboxed = try row("sandboxed launch")
        let launch = try #require(sandboxed.process?.measurement?.median, "\(sandboxed.note ?? "")")
        let spawn = try #require(try row("posix_spawn+wait").process?.measurement?.median)
        #expect(launch > spawn)
        #expect(sandboxed.thread == nil)
    }

    @Test func threadsSeeEachOthersWritesProcessesDoNot() throws {
        let sharing = try row("seen by the other unit")
        #expect(sharing.unit == "yes/no")
        guard case .yesNo(let thread)? = sharing.thread, case .yesNo(let process)? = sharing.process else {
            Issue.record("memory sharing row is not yes/no: \(sharing)")
            return
        }
        #expect(thread == true)
        #expect(process == false)
    }

    @Test func contextSwitchesAreMicroseconds() throws {
        let switches = try row("ping-pong")
        for side in [switches.thread, switches.process] {
            let median = try #require(side?.measurement?.median)
            // Anything between 50 ns and 1 ms per switch is a real switch, not a broken loop.
            #expect(median > 50e-9 && median < 1e-3)
        }
    }

    @Test func oneMiBArrivesThroughEveryChannel() throws {
        for label in ["through shared memory", "through a pipe"] {
            let exchange = try row(label)
            #expect(exchange.topic == .dataExchange)
            #expect(exchange.thread?.measurement?.samples.isEmpty == false)
            #expect(exchange.process?.measurement?.samples.isEmpty == false)
            #expect(exchange.payloadBytes == 1 << 20)
            let median = try #require(exchange.thread?.measurement?.median)
            #expect((exchange.throughputMiBPerSecond(seconds: median) ?? 0) > 0)
        }
        #expect(ComparisonTable.notes(measuredRows).contains("MiB/s"))
    }

    @Test func unitsScaleSeconds() {
        #expect(TimeUnit.choose(forSeconds: 2e-5) == "µs")
        #expect(TimeUnit.choose(forSeconds: 2e-3) == "ms")
        #expect(TimeUnit.factor("µs") == 1e6)
        #expect(ComparisonTable.significant(12.345) == "12.3")
        #expect(ComparisonTable.significant(0.01234) == "0.0123")
    }
}

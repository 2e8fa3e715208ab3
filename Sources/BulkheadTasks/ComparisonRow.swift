import Bulkhead

/// One line of the process-vs-thread table: the same question asked of two threads of one process and of
/// two processes. A side is nil when the question has no counterpart there (there is no thread "exec").
public struct ComparisonRow: Sendable {
    public enum Topic: String, Sendable, CaseIterable {
        case independence = "independence"
        case memorySharing = "memory sharing"
        case dataExchange = "data exchange"
        case creationCost = "creation cost"
        case contextSwitchCost = "context-switch cost"
    }

    public enum Value: Sendable {
        /// Timings; the samples are always in seconds, whatever the row's display unit.
        case measured(Measurement)
        case yesNo(Bool)
        case text(String)

        public var measurement: Measurement? {
            if case .measured(let m) = self { return m }
            return nil
        }
    }

    public var topic: Topic
    public var label: String
    /// The display unit: "ns", "µs", "ms" or "s" for timings (see `scale`), "yes/no", or free text.
    public var unit: String
    public var thread: Value?
    public var process: Value?
    /// Why a side is missing or what the figure means exactly, for the table and the report.
    public var note: String?
    /// For data-exchange rows: the bytes each sample moved, so a duration also reads as MiB/s.
    public var payloadBytes: Int?

    public init(topic: Topic, label: String, unit: String, thread: Value?, process: Value?, note: String? = nil,
                payloadBytes: Int? = nil) {
        self.topic = topic; self.label = label; self.unit = unit
        self.thread = thread; self.process = process; self.note = note; self.payloadBytes = payloadBytes
    }

    /// MiB/s for a sample of `seconds` when the row moved a payload.
    public func throughputMiBPerSecond(seconds: Double) -> Double? {
        guard let payloadBytes, seconds > 0 else { return nil }
        return Double(payloadBytes) / Double(1 << 20) / seconds
    }

    /// A timing row whose unit is chosen so the smaller median reads at least 1 (the larger one may then
    /// read 1460 µs, which is clearer than 0.00969 ms beside 1.46 ms).
    public static func timing(_ topic: Topic, _ label: String, thread: Measurement?, process: Measurement?,
                              note: String? = nil) -> ComparisonRow {
        // "ms" when nothing was measured: the row still needs a unit, and launches are milliseconds.
        let smallest = [thread, process].compactMap { $0?.median }.filter { $0.isFinite }.min() ?? 1e-3
        return ComparisonRow(topic: topic, label: label, unit: TimeUnit.choose(forSeconds: smallest),
                             thread: thread.map { .measured($0) }, process: process.map { .measured($0) }, note: note)
    }

    /// True when both sides or one side carry timings.
    public var isTiming: Bool { thread?.measurement != nil || process?.measurement != nil }

    /// Seconds converted to this row's display unit.
    public func display(_ seconds: Double) -> Double { seconds * TimeUnit.factor(unit) }
}

/// Display units for durations, without Foundation's Measurement API.
public enum TimeUnit {
    public static func choose(forSeconds seconds: Double) -> String {
        if seconds >= 1 { return "s" }
        if seconds >= 1e-3 { return "ms" }
        if seconds >= 1e-6 { return "µs" }
        return "ns"
    }

    /// Multiply seconds by this to get `unit`; 1 for a unit that is not a duration.
    public static func factor(_ unit: String) -> Double {
        switch unit {
        case "ns": return 1e9
        case "µs": return 1e6
        case "ms": return 1e3
        default: return 1
        }
    }
}

import Bulkhead

/// The process-vs-thread table as plain text for a terminal: one line per row, medians with their
/// p10–p90 spread, grouped by topic.
public enum ComparisonTable {
    public static func render(_ rows: [ComparisonRow]) -> String {
        let header = ["topic", "what", "thread", "process", "unit"]
        var lines: [[String]] = []
        for row in rows {
            lines.append([row.topic.rawValue, row.label, cell(row.thread, row), cell(row.process, row), row.unit])
        }
        var widths = header.map { $0.count }
        for line in lines { for (i, text) in line.enumerated() { widths[i] = max(widths[i], text.count) } }
        func format(_ line: [String]) -> String {
            line.enumerated().map { i, text in text + String(repeating: " ", count: widths[i] - text.count) }
                .joined(separator: "  ").trimmedTrailing()
        }
        var out = format(header) + "\n" + format(widths.map { String(repeating: "-", count: $0) }) + "\n"
        var previousTopic: ComparisonRow.Topic?
        for (row, line) in zip(rows, lines) {
            var shown = line
            if row.topic == previousTopic { shown[0] = "" }   // the topic once per group reads better
            previousTopic = row.topic
            out += format(shown) + "\n"
        }
        return out
    }

    /// The lines under the table: what each row measured exactly, and data rates for the payload rows.
    public static func notes(_ rows: [ComparisonRow]) -> String {
        var out = ""
        for row in rows {
            var parts: [String] = []
            if let note = row.note { parts.append(note) }
            let rates = [("thread", row.thread), ("process", row.process)].compactMap { name, side -> String? in
                guard let median = side?.measurement?.median, let rate = row.throughputMiBPerSecond(seconds: median) else { return nil }
                return "\(name) \(significant(rate)) MiB/s"
            }
            if !rates.isEmpty { parts.append("median rate: " + rates.joined(separator: ", ")) }
            if !parts.isEmpty { out += "  \(row.label): " + parts.joined(separator: "; ") + "\n" }
        }
        return out
    }

    /// "12.3 (10.1-15.2)", "yes", "-" for a side without a counterpart, "n/a" for a failed measurement.
    public static func cell(_ value: ComparisonRow.Value?, _ row: ComparisonRow) -> String {
        guard let value else { return "-" }
        switch value {
        case .measured(let m):
            guard !m.samples.isEmpty else { return "n/a" }
            return significant(row.display(m.median)) + " (" + significant(row.display(m.p10)) + "-" + significant(row.display(m.p90)) + ")"
        case .yesNo(let flag): return flag ? "yes" : "no"
        case .text(let text): return text
        }
    }

    /// Three significant digits without Foundation: 1234 → "1234", 12.345 → "12.3", 0.01234 → "0.0123".
    public static func significant(_ value: Double) -> String {
        guard value.isFinite else { return "nan" }
        let magnitude = abs(value)
        let digits: Int
        if magnitude >= 100 || magnitude == 0 { digits = 0 }
        else if magnitude >= 10 { digits = 1 }
        else if magnitude >= 1 { digits = 2 }
        else if magnitude >= 0.1 { digits = 3 }
        else if magnitude >= 0.01 { digits = 4 }
        else { digits = 5 }
        return OutcomeText.decimal(value, digits: digits)
    }
}

extension String {
    func trimmedTrailing() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}

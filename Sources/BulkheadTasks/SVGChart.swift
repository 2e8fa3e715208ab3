import Bulkhead
#if canImport(Glibc)
import Glibc
#endif

/// A dependency-free SVG chart of the process-vs-thread table: one group per row, a thread bar and a
/// process bar on a shared logarithmic time axis (so nanosecond and millisecond rows are both readable),
/// whiskers for the p10–p90 spread, and the yes/no rows written out as text in the same layout.
public struct SVGChart: Sendable {
    public var title: String
    public var width = 1000.0
    public var threadColor = "#4C78A8"
    public var processColor = "#E45756"

    public init(title: String = "Threads vs processes: cost and containment") { self.title = title }

    // Layout, in SVG user units.
    private let labelWidth = 420.0
    private let rightMargin = 120.0
    private let top = 78.0
    private let barHeight = 14.0
    private let barGap = 3.0
    private let groupGap = 14.0
    private let axisHeight = 36.0

    public func render(_ rows: [ComparisonRow]) -> String {
        let plotLeft = labelWidth, plotRight = width - rightMargin
        let axis = LogAxis(rows: rows)
        let groupHeight = 2 * barHeight + barGap
        let height = top + Double(rows.count) * (groupHeight + groupGap) + axisHeight + 10
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(n(width))" height="\(n(height))" viewBox="0 0 \(n(width)) \(n(height))" \
        font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">

        """
        svg += "<rect x=\"0\" y=\"0\" width=\"\(n(width))\" height=\"\(n(height))\" fill=\"white\"/>\n"
        svg += text(x: 16, y: 26, title, size: 17, weight: "bold")
        svg += text(x: 16, y: 46, "median of repeated runs, whiskers p10–p90; time axis logarithmic, shorter is cheaper",
                    size: 11, fill: "#555")
        svg += legend(x: width - 330, y: 26)

        let plotBottom = top + Double(rows.count) * (groupHeight + groupGap)
        // Decade grid lines and labels.
        for decade in axis.decades {
            let x = axis.x(pow10(decade), left: plotLeft, right: plotRight)
            svg += "<line x1=\"\(n(x))\" y1=\"\(n(top - 6))\" x2=\"\(n(x))\" y2=\"\(n(plotBottom))\" stroke=\"#ddd\" stroke-width=\"1\"/>\n"
            svg += text(x: x, y: plotBottom + 16, Self.durationLabel(pow10(decade)), size: 11, fill: "#444", anchor: "middle")
        }
        svg += text(x: (plotLeft + plotRight) / 2, y: plotBottom + 32, "time (log scale)", size: 11, fill: "#444", anchor: "middle")

        var y = top
        var previousTopic: ComparisonRow.Topic?
        for row in rows {
            svg += "<g class=\"row\" data-topic=\"\(XMLText.escaped(row.topic.rawValue))\">\n"
            if row.topic != previousTopic {
                svg += "<line x1=\"12\" y1=\"\(n(y - groupGap / 2))\" x2=\"\(n(width - 12))\" y2=\"\(n(y - groupGap / 2))\" "
                    + "stroke=\"#bbb\" stroke-width=\"0.8\"/>\n"
                svg += text(x: 16, y: y + 10, row.topic.rawValue.uppercased(), size: 9, fill: "#888", weight: "bold")
            }
            previousTopic = row.topic
            svg += text(x: 16, y: y + groupHeight - 3, Self.shorten(row.label, 62), size: 12)
            svg += side(row, row.thread, color: threadColor, name: "thread", y: y, axis: axis, left: plotLeft, right: plotRight)
            svg += side(row, row.process, color: processColor, name: "process", y: y + barHeight + barGap, axis: axis,
                        left: plotLeft, right: plotRight)
            svg += "</g>\n"
            y += groupHeight + groupGap
        }
        svg += "</svg>\n"
        return svg
    }

    private func side(_ row: ComparisonRow, _ value: ComparisonRow.Value?, color: String, name: String,
                      y: Double, axis: LogAxis, left: Double, right: Double) -> String {
        let middle = y + barHeight / 2 + 4
        guard let value else {
            return text(x: left + 4, y: middle, "\(name): no counterpart", size: 10, fill: "#999")
        }
        switch value {
        case .measured(let m):
            guard !m.samples.isEmpty else { return text(x: left + 4, y: middle, "\(name): not measured", size: 10, fill: "#999") }
            let x = axis.x(m.median, left: left, right: right)
            let x10 = axis.x(m.p10, left: left, right: right), x90 = axis.x(m.p90, left: left, right: right)
            let centre = y + barHeight / 2
            var out = "<rect class=\"bar \(name)\" x=\"\(n(left))\" y=\"\(n(y))\" width=\"\(n(max(1, x - left)))\" "
                + "height=\"\(n(barHeight))\" fill=\"\(color)\"/>\n"
            out += "<path class=\"spread\" d=\"M\(n(x10)) \(n(centre))H\(n(x90))"
                + "M\(n(x10)) \(n(y + 2))V\(n(y + barHeight - 2))M\(n(x90)) \(n(y + 2))V\(n(y + barHeight - 2))\" "
                + "stroke=\"#222\" stroke-width=\"1.2\" fill=\"none\"/>\n"
            out += text(x: max(x, x90) + 6, y: middle, ComparisonTable.significant(row.display(m.median)) + " " + row.unit,
                        size: 11, fill: "#222")
            return out
        case .yesNo(let flag):
            return marker(name: name, answer: flag ? "yes" : "no", color: color, y: y, left: left)
        case .text(let words):
            return marker(name: name, answer: words, color: color, y: y, left: left)
        }
    }

    /// A non-timing answer: a small swatch in the side's colour and the answer in words.
    private func marker(name: String, answer: String, color: String, y: Double, left: Double) -> String {
        "<rect class=\"swatch \(name)\" x=\"\(n(left))\" y=\"\(n(y + 2))\" width=\"10\" height=\"\(n(barHeight - 4))\" "
            + "fill=\"\(color)\"/>\n"
            + text(x: left + 16, y: y + barHeight / 2 + 4, "\(name): \(answer)", size: 11, fill: "#222", weight: "bold")
    }

    private func legend(x: Double, y: Double) -> String {
        "<rect x=\"\(n(x))\" y=\"\(n(y - 10))\" width=\"12\" height=\"12\" fill=\"\(threadColor)\"/>\n"
            + text(x: x + 18, y: y, "thread (one process)", size: 12)
            + "<rect x=\"\(n(x + 170))\" y=\"\(n(y - 10))\" width=\"12\" height=\"12\" fill=\"\(processColor)\"/>\n"
            + text(x: x + 188, y: y, "process", size: 12)
    }

    private func text(x: Double, y: Double, _ content: String, size: Double, fill: String = "#111",
                      weight: String? = nil, anchor: String? = nil) -> String {
        var attributes = "x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\" fill=\"\(fill)\""
        if let weight { attributes += " font-weight=\"\(weight)\"" }
        if let anchor { attributes += " text-anchor=\"\(anchor)\"" }
        return "<text \(attributes)>\(XMLText.escaped(content))</text>\n"
    }

    /// Coordinates with one decimal: enough for a screen, and stable output for tests.
    private func n(_ value: Double) -> String { OutcomeText.decimal(value, digits: 1) }

    static func shorten(_ s: String, _ limit: Int) -> String {
        s.count <= limit ? s : String(s.prefix(limit - 1)) + "…"
    }

    /// "100 ns", "1 µs", "10 ms", "1 s".
    static func durationLabel(_ seconds: Double) -> String {
        let units: [(Double, String)] = [(1, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")]
        for (scale, name) in units where seconds >= scale * 0.999 {
            // Axis ticks are whole decades: "10 µs" reads better than "10.0 µs".
            return String(Int((seconds / scale).rounded())) + " " + name
        }
        return String(Int((seconds * 1e9).rounded())) + " ns"
    }
}

/// The shared logarithmic time axis: whole decades around every p10 and p90 of every timing row.
struct LogAxis {
    let low: Int, high: Int

    init(rows: [ComparisonRow]) {
        var values: [Double] = []
        for row in rows {
            for side in [row.thread, row.process] {
                if let m = side?.measurement, !m.samples.isEmpty { values += [m.p10, m.p90, m.median] }
            }
        }
        let positive = values.filter { $0 > 0 && $0.isFinite }
        guard let minimum = positive.min(), let maximum = positive.max() else { low = -6; high = -3; return }
        var floor = Int(log10(minimum).rounded(.down))
        // A bar that starts barely right of the axis is invisible: keep the shortest at least ~half a decade long.
        if minimum < 3 * pow10(floor) { floor -= 1 }
        low = floor
        high = max(low + 1, Int(log10(maximum).rounded(.up)))
    }

    var decades: [Int] { Array(low...high) }

    func x(_ seconds: Double, left: Double, right: Double) -> Double {
        guard seconds > 0, seconds.isFinite else { return left }
        let fraction = (log10(seconds) - Double(low)) / Double(high - low)
        return left + min(1, max(0, fraction)) * (right - left)
    }
}

func pow10(_ exponent: Int) -> Double {
    var value = 1.0
    if exponent >= 0 { for _ in 0..<exponent { value *= 10 } } else { for _ in 0..<(-exponent) { value /= 10 } }
    return value
}

import Bulkhead
import BulkheadTasks
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// Canned rows: the chart is tested without measuring anything.
private let cannedRows: [ComparisonRow] = [
    ComparisonRow(topic: .independence, label: "one task crashes: the others survive", unit: "yes/no",
                  thread: .yesNo(false), process: .yesNo(true)),
    .timing(.creationCost, "start a unit & wait <for it>", thread: Measurement(name: "t", samples: [18e-6, 19e-6, 25e-6]),
            process: Measurement(name: "p", samples: [280e-6, 300e-6, 400e-6])),
    .timing(.creationCost, "bulkhead launch", thread: nil, process: Measurement(name: "b", samples: [0.9e-3, 1e-3, 1.4e-3])),
    .timing(.contextSwitchCost, "switch", thread: Measurement(name: "t", samples: [1e-6]), process: Measurement(name: "p", samples: [])),
]

/// Counts elements by name and `class` attribute.
private final class SVGCounter: NSObject, XMLParserDelegate {
    var rowGroups = 0, bars = 0, spreads = 0, texts: [String] = []
    private var inText = false
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        let classes = (attributes["class"] ?? "").split(separator: " ")
        if name == "g", classes.contains("row") { rowGroups += 1 }
        if name == "rect", classes.contains("bar") { bars += 1 }
        if name == "path", classes.contains("spread") { spreads += 1 }
        if name == "text" { inText = true; texts.append("") }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { if inText { texts[texts.count - 1] += string } }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { inText = false }
    }
}

@Suite("SVG chart")
struct SVGChartTests {
    private func parse(_ svg: String) throws -> SVGCounter {
        let parser = XMLParser(data: Data(svg.utf8))
        let counter = SVGCounter()
        parser.delegate = counter
        #expect(parser.parse(), "not well-formed: \(String(describing: parser.parserError))")
        return counter
    }

    @Test func isWellFormedWithOneGroupPerRow() throws {
        let svg = SVGChart().render(cannedRows)
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        let counted = try parse(svg)
        #expect(counted.rowGroups == cannedRows.count)
        // thread+process, process only, thread only (the process side has no samples).
        #expect(counted.bars == 2 + 1 + 1)
        #expect(counted.spreads == counted.bars)
    }

    @Test func labelsUnitsAndLegendAreWritten() throws {
        let counted = try parse(SVGChart().render(cannedRows))
        let all = counted.texts.joined(separator: "|")
        #expect(all.contains("start a unit & wait <for it>"))   // escaped in the file, intact after parsing
        #expect(all.contains("thread (one process)") && all.contains("process"))
        #expect(all.contains("µs") && all.contains("ms"))
        #expect(all.contains("thread: no") && all.contains("process: yes"))
        #expect(all.contains("not measured"))
    }

    @Test func emptyAndNonTimingRowsStillRender() throws {
        let empty = try parse(SVGChart().render([]))
        #expect(empty.rowGroups == 0)
        let one = try parse(SVGChart().render([cannedRows[0]]))
        #expect(one.rowGroups == 1)
    }
}

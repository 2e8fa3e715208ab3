import BulkheadSystem
import ArgumentParser
import Bulkhead
import BulkheadTasks
#if canImport(Glibc)
import Glibc
#endif

/// `bulkhead demo`: why tasks run as processes. Thin: the story and the figures come from BulkheadTasks.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Show crash containment and measure threads against processes (under a minute, no setup).",
        discussion: """
        Runs one task list as threads of a disposable bulkhead and as sandboxed processes, then measures \
        creation, context-switch and data-exchange costs and memory isolation of threads and processes. \
        Figures are medians with their p10-p90 spread.
        """)

    @Option(help: "Write every figure and the containment results as JSON to this file.") var report: String?
    @Option(help: "Write a bar chart (SVG) of the comparison to this file.") var chart: String?
    @Option(help: "Samples per figure.") var repetitions = ProcessThreadComparison.defaultRepetitions
    @Flag(help: "Fewer samples per figure: a rough picture in a few seconds.") var quick = false

    func validate() throws {
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
    }

    func run() throws {
        let count = quick ? min(repetitions, DemoRun.quickRepetitions) : repetitions
        let result = DemoRun.run(bulkhead: ExecutablePath.current(), repetitions: count) { line in
            print(line)
            fflush(nil)   // each step shows as it happens, also through a pipe
        }
        print("")
        print("3. Threads vs processes (median, p10-p90 in parentheses; "
              + "measured in \(OutcomeText.decimal(result.measurementSeconds, digits: 1)) s)")
        print(ComparisonTable.render(result.allRows))
        print(ComparisonTable.notes(result.allRows), terminator: "")
        if let report {
            do { try AtomicFile.write(DemoReport.json(result).rendered(), to: report) } catch {
                throw CLIError("cannot write \(error)")
            }
            print("report: \(report)")
        }
        if let chart {
            do { try AtomicFile.write(SVGChart().render(result.allRows), to: chart) } catch {
                throw CLIError("cannot write \(error)")
            }
            print("chart: \(chart)")
        }
    }
}

import BulkheadSystem
import ArgumentParser
import Bulkhead
import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure launch cost against baselines measured in the same interleaved run.",
        discussion: "Prints medians, 10th-90th percentile spreads and ratios. Run on a quiet machine; build with scripts/setup (release).")

    @Option(help: "Rounds; each round measures every subject and baseline once more.") var rounds = 10
    @Option(name: .customLong("per-round"), help: "Launches per subject in each round.") var perRound = 20
    @Option(help: "Policy for the launches: a shipped name (always the shipped policy) or a file (./strict for a file of that name).")
    var policy = "strict"
    @Option(help: "Also write the figures as JSON to this file.") var json: String?
    @Flag(help: """
        Also measure seccomp filters: install and per-call cost by instruction count, and compiling the shipped policies \
        against a filter-cache hit.
        """)
    var filters = false
    @Flag(help: """
        Also measure what a system call costs the task: getppid allowed by strict against no filter (target 1.25x), \
        refused with a reported errno, and watched (both answered by bulkhead through seccomp user notification).
        """)
    var calls = false
    @Flag(help: """
        Also measure what learning a policy costs a syscall-heavy run: tar cf of a 50 MB tree under default, plainly \
        and under bulkhead policy learn, alternating.
        """)
    var learn = false
    @Flag(help: """
        Also measure where a launch's time goes: the library launch under the policy built up one layer at a \
        time (filter, namespaces, network, file-system view with Landlock, cgroup limits), each against C \
        fork+exec+wait.
        """)
    var phases = false

    func run() throws {
        let loaded = try PolicySource.load(policy).0.policy
        let directory = ExecutablePath.directory() ?? "."
        let probe = directory + "/bulkhead-probe"
        guard access(probe, X_OK) == 0 else {
            throw CLIError("the C baseline \(probe) is missing: build the whole package (scripts/setup)")
        }
        let benchmark = LaunchBenchmark(rounds: max(1, rounds), perRound: max(1, perRound))
        let filterCache = FilterCache.forCurrentUser(environment: ProcessEnvironment.current())
        let (comparisons, instructions): ([LaunchBenchmark.Comparison], Int)
        do {
            (comparisons, instructions) = try benchmark.launchComparisons(policy: policy, policy: loaded, bulkhead: directory + "/bulkhead",
                                                          probe: probe, filterCache: filterCache)
        } catch {
            throw CLIError(error.description)
        }
        print("bulkhead bench: \(benchmark.rounds) rounds x \(benchmark.perRound) launches, policy \(policy) "
              + "(\(instructions) BPF instructions)")
        for comparison in comparisons {
            print("")
            for m in [comparison.subject, comparison.baseline] {
                print("  \(m.name)")
                print("      median \(ms(m.median)) ms   p10-p90 \(ms(m.p10))-\(ms(m.p90)) ms   n=\(m.samples.count)")
            }
            print("  ratio \(OutcomeText.decimal(comparison.ratio, digits: 2))x "
                  + "(target \(OutcomeText.decimal(comparison.target, digits: 1))x or less): "
                  + (comparison.meetsTarget ? "met" : "NOT met"))
        }
        var filterSection: FilterBenchSection?
        if filters {
            let section = try FilterBenchSection.measure(rounds: benchmark.rounds, perRound: benchmark.perRound, probe: probe,
                                                         cache: filterCache)
            section.print(rounds: benchmark.rounds, perRound: benchmark.perRound)
            filterSection = section
        }
        var callResult: NotifiedCallBenchmark.Result?
        if calls {
            do { callResult = try NotifiedCallBenchmark(rounds: benchmark.rounds).measure(probe: probe) } catch {
                throw CLIError("cannot measure the call costs: \(error.description)")
            }
            if let callResult { printCalls(callResult, rounds: benchmark.rounds) }
        }
        var phaseResult: [LaunchBenchmark.Phase]?
        if phases {
            do { phaseResult = try benchmark.phases(of: loaded, probe: probe, filterCache: filterCache) } catch {
                throw CLIError("cannot measure the launch's layers: \(error.description)")
            }
            if let phaseResult { printPhases(phaseResult) }
        }
        var learnResult: LearnBenchmark.Result?
        if learn {
            do { learnResult = try LearnBenchmark(rounds: benchmark.rounds).measure() } catch {
                throw CLIError("cannot measure learning: \(error.description)")
            }
            if let learnResult { printLearn(learnResult, rounds: benchmark.rounds) }
        }
        if let json {
            let report = BenchReport.json(comparisons, filters: filterSection?.installed, compiled: filterSection?.compiled,
                                          calls: callResult, learn: learnResult, phases: phaseResult)
            do { try AtomicFile.write(report.rendered(), to: json) } catch {
                throw CLIError("cannot write \(error)")
            }
        }
    }

    private func ms(_ seconds: Double) -> String { OutcomeText.decimal(seconds * 1000, digits: 3) }

    private func printPhases(_ steps: [LaunchBenchmark.Phase]) {
        print("")
        print("where a library launch under \(policy) goes: each layer added to those above it, medians; "
              + "C fork+exec+wait measured alongside each")
        var previous: Double?
        for step in steps {
            let name = step.layer + String(repeating: " ", count: max(0, 48 - step.layer.count))
            let added = previous.map { "  (\($0 <= step.launch.subject.median ? "+" : "")\(ms(step.launch.subject.median - $0)) ms)" }
                ?? "  (C: \(ms(step.launch.baseline.median)) ms)"
            print("  \(name) \(ms(step.launch.subject.median)) ms  \(OutcomeText.decimal(step.launch.ratio, digits: 2))x\(added)")
            previous = step.launch.subject.median
        }
    }

    private func printLearn(_ result: LearnBenchmark.Result, rounds: Int) {
        print("")
        print("policy learn: tar cf of a 50 MB tree of 5,000 files, \(rounds) rounds, plain and learning alternating "
              + "(\(result.syscallsLearned) syscalls learned)")
        for m in [result.plain, result.learning] {
            let name = m.name + String(repeating: " ", count: max(0, 22 - m.name.count))
            print("  \(name) median \(ms(m.median)) ms   p10-p90 \(ms(m.p10))-\(ms(m.p90)) ms")
        }
        print("  learning against plain: \(OutcomeText.decimal(result.ratio, digits: 2))x")
    }

    private func printCalls(_ result: NotifiedCallBenchmark.Result, rounds: Int) {
        print("")
        print("system calls: getppid in a loop in a sandboxed task, \(rounds) rounds, the four tasks alternating")
        for m in [result.strict, result.unfiltered, result.reportedErrno, result.watched] {
            let name = m.name + String(repeating: " ", count: max(0, 16 - m.name.count))
            print("  \(name) median \(OutcomeText.decimal(m.median, digits: 1)) ns   "
                  + "p10-p90 \(OutcomeText.decimal(m.p10, digits: 1))-\(OutcomeText.decimal(m.p90, digits: 1)) ns")
        }
        let ratio = result.strict.median / result.unfiltered.median
        print("  allowed under strict against no filter: \(OutcomeText.decimal(ratio, digits: 2))x (target 1.25x or less): "
              + (ratio <= 1.25 ? "met" : "NOT met"))
    }
}

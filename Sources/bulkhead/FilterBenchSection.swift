import Bulkhead
import BulkheadPolicy

/// The `--filters` section of `bulkhead bench`: what a seccomp filter costs to install and on every
/// system call, by instruction count, and what compiling the shipped policies costs against reading
/// their filters from the cache.
struct FilterBenchSection {
    var installed: [FilterBenchmark.Installed]
    var compiled: [FilterBenchmark.Compiled]

    /// Allowlists of about the sizes of `strict` and `default` in both layouts, and the shipped
    /// policies as they are compiled for a launch.
    static func measure(rounds: Int, perRound: Int, probe: String, cache: FilterCache?) throws(CLIError) -> FilterBenchSection {
        let benchmark = FilterBenchmark(rounds: rounds, perRound: perRound)
        var filters: [(name: String, filter: CompiledFilter)] = []
        var policies: [(name: String, policy: SeccompPolicy)] = []
        do {
            for count in [60, 250] {
                let allowlist = FilterBenchmark.allowlist(count)
                filters.append(("allowlist of \(allowlist.allow.count) system calls, linear",
                                try SeccompCompiler.compile(allowlist, layout: .linear)))
                filters.append(("allowlist of \(allowlist.allow.count) system calls, binary tree",
                                try SeccompCompiler.compile(allowlist, layout: .binaryTree)))
            }
            for name in ShippedPolicies.names {
                guard let seccomp = try PolicyLoader.loadShipped(name: name).seccomp else { continue }
                filters.append(("policy \(name)", try SeccompCompiler.compile(seccomp)))
                policies.append((name, seccomp))
            }
        } catch {
            throw CLIError("cannot compile the filters to measure: \(error)")
        }
        guard let installed = benchmark.install(filters, probe: probe) else {
            throw CLIError("cannot write the filters to measure to a temporary file")
        }
        let compiled: [FilterBenchmark.Compiled]
        do { compiled = try benchmark.compile(policies, cache: cache) } catch {
            throw CLIError("cannot compile the filters to measure: \(error)")
        }
        return FilterBenchSection(installed: installed, compiled: compiled)
    }

    func print(rounds: Int, perRound: Int) {
        guard let baseline = installed.first else { return }
        Swift.print("")
        Swift.print("seccomp filters: \(rounds) rounds x \(perRound) forked children each, "
                    + "against a 1-instruction filter in the same rounds;")
        Swift.print("each child installs the filter, then calls syscall 600, which exists nowhere: the filter runs all its checks")
        for figure in installed {
            Swift.print("")
            Swift.print("  \(figure.name): \(figure.instructions) instruction\(figure.instructions == 1 ? "" : "s")")
            var install = "      install median \(Self.micro(figure.install.median)) µs"
                + "   p10-p90 \(Self.micro(figure.install.p10))-\(Self.micro(figure.install.p90)) µs"
            if figure.instructions > baseline.instructions {
                let added = figure.install.median - baseline.install.median
                let perInstruction = added / Double(figure.instructions - baseline.instructions)
                install += "   \(Self.signed(added * 1e6, digits: 1)) µs, "
                    + "\(Self.signed(perInstruction * 1e9, digits: 1)) ns per added instruction"
            }
            Swift.print(install)
            if figure.call.samples.isEmpty {
                Swift.print("      call of syscall 600: not measured (the filter's default kills)")
            } else {
                var call = "      call of syscall 600 median \(Self.nano(figure.call.median)) ns"
                    + "   p10-p90 \(Self.nano(figure.call.p10))-\(Self.nano(figure.call.p90)) ns"
                if figure.instructions > baseline.instructions {
                    call += "   \(Self.signed((figure.call.median - baseline.call.median) * 1e9, digits: 1)) ns"
                }
                Swift.print(call)
            }
        }
        Swift.print("")
        Swift.print("compiling the shipped policies' filters: \(rounds * perRound) times each, "
                    + "alternating with a filter-cache hit of the same policy")
        for figure in compiled {
            var line = "  \(figure.name) (\(figure.instructions) instructions): compile median \(Self.milli(figure.compile.median)) ms"
                + "   p10-p90 \(Self.milli(figure.compile.p10))-\(Self.milli(figure.compile.p90)) ms"
            if let hit = figure.cacheHit {
                line += "   cache hit median \(Self.milli(hit.median)) ms "
                    + "(\(OutcomeText.decimal(figure.compile.median / hit.median, digits: 1))x)"
            } else {
                line += "   (no filter cache here: no private cache directory or no kernel keyring)"
            }
            Swift.print(line)
        }
    }

    private static func milli(_ seconds: Double) -> String { OutcomeText.decimal(seconds * 1e3, digits: 3) }
    private static func micro(_ seconds: Double) -> String { OutcomeText.decimal(seconds * 1e6, digits: 1) }
    private static func nano(_ seconds: Double) -> String { OutcomeText.decimal(seconds * 1e9, digits: 1) }
    private static func signed(_ value: Double, digits: Int) -> String {
        (value >= 0 ? "+" : "-") + OutcomeText.decimal(abs(value), digits: digits)
    }
}

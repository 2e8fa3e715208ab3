import Foundation
import TestSupport
import Testing

/// `bulkhead bench`, as short as it goes: what it prints, not how fast anything is.
@Suite struct BenchCommandTests {
    /// One round of two launches with `section` added: what it printed, by line, and its JSON report.
    private func bench(_ section: String) throws -> (run: CLIResult, lines: [String], report: [String: Any]) {
        let path = CLI.temporaryPath("bench\(section).json")
        defer { unlink(path) }
        let run = try CLI.bulkhead(["bench", "--rounds", "1", "--per-round", "2", section, "--json", path])
        #expect(run.status == 0, "\(run.stderr)")
        return (run, run.stdout.split(separator: "\n").map(String.init), try CLI.json(path))
    }

    @Test func filtersSectionFollowsTheLaunchFigures() throws {
        let (run, lines, report) = try bench("--filters")
        // Scripts read the launch figures by their "ratio" lines: the filters section adds none.
        let ratios = lines.filter { $0.hasPrefix("  ratio ") }
        // Library launch, without the cgroup slot, the whole command, bubblewrap's and firejail's where they run.
        let firejail = lines.contains { $0.contains(", right after /usr/bin/firejail --quiet --noprofile /bin/true") }
        #expect(ratios.count == 3 + (access("/usr/bin/bwrap", X_OK) == 0 ? 1 : 0) + (firejail ? 1 : 0), "\(run.stdout)")
        let section = try #require(lines.firstIndex { $0.hasPrefix("seccomp filters: 1 rounds x 2 forked children") }, "\(run.stdout)")
        #expect(lines[..<section].allSatisfy { !$0.contains("syscall 600") })
        for name in CLI.shippedPolicies {
            let heading = try #require(lines.firstIndex { $0.hasPrefix("  policy \(name): ") }, "\(run.stdout)")
            #expect(lines[heading + 1].contains("install median") && lines[heading + 1].contains("per added instruction"))
            #expect(lines.contains { $0.hasPrefix("  \(name) (") && $0.contains("compile median") })
        }
        let strict = try #require(lines.firstIndex { $0.hasPrefix("  policy strict: ") })
        #expect(lines[strict + 2] == "      call of syscall 600: not measured (the filter's default kills)")
        let defaultPolicy = try #require(lines.firstIndex { $0.hasPrefix("  policy default: ") })
        #expect(lines[defaultPolicy + 2].hasPrefix("      call of syscall 600 median"))

        let filters = try #require(report["filters"] as? [[String: Any]])
        #expect(filters.first?["instructions"] as? Int == 1, "the baseline comes first")
        #expect(filters.count == 5 + CLI.shippedPolicies.count)
        #expect(filters.allSatisfy { ($0["installMedian"] as? Double ?? 0) > 0 })
        #expect((report["compile"] as? [[String: Any]])?.map { $0["policy"] as? String } == CLI.shippedPolicies)
    }

    /// Strict has every layer: five cumulative steps, the first against the C baseline, each later one
    /// with what it added.
    @Test func phasesBuildTheLaunchUpLayerByLayer() throws {
        let (run, lines, report) = try bench("--phases")
        let heading = try #require(lines.firstIndex { $0.hasPrefix("where a library launch under strict goes") }, "\(run.stdout)")
        let layers = ["seccomp filter, capabilities, no_new_privs", "+ namespaces user, pid, mount, ipc, uts, cgroup", "+ network none",
                      "+ file-system view, Landlock rules, scratch", "+ memory and process limits (cgroup slot)"]
        let steps = Array(lines[(heading + 1)...].prefix(layers.count))
        #expect(steps.count == layers.count)
        for (step, layer) in zip(steps, layers) { #expect(step.hasPrefix("  " + layer), "\(step)") }
        #expect(steps.first?.contains("(C: ") == true && steps.dropFirst().allSatisfy { $0.hasSuffix(" ms)") })
        let phases = try #require(report["phases"] as? [[String: Any]])
        #expect(phases.map { $0["layer"] as? String } == layers)
        #expect(phases.allSatisfy { ($0["launchMedian"] as? Double ?? 0) > 0 && ($0["baselineMedian"] as? Double ?? 0) > 0 })
    }
}

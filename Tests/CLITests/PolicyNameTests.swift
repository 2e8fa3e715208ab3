import Foundation
import Testing

/// A bare shipped name (`default`, `strict`, `tasks`) always means the shipped policy, whatever files the
/// working directory holds: a file named `strict` left by an untrusted checkout must not replace it.
@Suite struct PolicyNameTests {
    /// A fresh directory holding `files` (name to text); tests run bulkhead inside it.
    private func directory(_ files: [String: String]) throws -> String {
        let path = CLI.temporaryPath("names")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        for (name, text) in files { try text.write(toFile: path + "/" + name, atomically: false, encoding: .utf8) }
        // The report names the file by its real path.
        return URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }

    private func run(_ arguments: [String], in directory: String) throws -> CLIResult {
        try CLI.run(CLI.bulkhead, arguments, directory: directory)
    }

    /// Would allow everything, fork included.
    private let allowEverything = "version: 1\nseccomp: none\n"

    @Test func aFileNamedStrictDoesNotReplaceTheShippedPolicy() throws {
        let dir = try directory(["strict": allowEverything])
        defer { try? FileManager.default.removeItem(atPath: dir) }

        let shipped = try run(["run", "--policy", "strict", "--report", "r.json", "--", CLI.probe, "fork"], in: dir)
        #expect(shipped.status == 128 + SIGSYS, "strict forbids fork: \(shipped.stderr)")
        let policy = try #require(try CLI.json(dir + "/r.json")["policy"] as? [String: Any])
        #expect(policy["source"] as? String == "embedded:strict")
        #expect(policy["name"] as? String == "strict")

        // A path reaches the file.
        let file = try run(["run", "--policy", "./strict", "--report", "r.json", "--", CLI.probe, "fork"], in: dir)
        #expect(file.status == 0, "\(file.stderr)")
        let filePolicy = try #require(try CLI.json(dir + "/r.json")["policy"] as? [String: Any])
        #expect(filePolicy["source"] as? String == dir + "/strict")
    }

    @Test func verboseNamesThePolicyAndItsSourceBeforeTheTaskStarts() throws {
        let dir = try directory(["strict": allowEverything, "my.yaml": "version: 1\nname: my-tool\nseccomp: none\n"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let task = ["--", "sh", "-c", "echo task-started >&2"]

        let cases: [([String], String)] = [
            (["--policy", "strict"], "bulkhead: policy strict from embedded:strict"),
            (["--policy", "./strict"], "bulkhead: policy (unnamed) from \(dir)/strict"),
            (["--policy", "my.yaml"], "bulkhead: policy my-tool from \(dir)/my.yaml"),
            ([], "bulkhead: policy default from embedded:default"),
            (["--quiet", "--policy=my.yaml"], "bulkhead: policy my-tool from \(dir)/my.yaml"),
        ]
        for (options, expected) in cases {
            let result = try run(["run", "--verbose"] + options + task, in: dir)
            #expect(result.status == 0, "\(options): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n").map(String.init)
            #expect(lines.first == expected, "\(options): \(result.stderr)")
            #expect(lines.dropFirst().first == "task-started", "\(options): \(result.stderr)")
        }
        let quiet = try run(["run", "--policy", "strict"] + task, in: dir)
        #expect(!quiet.stderr.contains("bulkhead: policy"), "only with --verbose: \(quiet.stderr)")
    }

    @Test func everyCommandFollowsTheSameRule() throws {
        // Not a policy at all: a command that read it would fail with exit 125.
        let broken = "version: [\n"
        let dir = try directory(["strict": broken, "tasks": broken, "default": broken])
        defer { try? FileManager.default.removeItem(atPath: dir) }

        for name in ["default", "strict", "tasks"] {
            let check = try run(["policy", "check", name], in: dir)
            #expect(check.status == 0, "policy check \(name): \(check.stderr)")
            let show = try run(["policy", "show", name], in: dir)
            #expect(show.stdout.contains("name: \(name)"), "policy show \(name): \(show.stderr)")
            let compile = try run(["policy", "compile", name], in: dir)
            #expect(compile.status == 0, "policy compile \(name): \(compile.stderr)")
            let file = try run(["policy", "check", "./" + name], in: dir)
            #expect(file.status == 125, "policy check ./\(name) reads the file")
        }
        let tasks = try run(["task", "run", "compute", "--policy", "tasks"], in: dir)
        #expect(tasks.status == 0, "task run --policy tasks: \(tasks.stderr)")
        let tasksFile = try run(["task", "run", "compute", "--policy", "./tasks"], in: dir)
        #expect(tasksFile.status == 125, "task run --policy ./tasks reads the file")
        let defaultRun = try run(["run", "--quiet", "--policy", "default", "--", "true"], in: dir)
        #expect(defaultRun.status == 0, "\(defaultRun.stderr)")
    }
}

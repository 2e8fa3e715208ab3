// Runs one command in a MountView through the library, for the tests that need bulkhead's launcher to run
// as another user (uid 65534) and for measuring what a view costs. Not part of the product: the policy key
// that will feed a MountView (filesystem:) belongs to the CLI.
//
//   bulkhead-view-runner [--policy bare|default|strict] [--read P] [--write P] [--exec P] [--tmpfs P]
//                        [--hide P] [--scratch SRC:DST] [--tty] [--no-dev] [--no-proc] [--no-view] [--bench N] -- COMMAND...
//
// Exit status: the task's (Outcome.exitCode); 125 with the error on stderr when bulkhead refuses.
// With --bench N: runs COMMAND N times with the view and N times without, interleaved, and prints the
// median, 10th and 90th percentile wall time of a whole run (launch, wait, reap) in microseconds.
import Bulkhead
import BulkheadPolicy
import BulkheadSystem
#if canImport(Glibc)
import Glibc
#endif

func complain(_ text: String) { _ = text.withCString { write(2, $0, strlen($0)) } }

var readPaths: [String] = [], writePaths: [String] = [], exec: [String] = [], tmpfs: [MountView.Tmpfs] = [], hide: [String] = []
var scratch: MountView.Scratch?
var tty = false, devices = true, proc = true, useView = true, bench = 0, policyName = "bare"
var arguments = Array(CommandLine.arguments.dropFirst())
var command: [String] = []
while let argument = arguments.first {
    arguments.removeFirst()
    if argument == "--" { command = arguments; break }
    func value() -> String {
        guard !arguments.isEmpty else { complain("\(argument) needs a value\n"); exit(2) }
        return arguments.removeFirst()
    }
    switch argument {
    case "--read": readPaths.append(value())
    case "--write": writePaths.append(value())
    case "--exec": exec.append(value())
    case "--tmpfs": tmpfs.append(MountView.Tmpfs(value()))
    case "--hide": hide.append(value())
    case "--scratch":
        let parts = value().split(separator: ":", maxSplits: 1).map(String.init)
        scratch = MountView.Scratch(source: parts[0], at: parts.count > 1 ? parts[1] : parts[0])
    case "--tty": tty = true
    case "--no-dev": devices = false
    case "--no-proc": proc = false
    case "--no-view": useView = false
    case "--bench": bench = Int(value()) ?? 0
    case "--policy": policyName = value()
    default: complain("unknown option \(argument)\n"); exit(2)
    }
}

func policy(_ policyName: String) throws -> Policy {
    if policyName != "bare" { return try PolicyLoader.loadShipped(name: policyName) }
    var policy = Policy()
    policy.name = "bare"
    policy.environment = EnvironmentPolicy(clear: true, set: [EnvironmentVariable(name: "PATH", value: "/usr/bin:/bin")])
    return policy
}

@MainActor func median(_ values: [Double], _ fraction: Double) -> Double {
    values.sorted()[min(values.count - 1, Int(Double(values.count) * fraction))]
}

do {
    let view = useView
        ? try MountView(read: readPaths, write: writePaths, exec: exec, tmpfs: tmpfs, hide: hide, scratch: scratch, devices: devices,
                        tty: tty, proc: proc)
        : nil
    let loaded = try policy(policyName)
    let plan = try SandboxPlan(policy: loaded, launcherEnvironment: ProcessEnvironment.entries(), mountView: view)
    if bench > 0 {
        let bare = try SandboxPlan(policy: loaded, launcherEnvironment: ProcessEnvironment.entries())
        var with: [Double] = [], without: [Double] = []
        func time(_ plan: SandboxPlan) throws -> Double {
            var start = timespec(), end = timespec()
            clock_gettime(CLOCK_MONOTONIC, &start)
            let result = try plan.run(command)
            clock_gettime(CLOCK_MONOTONIC, &end)
            guard result.outcome.succeeded else { complain("run failed: \(result.outcome)\n"); exit(1) }
            return Double(end.tv_sec - start.tv_sec) * 1e6 + Double(end.tv_nsec - start.tv_nsec) / 1e3
        }
        for _ in 0..<bench {
            with.append(try time(plan))
            without.append(try time(bare))
        }
        for (name, values) in [("view", with), ("no-view", without)] {
            print("\(name) p10=\(Int(median(values, 0.1))) median=\(Int(median(values, 0.5))) p90=\(Int(median(values, 0.9))) us")
        }
        exit(0)
    }
    let result = try plan.run(command)
    for warning in result.warnings { complain("warning: \(warning)\n") }
    if case .setupFailed(let stage, let err) = result.outcome { complain("setup failed at stage \(stage.rawValue): \(err.text)\n") }
    exit(result.exitCode)
} catch let error as LaunchError {
    complain("\(error)\n")
    exit(125)
} catch {
    complain("error: \(error)\n")
    exit(125)
}

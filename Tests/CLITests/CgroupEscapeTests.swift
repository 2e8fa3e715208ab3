import Bulkhead
import Foundation
import Testing

/// A task in a cgroup slot whose uid owns the cgroup files (root, without capabilities) must neither
/// leave its slot nor bring other processes into it: the kernel asks nothing of a writer of
/// `cgroup.procs` but ownership. Before, such a task wrote its pid into the root cgroup and allocated
/// past its memory limit, or wrote a host process's pid into its slot, which bulkhead's clean-up then
/// killed.
@Suite(.enabled(if: CLI.isRoot)) struct CgroupEscapeTests {
    /// A policy with the default filter and cgroup-backed limits, in a directory removed afterwards.
    private func limited() throws -> (policy: String, directory: String) {
        let directory = CLI.temporaryPath("cgroup-escape")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let policy = directory + "/limited.yaml"
        // Without default's view, which would have /sys/fs/cgroup read-only anyway: the shield is what is tested.
        try "version: 1\nextends: \(CLI.unisolatedDefault)\nlimits: { memory: 64MiB, processes: 64 }\n"
            .write(toFile: policy, atomically: true, encoding: .utf8)
        return (policy, directory)
    }

    /// Every root cgroup.procs of the hierarchies that may hold the slot (v1 memory and pids, v2).
    private static let rootProcs = "/sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/memory/cgroup.procs /sys/fs/cgroup/pids/cgroup.procs"

    @Test func aRootTaskCannotLeaveItsSlot() throws {
        let (policy, directory) = try limited()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CLI.bulkhead(["run", "--quiet", "--policy", policy, "--", "sh", "-c",
                                       "for f in \(Self.rootProcs); do [ -e $f ] && echo $$ > $f 2>/dev/null && echo moved; done; "
                                           + "exec \(CLI.probe) alloc 200"])
        #expect(!result.stdout.contains("moved"), "\(result.stdout)")
        #expect(result.status == 137, "the allocation should have met the memory limit: \(result.stdout)\(result.stderr)")
    }

    /// A hierarchy mounted a second time elsewhere (a bind mount) is a cgroup file system too: the shield
    /// keeps the task out of every one, not only those beneath /sys/fs/cgroup.
    @Test func aRootTaskCannotLeaveThroughABindMountOfTheHierarchy() throws {
        let (policy, directory) = try limited()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let hierarchy = ["/sys/fs/cgroup/pids", "/sys/fs/cgroup"].first { FileManager.default.fileExists(atPath: $0 + "/cgroup.procs") }
        let source = try #require(hierarchy)
        let bound = directory + "/cg"
        try FileManager.default.createDirectory(atPath: bound, withIntermediateDirectories: true)
        let mounted = try CLI.run("/bin/mount", ["--bind", source, bound])
        try #require(mounted.status == 0, "cannot bind-mount \(source): \(mounted.stderr)")
        defer { _ = try? CLI.run("/bin/umount", ["-l", bound]) }
        let result = try CLI.bulkhead(["run", "--quiet", "--policy", policy, "--", "sh", "-c",
                                       "echo $$ > \(bound)/cgroup.procs 2>/dev/null && echo moved; "
                                           + "grep -c bulkhead-slot /proc/self/cgroup"])
        #expect(!result.stdout.contains("moved"), "\(result.stdout)\(result.stderr)")
    }

    @Test func aRootTaskCannotPullAHostProcessIntoItsSlot() throws {
        let (policy, directory) = try limited()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let host = Process()
        host.executableURL = URL(fileURLWithPath: "/bin/sleep")
        host.arguments = ["30"]
        try host.run()
        defer { kill(host.processIdentifier, SIGKILL); host.waitUntilExit() }
        // The slot's own cgroup.procs in each hierarchy, found from the task's /proc/self/cgroup.
        let script = """
            grep -E '^[0-9]+:(memory|pids)?:' /proc/self/cgroup | while IFS=: read -r id controllers path; do
              for base in /sys/fs/cgroup/$controllers /sys/fs/cgroup; do
                [ -e "$base$path/cgroup.procs" ] && echo \(host.processIdentifier) > "$base$path/cgroup.procs" 2>/dev/null && echo pulled
              done
            done
            mkdir /sys/fs/cgroup/pids/bulkhead-test-evil 2>/dev/null && echo made
            true
            """
        let result = try CLI.bulkhead(["run", "--quiet", "--policy", policy, "--", "sh", "-c", script])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("pulled") && !result.stdout.contains("made"), "\(result.stdout)")
        #expect(host.isRunning, "bulkhead's clean-up killed a host process the task had pulled into its slot")
        rmdir("/sys/fs/cgroup/pids/bulkhead-test-evil")
    }

    @Test func theTaskStillWritesEverywhereElse() throws {
        let (policy, directory) = try limited()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CLI.bulkhead(["run", "--quiet", "--policy", policy, "--", "sh", "-c",
                                       "mkdir \(directory)/d \(directory)/e && echo x > \(directory)/d/f "
                                           + "&& mv \(directory)/d/f \(directory)/e/ "
                                           + "&& python3 -c 'import os; os.rename(\"\(directory)/e/f\", \"\(directory)/f\")' "
                                           + "&& rm -r \(directory)/d \(directory)/e && echo ok > /dev/null && echo done; "
                                           + "kill -0 $PPID 2>/dev/null || echo scoped"])
        // One Landlock domain holds both the shield and the signal scope (two layers would refuse the
        // rename into another directory): bulkhead is still out of the task's reach.
        #expect(result.stdout == "done\n" + (SignalScope.available ? "scoped\n" : ""), "\(result.stdout)\(result.stderr)")
    }

    @Test func strictNeedsNoShield() throws {
        // A strict task runs as nobody, which owns no cgroup file: it gets no extra domain.
        let result = try CLI.bulkhead(["run", "--quiet", "--policy", "strict", "--", CLI.probe, "status"])
        #expect(result.status == 0, "\(result.stderr)")
    }
}

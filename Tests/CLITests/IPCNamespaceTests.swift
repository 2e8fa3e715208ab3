import Foundation
import Testing

/// System V IPC objects and POSIX message queues belong to an IPC namespace, not to a process: a task
/// that left a 200 MiB segment behind kept it charged to its cgroup slot, and the next task in that
/// slot was OOM-killed at 56 MiB. A task whose policy lets it create them gets its own IPC namespace,
/// so they go with it.
@Suite struct IPCNamespaceTests {
    /// default's filter without its file-system view: Landlock refuses mq_open (the message-queue file system
    /// has no path beneath a grant), and these tests are about where the objects go.
    static let unviewed: String = {
        let path = CLI.temporaryPath("ipc-unviewed.yaml")
        try? "version: 1\nextends: default\nfilesystem: { inherit: false }\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o644)
        return path
    }()

    private static func key() -> String { "0x\(String(UInt32.random(in: 0x1000_0000...0x7fff_ffff), radix: 16))" }

    private func expectNothingLeft(_ key: String) throws {
        let check = try CLI.run(CLI.probe, ["ipc-check", key])
        #expect(check.status == 0, "left behind in the host's IPC namespace: \(check.stdout)")
    }

    @Test func objectsGoWithTheTask() throws {
        let key = Self.key()
        let run = try CLI.bulkhead(["run", "--quiet", "--policy", Self.unviewed, "--", CLI.probe, "ipc-leave", key, "1048576"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        try expectNothingLeft(key)
    }

    @Test func twoTasksDoNotShareObjects() throws {
        let key = Self.key()
        let made = try CLI.bulkhead(["run", "--quiet", "--policy", Self.unviewed, "--", CLI.probe, "ipc-leave", key, "4096"])
        #expect(made.status == 0, "\(made.stdout)")
        let other = try CLI.bulkhead(["run", "--quiet", "--policy", Self.unviewed, "--", CLI.probe, "ipc-check", key])
        #expect(other.status == 0, "\(other.stdout)")
    }

    @Test(.enabled(if: CLI.canDropToNobody)) func objectsGoWithTheTaskWithoutRoot() throws {
        let key = Self.key()
        let run = try CLI.bulkheadAsNobody(["run", "--policy", Self.unviewed, "--", try CLI.unprivilegedProbe(), "ipc-leave", key,
                                            "1048576"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(!run.stderr.contains("warning"), "\(run.stderr)")
        let check = try CLI.run("/usr/bin/setpriv",
                                ["--reuid=65534", "--regid=65534", "--clear-groups", try CLI.unprivilegedProbe(), "ipc-check", key])
        #expect(check.status == 0, "left behind: \(check.stdout)")
    }

    @Test func strictRunsInEveryNamespaceOfItsOwn() throws {
        // strict asks for every namespace (`namespaces: all`), IPC among them, whatever its filter allows.
        let run = try CLI.bulkhead(["run", "--quiet", "--policy", "strict", "--", "/bin/readlink", "/proc/self/ns/ipc"])
        let own = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/ipc")
        #expect(run.status == 0 && run.stdout.hasPrefix("ipc:[") && run.stdout != own + "\n", "\(run.stdout)\(run.stderr)")
    }

    /// The review's case: a segment left in a memory-limited slot starved the next task of that slot.
    @Test(.enabled(if: CLI.isRoot)) func aLeftSegmentDoesNotStarveTheNextTask() throws {
        let directory = CLI.temporaryPath("ipc-slot")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let policy = directory + "/p.yaml"
        try "version: 1\nextends: default\nlimits: { memory: 256MiB }\n".write(toFile: policy, atomically: true, encoding: .utf8)
        let key = Self.key()
        // System V only: a root task in a slot cannot open POSIX message queues (see docs/design.md on the
        // cgroup shield), and the slot's memory is what this is about.
        let leave = try CLI.bulkhead(["run", "--quiet", "--policy", policy, "--", CLI.probe, "ipc-leave", key, String(200 << 20), "sysv"])
        #expect(leave.status == 0, "\(leave.stdout)\(leave.stderr)")
        let next = try CLI.bulkhead(["run", "--quiet", "--policy", policy, "--", CLI.probe, "alloc", "150"])
        #expect(next.status == 0, "\(next.stdout)\(next.stderr)")
        try expectNothingLeft(key)
    }
}

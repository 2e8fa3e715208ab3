import Foundation
import Testing

/// Task cgroups are reusable slots (`bulkhead-slot-N`), held with flock while a bulkhead uses them.
/// Other tests run bulkhead in parallel, so these check what must hold whatever they do: a slot nobody
/// holds is empty, and a stray left in a free slot dies when the slot is next claimed.
@Suite(.serialized) struct CgroupSlotTests {
    /// Every slot directory under /sys/fs/cgroup, in each hierarchy.
    private func slots() throws -> [String] {
        let find = try CLI.run("/usr/bin/find", ["/sys/fs/cgroup", "-maxdepth", "6", "-type", "d", "-name", "bulkhead-*"])
        let found = find.stdout.split(separator: "\n").map(String.init)
        let perRun = found.filter { !($0 as NSString).lastPathComponent.hasPrefix("bulkhead-slot-") }
        #expect(perRun.isEmpty, "per-run cgroups were left behind: \(perRun)")
        return found.filter { ($0 as NSString).lastPathComponent.hasPrefix("bulkhead-slot-") }
    }

    /// Runs `body` with the slot's flock held, or returns false when another bulkhead holds it.
    private func whileFree(_ slot: String, _ body: () throws -> Void) rethrows -> Bool {
        let fd = open(slot, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return false }
        try body()
        return true
    }

    private func members(_ slot: String) -> String {
        (try? String(contentsOfFile: slot + "/cgroup.procs", encoding: .utf8)) ?? "?"
    }

    @Test(.enabled(if: CLI.isRoot)) func freeSlotsAreEmptyAfterRuns() throws {
        let killed = try CLI.bulkhead(["run", "--quiet", "--policy", "strict", "--", CLI.probe, "fork"])
        #expect(killed.status == 128 + SIGSYS)
        let timedOut = try CLI.bulkhead(["run", "--quiet", "--policy", "strict", "--timeout", "0.3s", "--", CLI.probe, "spin"])
        #expect(timedOut.status == 124)
        let slots = try slots()
        #expect(slots.contains { $0.contains("/pids/") } && slots.contains { $0.contains("/memory/") }, "\(slots)")
        var checked = 0
        for slot in slots {
            var info = stat()
            #expect(stat(slot, &info) == 0 && info.st_mode & 0o077 == 0, "\(slot) is open to other users")
            if whileFree(slot, { #expect(members(slot).isEmpty, "\(slot) holds \(members(slot))") }) { checked += 1 }
        }
        #expect(checked > 0)
    }

    @Test(.enabled(if: CLI.isRoot)) func aStrayInAFreeSlotDiesWhenTheSlotIsClaimed() throws {
        _ = try CLI.bulkhead(["run", "--quiet", "--policy", "strict", "--", "/bin/true"])
        let stray = Process()
        stray.executableURL = URL(fileURLWithPath: "/bin/sleep")
        stray.arguments = ["60"]
        try stray.run()
        defer { if stray.isRunning { kill(stray.processIdentifier, SIGKILL) } }
        // Into the first free slot of each hierarchy, as if its last bulkhead had been SIGKILLed.
        var planted: Set<String> = []
        for slot in try slots().sorted(by: { $0.count < $1.count || ($0.count == $1.count && $0 < $1) }) {
            let hierarchy = slot.contains("/pids/") ? "pids" : slot.contains("/memory/") ? "memory" : "v2"
            guard !planted.contains(hierarchy) else { continue }
            let moved = whileFree(slot) {
                let fd = open(slot + "/cgroup.procs", O_WRONLY)
                defer { close(fd) }
                let pid = "\(stray.processIdentifier)"
                #expect(write(fd, pid, pid.utf8.count) == pid.utf8.count)
            }
            if moved { planted.insert(hierarchy) }
        }
        try #require(!planted.isEmpty)
        // Claims go to the lowest free slot, and other tests hold slots meanwhile: runs side by side,
        // more of them than there are slots, claim every free slot up to the stray's, and the run that
        // claims it empties it first.
        var runs: [Process] = []
        for _ in 0..<(try slots().count + 3) {
            let run = Process()
            run.executableURL = URL(fileURLWithPath: CLI.bulkhead)
            run.arguments = ["run", "--quiet", "--policy", "strict", "--timeout", "1s", "--", CLI.probe, "spin"]
            try run.run()
            runs.append(run)
        }
        runs.forEach { $0.waitUntilExit() }
        #expect(runs.allSatisfy { $0.terminationStatus == 124 })
        stray.waitUntilExit()
        #expect(stray.terminationReason == .uncaughtSignal && stray.terminationStatus == SIGKILL)
    }

    @Test(.enabled(if: CLI.isRoot)) func runsSideBySideTakeDifferentSlots() throws {
        let first = Process()
        first.executableURL = URL(fileURLWithPath: CLI.bulkhead)
        first.arguments = ["run", "--quiet", "--policy", "strict", "--timeout", "2s", "--", CLI.probe, "spin"]
        try first.run()
        defer { first.waitUntilExit() }
        usleep(300_000)
        // While the first holds its slot, a second run gets its own, with its own limits.
        let second = try CLI.bulkhead(["run", "--policy", "strict", "--", "/bin/sh", "-c", "cat /proc/self/cgroup"])
        #expect(second.status == 128 + SIGSYS || second.status == 0, "\(second.stderr)")
        let ids = try CLI.bulkhead(["run", "--quiet", "--policy", "default", "--", "/bin/cat", "/proc/self/cgroup"])
        #expect(ids.status == 0)
        let memory = try CLI.bulkhead(["run", "--quiet", "--policy", "strict", "--", "python3", "-c", "b = bytearray(1 << 30)"])
        #expect(memory.status == 128 + SIGKILL)
        #expect(first.isRunning)
    }
}

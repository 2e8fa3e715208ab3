import Foundation
import Testing

/// `filesystem.scratch`: a private directory per run, made by bulkhead (0700, the task's uid), exported
/// as BULKHEAD_SCRATCH, named in the report, and removed after the run without following what the task
/// planted in it.
@Suite struct ScratchTests {
    /// Root runs give the task uid 65534 (`user:`), so the directory must be handed over; unprivileged
    /// runs are uid 65534 throughout.
    private func policy(_ f: AccessFixture, restricted: Bool = false) throws -> String {
        let user = f.asNobody ? "" : "user: { uid: 65534, gid: 65534 }\n"
        let view = restricted ? "  read: [/etc]\n  exec: [/usr]\n" : ""
        return try f.policy(user + "filesystem:\n  scratch: true\n" + view)
    }

    /// The task's account of its scratch directory, and what it plants there: a link to a file outside,
    /// a link to a directory outside inside a subdirectory it then locks (chmod 0).
    private func plantingTask(_ f: AccessFixture) -> [String] {
        [
            "sh", "-c",
            """
            stat -c '%a %u %F' "$BULKHEAD_SCRATCH"; echo data > "$BULKHEAD_SCRATCH/f" && echo wrote
            ln -s \(f.path("victim")) "$BULKHEAD_SCRATCH/file-link"; mkdir "$BULKHEAD_SCRATCH/d"
            ln -s \(f.path("victim-dir")) "$BULKHEAD_SCRATCH/d/dir-link"; chmod 0 "$BULKHEAD_SCRATCH/d"
            """
        ]
    }

    private func prepareVictims(_ f: AccessFixture) throws {
        try f.write("victim", "keep me\n", mode: 0o666)
        f.makeDirectory("victim-dir")
        try f.write("victim-dir/inner", "keep me too\n", mode: 0o666)
    }

    @Test(arguments: AccessFixture.modes) func scratchIsPrivateExportedAndRemoved(asNobody: Bool) throws {
        let f = AccessFixture(asNobody: asNobody)
        defer { f.remove() }
        try prepareVictims(f)
        let report = f.path("report.json")
        let run = try f.bulkhead(
            ["run", "--quiet", "--report", report, "--policy", try policy(f, restricted: true), "--"] + plantingTask(f))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "700 65534 directory\nwrote\n")
        let access = try #require(try CLI.json(report)["access"] as? [String: Any])
        let scratch = try #require(access["scratch"] as? [String: Any])
        let path = try #require(scratch["path"] as? String)
        #expect(path.hasPrefix("/tmp/bulkhead-scratch-"))
        #expect(scratch["removed"] as? Bool == true)
        #expect(scratch["kept"] as? Bool == false)
        #expect(!FileManager.default.fileExists(atPath: path))
        // Removing the links removed the links only.
        #expect(try String(contentsOfFile: f.path("victim"), encoding: .utf8) == "keep me\n")
        #expect(try String(contentsOfFile: f.path("victim-dir/inner"), encoding: .utf8) == "keep me too\n")
    }

    @Test(arguments: AccessFixture.modes) func keepScratchLeavesItInPlace(asNobody: Bool) throws {
        let f = AccessFixture(asNobody: asNobody)
        defer { f.remove() }
        let report = f.path("report.json")
        let run = try f.bulkhead([
            "run", "--quiet", "--keep-scratch", "--report", report, "--policy", try policy(f), "--",
            "sh", "-c", "echo data > \"$BULKHEAD_SCRATCH/f\""
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let scratch = try #require((try CLI.json(report)["access"] as? [String: Any])?["scratch"] as? [String: Any])
        let path = try #require(scratch["path"] as? String)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(scratch["kept"] as? Bool == true)
        #expect(try String(contentsOfFile: path + "/f", encoding: .utf8) == "data\n")
    }

    @Test func twoRunsGetTwoDirectories() throws {
        let f = AccessFixture(asNobody: false)
        defer { f.remove() }
        let policy = try f.policy("filesystem: { scratch: true }\n")
        let first = try f.bulkhead(["run", "--quiet", "--policy", policy, "--", "sh", "-c", "echo $BULKHEAD_SCRATCH"])
        let second = try f.bulkhead(["run", "--quiet", "--policy", policy, "--", "sh", "-c", "echo $BULKHEAD_SCRATCH"])
        #expect(first.stdout.hasPrefix("/tmp/bulkhead-scratch-"))
        #expect(first.stdout != second.stdout)
    }
}

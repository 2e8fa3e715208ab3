import Foundation
import TestSupport
import Testing

/// `filesystem:` enforced by Landlock, with real tasks, as root and as uid 65534: a grant means the same
/// with or without privilege.
@Suite struct FilesystemViewTests {
    /// What sh and coreutils need to start: their programs and loader beneath /usr, /etc for the loader
    /// cache; and /dev/null, where the tasks send what they do not check (a file grant: writing it only).
    static let system = "  read: [/etc]\n  exec: [/usr]\n  write: [/dev/null]\n"

    @Test(arguments: AccessFixture.modes) func aWriteGrantAllowsWritingThereAndOnlyThere(asNobody: Bool) throws {
        let f = AccessFixture(asNobody: asNobody)
        defer { f.remove() }
        f.makeDirectory("out")
        f.makeDirectory("other")
        let policy = try f.policy(
            "filesystem:\n" + Self.system.replacingOccurrences(of: "[/dev/null]", with: "[/dev/null, \(f.path("out"))]"))
        let run = try f.bulkhead([
            "run", "--quiet", "--policy", policy, "--", "sh", "-c",
            """
            echo a > out/f && echo wrote; mkdir out/sub && echo made; mv out/f out/sub/g && echo moved; rm out/sub/g && echo removed
            echo b > other/f 2>/dev/null || echo other-denied; mkdir other/sub 2>/dev/null || echo mkdir-denied
            echo c > \(f.dir)/top 2>/dev/null || echo top-denied
            """
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "wrote\nmade\nmoved\nremoved\nother-denied\nmkdir-denied\ntop-denied\n")
        #expect(!FileManager.default.fileExists(atPath: f.path("other/f")))
        #expect(!FileManager.default.fileExists(atPath: f.path("top")))
    }

    @Test(arguments: AccessFixture.modes) func aReadGrantStaysReadOnly(asNobody: Bool) throws {
        let f = AccessFixture(asNobody: asNobody)
        defer { f.remove() }
        f.makeDirectory("ro")
        try f.write("ro/f", "kept\n", mode: 0o666)
        let policy = try f.policy("filesystem:\n" + Self.system.replacingOccurrences(of: "[/etc]", with: "[/etc, \(f.path("ro"))]"))
        let run = try f.bulkhead([
            "run", "--quiet", "--policy", policy, "--", "sh", "-c",
            """
            cat ro/f; ls ro
            (echo x >> ro/f) 2>/dev/null || echo append-denied; (: > ro/f) 2>/dev/null || echo truncate-denied
            truncate -s 0 ro/f 2>/dev/null || echo truncate2-denied
            rm ro/f 2>/dev/null || echo rm-denied; touch ro/new 2>/dev/null || echo create-denied
            """
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "kept\nf\nappend-denied\ntruncate-denied\ntruncate2-denied\nrm-denied\ncreate-denied\n")
        #expect(try String(contentsOfFile: f.path("ro/f"), encoding: .utf8) == "kept\n")
    }

    @Test(arguments: AccessFixture.modes) func runningAProgramNeedsAnExecGrant(asNobody: Bool) throws {
        let f = AccessFixture(asNobody: asNobody)
        defer { f.remove() }
        f.makeDirectory("bin")
        #expect(ExecutableFile.copy("/usr/bin/true", to: f.path("bin/mytrue")))
        // Readable but not executable: refused before the fork, naming the program.
        let denied = try f.policy("filesystem:\n  read: [/etc, \(f.path("bin"))]\n  exec: [/usr]\n", name: "denied.yaml")
        let refused = try f.bulkhead(["run", "--policy", denied, "--", f.path("bin/mytrue")])
        #expect(refused.status == 125)
        #expect(refused.stderr.contains("the command \(f.path("bin/mytrue")) lies beneath no filesystem.exec grant"), "\(refused.stderr)")
        let granted = try f.policy("filesystem:\n  read: [/etc]\n  exec: [/usr, \(f.path("bin"))]\n", name: "granted.yaml")
        let ran = try f.bulkhead(["run", "--quiet", "--policy", granted, "--", f.path("bin/mytrue")])
        #expect(ran.status == 0, "\(ran.stderr)")
        // The dynamic loader needs exec too: named, instead of a bare EACCES from execve.
        let noLoader = try f.policy("filesystem:\n  read: [/usr]\n  exec: [/usr/bin]\n", name: "noloader.yaml")
        let loader = try f.bulkhead(["run", "--policy", noLoader, "--", "/usr/bin/true"])
        #expect(loader.status == 125)
        #expect(loader.stderr.contains("its interpreter /lib64/ld-linux"), "\(loader.stderr)")
    }

    @Test(arguments: AccessFixture.modes) func aSymlinkInAGrantDoesNotLeadOut(asNobody: Bool) throws {
        let f = AccessFixture(asNobody: asNobody)
        defer { f.remove() }
        f.makeDirectory("out")
        f.makeDirectory("secret")
        try f.write("secret/file", "secret\n", mode: 0o666)
        symlink(f.path("secret"), f.path("out/dir-link"))
        symlink(f.path("secret/file"), f.path("out/file-link"))
        let policy = try f.policy(
            "filesystem:\n" + Self.system.replacingOccurrences(of: "[/dev/null]", with: "[/dev/null, \(f.path("out"))]"))
        let run = try f.bulkhead([
            "run", "--quiet", "--policy", policy, "--", "sh", "-c",
            """
            cat out/file-link 2>/dev/null || echo read-denied; echo x > out/file-link 2>/dev/null || echo write-denied
            echo y > out/dir-link/new 2>/dev/null || echo create-denied; ls out/dir-link/ 2>/dev/null || echo list-denied
            ln -s /etc out/mine && echo linked && cat out/mine/hostname > /dev/null && echo read-etc
            """
        ])
        #expect(run.status == 0, "\(run.stderr)")
        // A link the task makes leads to what the target's own grant allows (here /etc, readable).
        #expect(run.stdout == "read-denied\nwrite-denied\ncreate-denied\nlist-denied\nlinked\nread-etc\n")
        #expect(try String(contentsOfFile: f.path("secret/file"), encoding: .utf8) == "secret\n")
        #expect(!FileManager.default.fileExists(atPath: f.path("secret/new")))
    }

    @Test(arguments: AccessFixture.modes) func cwdMeansTheRunsWorkingDirectory(asNobody: Bool) throws {
        let f = AccessFixture(asNobody: asNobody)
        defer { f.remove() }
        f.makeDirectory("sub")
        let policy = try f.policy("filesystem:\n" + Self.system.replacingOccurrences(of: "[/dev/null]", with: "[/dev/null, $CWD/sub]"))
        let run = try f.bulkhead([
            "run", "--quiet", "--policy", policy, "--", "sh", "-c",
            "echo a > sub/f && echo wrote; echo b > f 2>/dev/null || echo cwd-denied"
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "wrote\ncwd-denied\n")
    }

    @Test(arguments: AccessFixture.modes) func aMissingPathIsNamedWhereItIsGranted(asNobody: Bool) throws {
        let f = AccessFixture(asNobody: asNobody)
        defer { f.remove() }
        let policy = try f.policy("filesystem:\n  read: [/etc]\n  exec: [/usr, /nonexistent-bulkhead-grant]\n")
        // Twice: the second run reads the policy from the cache (as root), which keeps where each grant was written.
        for _ in 0..<2 {
            let run = try f.bulkhead(["run", "--policy", policy, "--", "true"])
            #expect(run.status == 125)
            #expect(
                run.stderr.contains("\(policy):6:16: filesystem.exec grants /nonexistent-bulkhead-grant, which cannot be opened"),
                "\(run.stderr)")
            #expect(run.stderr.contains("ENOENT"))
            #expect(run.stderr.contains("remove it from filesystem.exec"))
        }
    }

    /// A root task in a memory-limited cgroup slot could write its pid into another cgroup: a write grant
    /// above the cgroup mounts (here /) still stops before them (the cgroup shield, folded into the
    /// task's one ruleset).
    @Test(.enabled(if: CLI.isRoot)) func aWriteGrantAboveTheCgroupMountsStopsBeforeThem() throws {
        let f = AccessFixture(asNobody: false)
        defer { f.remove() }
        let policy = try f.policy("limits: { memory: 256MiB }\nfilesystem:\n  read: [/]\n  exec: [/usr]\n  write: [/]\n")
        let run = try f.bulkhead([
            "run", "--quiet", "--policy", policy, "--", "sh", "-c",
            """
            for procs in /sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/*/cgroup.procs; do
              [ -e "$procs" ] && { (echo 0 > "$procs") 2>/dev/null && echo "escaped through $procs"; }
            done
            echo x > written && echo wrote
            """
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "wrote\n")
        // A grant inside a cgroup file system keeps its read rights only, and the run says so.
        let inside = try f.policy(
            "limits: { memory: 256MiB }\nfilesystem:\n  read: [/]\n  exec: [/usr]\n  write: [/sys/fs/cgroup]\n", name: "inside.yaml")
        let narrowed = try f.bulkhead(["run", "--policy", inside, "--", "true"])
        #expect(narrowed.status == 0, "\(narrowed.stderr)")
        #expect(
            narrowed.stderr.contains("\(inside):8:11: filesystem.write: /sys/fs/cgroup is in a cgroup file system"), "\(narrowed.stderr)")
    }
}

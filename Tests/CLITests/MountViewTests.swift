import Foundation
import TestSupport
import Testing

/// A task in a `MountView` sees exactly what is granted, as root and as uid 65534 (where the view is built
/// in a user namespace). Driven through `bulkhead-view-runner`, which runs the library's launcher as
/// whichever user starts it.
@Suite struct MountViewTests {
    enum Launcher: String, CustomTestStringConvertible, CaseIterable {
        case root, nobody
        var testDescription: String { rawValue }
    }

    /// The runner, copied where every uid may run it.
    private static let runner: String? = {
        let directory = NSTemporaryDirectory() + "bulkhead-view-bin-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o755])
        let path = directory + "/bulkhead-view-runner"
        return ExecutableFile.copy(BuiltBinaries.directory + "/bulkhead-view-runner", to: path) ? path : nil
    }()

    /// Why a launcher cannot be tested here, or nil.
    static func unavailable(_ launcher: Launcher) -> String? {
        guard geteuid() == 0 else { return "the tests start as root (to drop to uid 65534)" }
        guard launcher == .nobody else { return nil }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return "no /usr/bin/setpriv" }
        if let text = try? String(contentsOfFile: "/proc/sys/kernel/unprivileged_userns_clone", encoding: .utf8),
           text.trimmingCharacters(in: .whitespacesAndNewlines) == "0" {
            return "kernel.unprivileged_userns_clone is 0: no user namespace without root"
        }
        if let text = try? String(contentsOfFile: "/proc/sys/user/max_user_namespaces", encoding: .utf8),
           text.trimmingCharacters(in: .whitespacesAndNewlines) == "0" {
            return "user.max_user_namespaces is 0: no user namespace without root"
        }
        return nil
    }

    /// The system directories a shell needs, executable, and /etc readable: those that exist here.
    static let system: [String] = ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32"]
        .filter { FileManager.default.fileExists(atPath: $0) }.flatMap { ["--exec", $0] } + ["--read", "/etc"]

    private func run(_ launcher: Launcher, _ options: [String], _ script: String, directory: String = "/") throws -> CapturedRun {
        if let reason = Self.unavailable(launcher) { try #require(Bool(false), "\(reason)") }
        let runner = try #require(Self.runner)
        let arguments = options + ["--", "/bin/sh", "-c", script]
        switch launcher {
        case .root:
            return try CapturedRun.run(runner, arguments, environment: ["PATH": "/usr/bin:/bin"], directory: directory)
        case .nobody:
            let drop = ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"]
            return try CapturedRun.run("/usr/bin/setpriv", drop + [runner] + arguments,
                                       environment: ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent"], directory: directory)
        }
    }

    /// A directory every uid can enter, removed at the end of the test.
    private func temporaryDirectory(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "bulkhead-view-\(getpid())-\(UUID().uuidString.prefix(8))-\(name)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        return path
    }

    private func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    static let launchers = Launcher.allCases.filter { unavailable($0) == nil }

    @Test(arguments: launchers) func aTypicalViewRunsAShellAndWritesOnlyToScratch(launcher: Launcher) throws {
        let scratch = try temporaryDirectory("scratch")
        defer { remove(scratch) }
        chmod(scratch, 0o777) // root without capabilities and uid 65534 both write there
        let result = try run(launcher, Self.system + ["--scratch", scratch + ":/scratch"], """
            echo hello > /scratch/out && cat /scratch/out
            touch /etc/bulkhead-view-test 2>&1 || true
            touch /usr/bulkhead-view-test 2>&1 || true
            touch /newfile 2>&1 || true
            ls /
            """)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "hello")
        #expect(try String(contentsOfFile: scratch + "/out", encoding: .utf8) == "hello\n")
        #expect(lines.filter { $0.contains("Read-only file system") }.count == 3, "\(result.stdout)")
        #expect(!FileManager.default.fileExists(atPath: "/etc/bulkhead-view-test"))
        // The root holds the grants, their symlinks, /dev, /proc and the scratch mount point; nothing else.
        let root = Set(lines.suffix(from: 4))
        #expect(root.isSubset(of: ["bin", "sbin", "lib", "lib32", "lib64", "usr", "etc", "dev", "proc", "scratch"]), "\(root)")
        #expect(root.isSuperset(of: ["usr", "etc", "dev", "proc", "scratch", "bin", "lib"]), "\(root)")
    }

    @Test(arguments: launchers) func whatIsNotGrantedDoesNotExist(launcher: Launcher) throws {
        let secret = try temporaryDirectory("secret")
        defer { remove(secret) }
        FileManager.default.createFile(atPath: secret + "/file", contents: Data("secret".utf8))
        let result = try run(launcher, Self.system, """
            for p in /root /home /var /sys /sys/fs/cgroup /run \(secret) \(secret)/file; do test -e "$p" && echo "visible $p"; done
            echo done
            """)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "done\n")
    }

    @Test(arguments: launchers) func aSymlinkPlantedInAGrantDoesNotLeadOut(launcher: Launcher) throws {
        let granted = try temporaryDirectory("granted")
        let outside = try temporaryDirectory("outside")
        defer { remove(granted); remove(outside) }
        FileManager.default.createFile(atPath: outside + "/secret", contents: Data("secret".utf8), attributes: [.posixPermissions: 0o644])
        symlink(outside, granted + "/escape")
        symlink(outside + "/secret", granted + "/secret-link")
        let result = try run(launcher, Self.system + ["--read", granted], """
            cat \(granted)/escape/secret 2>/dev/null && echo leaked
            cat \(granted)/secret-link 2>/dev/null && echo leaked
            readlink \(granted)/escape
            """)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == outside + "\n", "\(result.stdout)")
    }

    @Test(arguments: launchers) func hiddenPathsShowNothing(launcher: Launcher) throws {
        let granted = try temporaryDirectory("hide")
        defer { remove(granted) }
        FileManager.default.createFile(atPath: granted + "/key", contents: Data("secret".utf8), attributes: [.posixPermissions: 0o644])
        try FileManager.default.createDirectory(atPath: granted + "/keys", withIntermediateDirectories: false)
        FileManager.default.createFile(atPath: granted + "/keys/one", contents: Data("secret".utf8), attributes: [.posixPermissions: 0o644])
        FileManager.default.createFile(atPath: granted + "/public", contents: Data("public".utf8), attributes: [.posixPermissions: 0o644])
        let result = try run(launcher, Self.system + ["--read", granted, "--hide", granted + "/key", "--hide", granted + "/keys",
                                                      "--hide", "/etc/shadow", "--hide", "/root"], """
            cat \(granted)/public; echo
            cat \(granted)/key 2>/dev/null; ls \(granted)/keys 2>/dev/null; cat \(granted)/keys/one 2>/dev/null
            cat /etc/shadow 2>/dev/null | head -c 1
            test -e /root && echo root
            echo end
            """)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "public\nend\n", "\(result.stdout)")
    }

    @Test(arguments: launchers) func theWorkingDirectoryUnderAPrivateTmpKeepsItsPath(launcher: Launcher) throws {
        let workdir = try temporaryDirectory("work")
        defer { remove(workdir) }
        FileManager.default.createFile(atPath: workdir + "/host-file", contents: Data())
        let result = try run(launcher, Self.system + ["--tmpfs", "/tmp"], """
            pwd; ls; ls /tmp | wc -l; echo x > inside && cat inside
            """, directory: workdir)
        #expect(result.status == 0, "\(result.stderr)")
        // The path is there, on the private /tmp: empty, writable, and alone.
        #expect(result.stdout == workdir + "\n1\nx\n", "\(result.stdout)")
        #expect(!FileManager.default.fileExists(atPath: workdir + "/inside"))
    }

    @Test(arguments: launchers) func aGrantedWorkingDirectoryUnderTmpIsTheHostOne(launcher: Launcher) throws {
        let workdir = try temporaryDirectory("granted-work")
        defer { remove(workdir) }
        chmod(workdir, 0o777)
        FileManager.default.createFile(atPath: workdir + "/host-file", contents: Data())
        let result = try run(launcher, Self.system + ["--tmpfs", "/tmp", "--write", workdir], "pwd; ls; echo x > made", directory: workdir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == workdir + "\nhost-file\n", "\(result.stdout)")
        #expect(FileManager.default.fileExists(atPath: workdir + "/made"))
    }

    @Test(arguments: launchers) func devHoldsOnlyTheMinimalNodes(launcher: Launcher) throws {
        let result = try run(launcher, Self.system, "ls /dev | tr '\\n' ' '; echo; "
                                 + "echo x > /dev/null && head -c 4 /dev/zero | wc -c; touch /dev/new 2>/dev/null || echo sealed")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "fd full null random stderr stdin stdout urandom zero \n4\nsealed\n", "\(result.stdout)")
        let withTTY = try run(launcher, Self.system + ["--tty"], "test -c /dev/tty && echo tty")
        #expect(withTTY.stdout == "tty\n", "\(withTTY.stderr)")
    }

    @Test(arguments: launchers) func theTaskCannotRemountAGrantWritable(launcher: Launcher) throws {
        let result = try run(launcher, Self.system, """
            grep CapEff /proc/self/status
            mount -o remount,bind,rw /etc 2>/dev/null && echo remounted
            mount -o remount,rw / 2>/dev/null && echo remounted-root
            umount -l /etc 2>/dev/null && echo unmounted
            touch /etc/bulkhead-view-test 2>/dev/null || echo read-only
            """)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "CapEff:\t0000000000000000\nread-only\n", "\(result.stdout)")
    }

    @Test(arguments: launchers) func theShippedDefaultPolicyRunsInAView(launcher: Launcher) throws {
        let result = try run(launcher, ["--policy", "default"] + Self.system, "cat /etc/hostname >/dev/null; echo ok")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "ok\n")
    }

    @Test(arguments: launchers) func aGrantThatDoesNotExistIsAnErrorNamingIt(launcher: Launcher) throws {
        let result = try run(launcher, Self.system + ["--read", "/nonexistent-bulkhead-grant/sub"], "true")
        #expect(result.status == 125)
        #expect(result.stderr.contains("read: /nonexistent-bulkhead-grant/sub cannot be granted"), "\(result.stderr)")
    }

    @Test(arguments: launchers) func aMountPointInsideAReadOnlyGrantMustExist(launcher: Launcher) throws {
        // Inside the bind of /usr nothing can be made: refused before the launch, naming the path.
        let result = try run(launcher, Self.system + ["--tmpfs", "/usr/share/bulkhead-nowhere/x"], "true")
        #expect(result.status == 125)
        #expect(result.stderr.contains("/usr/share/bulkhead-nowhere"), "\(result.stderr)")
    }

    @Test(arguments: launchers) func everyMountBeneathAReadOnlyGrantIsReadOnly(launcher: Launcher) throws {
        // /sys holds /sys/fs/cgroup and the hierarchies beneath it: a recursive bind, read-only all through.
        let result = try run(launcher, Self.system + ["--read", "/sys"], """
            awk '$5 ~ "^/sys" && $6 !~ /(^|,)ro(,|$)/ { print "writable", $5 }' /proc/self/mountinfo
            awk '$5 ~ "^/sys/" { n++ } END { print (n > 0) ? "submounts" : "none" }' /proc/self/mountinfo
            mkdir /sys/fs/cgroup/bulkhead-view-test 2>/dev/null && echo made
            echo end
            """)
        #expect(result.status == 0, "\(result.stderr)")
        let expected = FileManager.default.fileExists(atPath: "/sys/fs/cgroup") ? "submounts\nend\n" : "none\nend\n"
        #expect(result.stdout == expected, "\(result.stdout)")
    }

    @Test(arguments: launchers) func aReadGrantIsNotExecutable(launcher: Launcher) throws {
        let granted = try temporaryDirectory("noexec")
        defer { remove(granted) }
        FileManager.default.createFile(atPath: granted + "/tool", contents: Data("#!/bin/sh\necho ran\n".utf8),
                                       attributes: [.posixPermissions: 0o755])
        let readOnly = try run(launcher, Self.system + ["--read", granted], "\(granted)/tool 2>/dev/null || echo refused")
        #expect(readOnly.stdout == "refused\n", "\(readOnly.stdout) \(readOnly.stderr)")
        let executable = try run(launcher, Self.system + ["--exec", granted], "\(granted)/tool")
        #expect(executable.stdout == "ran\n", "\(executable.stderr)")
    }
}

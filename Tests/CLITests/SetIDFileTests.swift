import Foundation
import Testing

/// No task of a shipped policy may leave a set-user-ID or set-group-ID file, or one with file
/// capabilities: under the default policy a root task (no capabilities, but uid 0 owns almost every
/// file) could copy a program and `chmod 4755` it, a local root for any user. The probe tries one route
/// each and exits 0 only when the file carries the bits (or the attribute) afterwards.
@Suite struct SetIDFileTests {
    static let routes = ["chmod", "chmod-setgid", "fchmod", "fchmodat", "fchmodat2", "creat", "open", "openat",
                         "tmpfile", "mknod", "mknodat", "mkdir", "setxattr-capability"]

    /// A directory the task's uid may write (strict runs a root launcher's task as 65534), holding a file
    /// the chmod routes can change (strict cannot create one).
    private func scratch(owner: uid_t) throws -> (directory: String, file: String) {
        let directory = CLI.temporaryPath("setid")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        chmod(directory, 0o777)
        let file = directory + "/planted"
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        chown(file, owner, owner)
        return (directory, file)
    }

    private func expectNoSetIDFile(_ result: CLIResult, _ path: String, _ what: String) {
        #expect(result.status != 0, "\(what): \(result.stdout)\(result.stderr)")
        var info = stat()
        if lstat(path, &info) == 0 {
            #expect(info.st_mode & (S_ISUID | S_ISGID) == 0, "\(what): mode \(String(info.st_mode, radix: 8))")
        }
        // Swift's Glibc module has no <sys/xattr.h>: ask Python.
        let attribute = try? CLI.run("/usr/bin/python3", ["-c", "import os, sys; os.getxattr(sys.argv[1], 'security.capability')", path])
        #expect(attribute.map { $0.status != 0 } ?? true, "\(what): file capabilities set")
    }

    @Test(arguments: ["default", "strict"], routes)
    func aRootLauncherTaskCannotPlantOne(policy: String, route: String) throws {
        let owner: uid_t = policy == "strict" && CLI.isRoot ? 65534 : geteuid()
        let (directory, file) = try scratch(owner: owner)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let target = route.hasPrefix("chmod") || route.hasPrefix("fchmod") || route.hasPrefix("setxattr") ? file : directory + "/new"
        let result = try CLI.bulkhead(["run", "--quiet", "--policy", policy, "--", CLI.probe, "setid-file", route, target])
        expectNoSetIDFile(result, target, "\(policy) \(route)")
    }

    @Test(.enabled(if: CLI.canDropToNobody), arguments: ["default", "strict"], routes)
    func anUnprivilegedTaskCannotPlantOne(policy: String, route: String) throws {
        let (directory, file) = try scratch(owner: 65534)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let target = route.hasPrefix("chmod") || route.hasPrefix("fchmod") || route.hasPrefix("setxattr") ? file : directory + "/new"
        let result = try CLI.bulkheadAsNobody(["run", "--quiet", "--policy", policy, "--",
                                               try CLI.unprivilegedProbe(), "setid-file", route, target])
        expectNoSetIDFile(result, target, "\(policy) \(route), as nobody")
    }

    @Test func theReviewersCommandFails() throws {
        let (directory, _) = try scratch(owner: geteuid())
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // From that directory: default's view shows the working directory, not the rest of the host's /tmp.
        let result = try CLI.run(CLI.bulkhead, ["run", "--quiet", "--", "sh", "-c",
                                                "cp /usr/bin/id x && chmod 4755 x; echo $?; stat -c %a x"], directory: directory)
        #expect(result.stdout == "1\n755\n", "\(result.stdout)\(result.stderr)")
    }

    @Test func ordinaryModesStillWork() throws {
        let (directory, _) = try scratch(owner: geteuid())
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Creating, chmod to plain modes and the sticky bit; open with garbage in the mode argument when
        // it does not create (the kernel ignores it then).
        let result = try CLI.run(CLI.bulkhead, ["run", "--quiet", "--", "python3", "-c", """
            import os
            os.chdir('\(directory)')
            fd = os.open('a', os.O_CREAT | os.O_WRONLY, 0o750); os.close(fd)
            os.chmod('a', 0o1777); os.mkdir('d', 0o700)
            fd = os.open('a', os.O_RDONLY, 0o6777); os.close(fd)
            print(oct(os.stat('a').st_mode & 0o7777), oct(os.stat('d').st_mode & 0o7777))
            """], directory: directory)
        #expect(result.stdout == "0o1777 0o700\n", "\(result.stdout)\(result.stderr)")
    }
}

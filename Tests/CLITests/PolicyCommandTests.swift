import Foundation
import Testing

@Suite struct PolicyCommandTests {
    private func write(_ text: String) throws -> String {
        let path = CLI.temporaryPath("policy.yaml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func shippedPoliciesCheck() throws {
        for name in ["policies/default.yaml", "policies/strict.yaml", "default", "strict"] {
            let result = try CLI.bulkhead(["policy", "check", name])
            #expect(result.status == 0, "\(name): \(result.stderr)")
        }
    }

    @Test func badPolicyNamesFileLineAndColumn() throws {
        let path = try write("version: 1\nname: typo\nlimts:\n  wall: 10s\n")
        defer { unlink(path) }
        for arguments in [["policy", "check", path], ["run", "--policy", path, "--", "true"]] {
            let result = try CLI.bulkhead(arguments)
            #expect(result.status == 125)
            // At the start of the line, as compilers print it, so editors and CI logs can jump to it.
            #expect(result.stderr.hasPrefix("\(path):3:1: error:"), "\(result.stderr)")
            #expect(result.stderr.contains("limits"))
        }
    }

    @Test func userAndGroupNamesAreLookedUpWithoutCrashing() throws {
        // Unknown names once crashed the static binary inside glibc's NSS (SIGSEGV instead of 125).
        for (text, column) in [("user: no-such-user-bulkhead", 7), ("user: { uid: 0, gid: no-such-group-bulkhead }", 22)] {
            let path = try write("version: 1\n\(text)\n")
            defer { unlink(path) }
            let result = try CLI.bulkhead(["policy", "check", path])
            #expect(result.status == 125, "\(text): \(result.stderr)")
            #expect(result.stderr.hasPrefix("\(path):2:\(column): error: unknown "), "\(result.stderr)")
        }
        let path = try write("version: 1\nuser: { uid: nobody, gid: root }\n")
        defer { unlink(path) }
        let shown = try CLI.bulkhead(["policy", "show", path])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("uid: 65534") && shown.stdout.contains("gid: 0"), "\(shown.stdout)")
    }

    @Test func specialFilesAreRefusedWithoutHanging() throws {
        let fifo = CLI.temporaryPath("fifo.yaml")
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        for path in [fifo, "/dev/zero", "/dev/null", "/tmp", "/nonexistent.yaml"] {
            let result = try CLI.bulkhead(["policy", "check", path])
            #expect(result.status == 125, "\(path)")
            #expect(result.stderr.hasPrefix(path + ": error:"), "\(path): \(result.stderr)")
        }
    }

    @Test func unknownSyscallAndBadUnitAreLocated() throws {
        let path = try write("version: 1\nseccomp:\n  allow: [read, opneat]\nlimits:\n  memory: 12 parsecs\n")
        defer { unlink(path) }
        let result = try CLI.bulkhead(["policy", "check", path])
        #expect(result.status == 125)
        #expect(result.stderr.contains("\(path):3:"))
        #expect(result.stderr.contains("openat"))
        let units = try write("version: 1\nlimits:\n  memory: 12 parsecs\n")
        defer { unlink(units) }
        let unitResult = try CLI.bulkhead(["policy", "check", units])
        #expect(unitResult.status == 125)
        #expect(unitResult.stderr.contains("\(units):3:11: error:"), "\(unitResult.stderr)")
    }

    @Test func showPrintsTheResolvedPolicy() throws {
        let result = try CLI.bulkhead(["policy", "show", "strict"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("name: strict"))
        #expect(result.stdout.contains("execve"))
        // What show prints is itself a valid policy.
        let path = try write(result.stdout)
        defer { unlink(path) }
        #expect(try CLI.bulkhead(["policy", "check", path]).status == 0)
    }

    @Test func compilePrintsPseudoCodeOrBPF() throws {
        let text = try CLI.bulkhead(["policy", "compile", "strict"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("pseudo filter code"))
        #expect(text.stdout.contains("execve"))
        let path = CLI.temporaryPath("filter.bpf")
        defer { unlink(path) }
        let bpf = try CLI.run("/bin/sh", ["-c", "'\(CLI.bulkhead)' policy compile --bpf strict > '\(path)'"])
        #expect(bpf.status == 0)
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        #expect(size > 0 && size % 8 == 0)
    }

    @Test func groupsAreListed() throws {
        let result = try CLI.bulkhead(["policy", "groups"])
        #expect(result.status == 0)
        for group in ["@system-service", "@file-read", "@network", "@debug", "@mount"] {
            #expect(result.stdout.contains(group), "\(group)")
        }
    }
}

/// A policy file with a rule without conditions and one exception to it runs as the compiler makes it:
/// the exception wins where it matches, the general rule everywhere else.
@Suite struct PolicyExceptionTests {
    @Test func anExceptionToAnAllowIsEnforced() throws {
        let path = CLI.temporaryPath("exception.yaml")
        defer { unlink(path) }
        try """
            version: 1
            extends: default
            seccomp:
              rules:
                - { syscall: ioctl }
                - { syscall: ioctl, action: kill, when: [{ arg: 1, eq: TIOCSTI }] }
            """.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try CLI.bulkhead(["run", "--quiet", "--policy", path, "--", CLI.probe, "ioctl-tiocsti-high"]).status == 128 + SIGSYS)
        let allowed = try CLI.bulkhead(["run", "--quiet", "--policy", path, "--",
                                        "sh", "-c", "test -t 0; stty size </dev/null 2>/dev/null; echo ran"])
        #expect(allowed.status == 0 && allowed.stdout.hasSuffix("ran\n"), "\(allowed.stdout)\(allowed.stderr)")
    }
}

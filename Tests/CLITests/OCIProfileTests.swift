import Foundation
import Testing

/// `bulkhead policy export --format oci` and `bulkhead policy import`: the profile's shape, the round trip
/// judged by the audit battery, and bad input.
@Suite struct OCIProfileTests {
    static func export(_ policy: String) throws -> (profile: [String: Any], stderr: String) {
        let path = CLI.temporaryPath("\(policy.split(separator: "/").last ?? "p").json")
        defer { unlink(path) }
        let result = try CLI.bulkhead(["policy", "export", "--format", "oci", "--output", path, policy])
        #expect(result.status == 0, "\(result.stderr)")
        return (try CLI.json(path), result.stderr)
    }

    static func write(_ text: String, _ name: String) throws -> String {
        let path = CLI.temporaryPath(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The 1-based line and column where `needle` first starts in `text`.
    static func location(of needle: String, in text: String) -> (line: Int, column: Int) {
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let range = line.range(of: needle) { return (number + 1, line.distance(from: line.startIndex, to: range.lowerBound) + 1) }
        }
        return (0, 0)
    }

    static func entries(_ profile: [String: Any], named name: String) -> [[String: Any]] {
        (profile["syscalls"] as? [[String: Any]] ?? []).filter { ($0["names"] as? [String] ?? []).contains(name) }
    }

    @Test func strictExportsItsActionsArgumentsAndOnlyTheNativeArchitecture() throws {
        let (profile, stderr) = try Self.export("strict")
        #expect(profile["defaultAction"] as? String == "SCMP_ACT_KILL_PROCESS")
        #expect(profile["architectures"] as? [String] == ["SCMP_ARCH_X86_64"])
        // clone only with CLONE_THREAD: (flags & 0x10000) == 0x10000.
        let clone = try #require(Self.entries(profile, named: "clone").first)
        let args = try #require(clone["args"] as? [[String: Any]])
        #expect(clone["action"] as? String == "SCMP_ACT_ALLOW")
        #expect(args.count == 1 && args[0]["op"] as? String == "SCMP_CMP_MASKED_EQ")
        #expect(args[0]["value"] as? Int == 0x10000 && args[0]["valueTwo"] as? Int == 0x10000 && args[0]["index"] as? Int == 0)
        let clone3 = try #require(Self.entries(profile, named: "clone3").first)
        #expect(clone3["action"] as? String == "SCMP_ACT_ERRNO" && clone3["errnoRet"] as? Int == 38)
        // @groups arrive expanded; what the profile cannot carry is named.
        #expect(!Self.entries(profile, named: "read").isEmpty)
        for lost in ["capabilities", "limits (wall 10s", "user (uid 65534", "environment"] {
            #expect(stderr.contains("bulkhead: not exported: \(lost)"), "\(stderr)")
        }
    }

    @Test func defaultExportsAnErrnoDefaultAndTheIoctlExceptionBitByBit() throws {
        let (profile, _) = try Self.export("default")
        #expect(profile["defaultAction"] as? String == "SCMP_ACT_ERRNO" && profile["defaultErrnoRet"] as? Int == 38)
        // ioctl allowed except TIOCSTI and TIOCLINUX, on the low 32 bits: the kill for each request, and the
        // allow as one masked comparison per bit (libseccomp has no masked not-equal).
        let ioctl = Self.entries(profile, named: "ioctl")
        #expect(ioctl.filter { $0["action"] as? String == "SCMP_ACT_KILL_PROCESS" }.count == 2)
        #expect(ioctl.filter { $0["action"] as? String == "SCMP_ACT_ALLOW" }.count >= 32)
    }

    @Test func exportNeverReplacesAFileWithoutForceNorExportsNoFilter() throws {
        let path = try Self.write("keep me\n", "existing.json")
        defer { unlink(path) }
        let refused = try CLI.bulkhead(["policy", "export", "--format", "oci", "--output", path, "strict"])
        #expect(refused.status == 125 && refused.stderr.contains("--force"), "\(refused.stderr)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me\n")
        let forced = try CLI.bulkhead(["policy", "export", "--format", "oci", "--output", path, "--force", "strict"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try CLI.json(path)["defaultAction"] as? String == "SCMP_ACT_KILL_PROCESS")

        let none = try Self.write("version: 1\nseccomp: none\n", "none.yaml")
        defer { unlink(none) }
        let result = try CLI.bulkhead(["policy", "export", "--format", "oci", none])
        #expect(result.status == 125 && result.stderr.contains("no seccomp filter") && result.stdout.isEmpty, "\(result.stderr)")
    }

    /// Both commands only read and write files: as uid 65534, exported to stdout and imported from there.
    @Test(.enabled(if: CLI.canDropToNobody)) func exportAndImportWorkAsNobody() throws {
        let exported = try CLI.bulkheadAsNobody(["policy", "export", "--format", "oci", "strict"])
        #expect(exported.status == 0 && exported.stdout.hasPrefix("{"), "\(exported.stderr)")
        let profile = try Self.write(exported.stdout, "nobody.json")
        defer { unlink(profile) }
        chmod(profile, 0o644)
        let imported = try CLI.bulkheadAsNobody(["policy", "import", profile])
        #expect(imported.status == 0 && imported.stdout.contains("  default: kill"), "\(imported.stderr)")
    }

    // MARK: round trip

    /// Export, import, and the imported `seccomp:` in place of the original's in the resolved policy (every
    /// other key as it was): the audit battery must give each probe the same verdict and layer.
    @Test(.enabled(if: CLI.isRoot), arguments: ["strict", "default", "tasks"])
    func exportThenImportKeepsEveryAuditVerdict(policy: String) throws {
        let profile = CLI.temporaryPath("\(policy).json"), imported = CLI.temporaryPath("\(policy)-imported.yaml")
        defer { unlink(profile); unlink(imported) }
        #expect(try CLI.bulkhead(["policy", "export", "--format", "oci", "--output", profile, policy]).status == 0)
        let importRun = try CLI.bulkhead(["policy", "import", profile, "--output", imported])
        #expect(importRun.status == 0, "\(importRun.stderr)")
        let shown = try CLI.bulkhead(["policy", "show", policy]).stdout
        let grafted = try Self.write(Self.replacingSeccomp(in: shown, with: try String(contentsOfFile: imported, encoding: .utf8)),
                                     "\(policy)-grafted.yaml")
        defer { unlink(grafted) }
        func verdicts(_ policy: String) throws -> [String: String] {
            let json = CLI.temporaryPath("audit.json")
            defer { unlink(json) }
            let run = try CLI.bulkhead(["audit", "--policy", policy, "--json", json])
            #expect(run.status == 0 || run.status == 1, "\(run.stderr)")
            let probes = try CLI.json(json)["probes"] as? [[String: Any]] ?? []
            return Dictionary(uniqueKeysWithValues: probes.compactMap { probe in
                (probe["id"] as? String).map { ($0, "\(probe["verdict"] ?? "") \(probe["layer"] ?? "")") }
            })
        }
        let original = try verdicts(policy), roundTripped = try verdicts(grafted)
        #expect(original.count >= 60)
        // Resource probes race their own limits; their verdict, not the exact layer wording, is what must hold.
        let differing = original.keys.filter { original[$0] != roundTripped[$0] }.sorted()
        #expect(differing.isEmpty, "\(differing.map { "\($0): \(original[$0] ?? "") → \(roundTripped[$0] ?? "")" })")
    }

    /// The resolved policy with its top-level `seccomp:` block replaced by the one in `imported`.
    static func replacingSeccomp(in resolved: String, with imported: String) -> String {
        func split(_ text: String) -> [(key: String, lines: [Substring])] {
            var out: [(key: String, lines: [Substring])] = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.hasPrefix("#") {
                if let first = line.first, first != " " {
                    out.append((String(line.prefix { $0 != ":" }), [line]))
                } else if !out.isEmpty {
                    out[out.count - 1].lines.append(line)
                }
            }
            return out
        }
        let replacement = split(imported).first { $0.key == "seccomp" }?.lines ?? []
        return split(resolved).flatMap { $0.key == "seccomp" ? replacement : $0.lines }.joined(separator: "\n") + "\n"
    }

    // MARK: import

    @Test func importApproximatesTowardsDenialAndSaysSo() throws {
        let text = """
            {
              "defaultAction": "SCMP_ACT_ALLOW",
              "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
              "flags": ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
              "listenerPath": "/run/agent.sock",
              "syscalls": [
                { "names": ["personality"], "action": "SCMP_ACT_NOTIFY" },
                { "names": ["bpf"], "action": "SCMP_ACT_KILL_THREAD" },
                { "names": ["bpf"], "action": "SCMP_ACT_ALLOW", "includes": { "caps": ["CAP_SYS_ADMIN"] } },
                { "names": ["keyctl"], "action": "SCMP_ACT_ERRNO" },
                { "names": ["no_such_call_bulkhead"], "action": "SCMP_ACT_LOG" }
              ]
            }
            """
        let profile = try Self.write(text, "approx.json")
        let policy = CLI.temporaryPath("approx.yaml")
        defer { unlink(profile); unlink(policy) }
        let result = try CLI.bulkhead(["policy", "import", profile, "--output", policy])
        #expect(result.status == 0, "\(result.stderr)")
        for (at, words) in [("\"SCMP_ARCH_X86\"", "SCMP_ARCH_X86 is not carried"), ("\"SECCOMP_FILTER", "SPEC_ALLOW"),
                            ("\"/run/agent", "listenerPath"), ("\"SCMP_ACT_NOTIFY", "SCMP_ACT_NOTIFY"),
                            ("\"SCMP_ACT_KILL_THREAD", "kills the calling thread"), ("\"CAP_SYS_ADMIN", "applies only with CAP_SYS_ADMIN"),
                            ("\"no_such_call_bulkhead", "no_such_call_bulkhead is unknown")] {
            let (line, column) = Self.location(of: at, in: text)
            #expect(result.stderr.contains("\(profile):\(line):\(column): warning:") && result.stderr.contains(words),
                    "\(line):\(column) \(words): \(result.stderr)")
        }
        let written = try String(contentsOfFile: policy, encoding: .utf8)
        #expect(written.contains("syscall: personality, action: \"errno ENOSYS\""), "\(written)")
        #expect(written.contains("syscall: bpf, action: kill"), "\(written)")
        #expect(written.contains("syscall: keyctl, action: \"errno EPERM\""), "\(written)")
        // What the policy does, run for real: personality fails with ENOSYS (no agent answers), bpf kills.
        let personality = try CLI.bulkhead(["run", "--quiet", "--policy", policy, "--", CLI.probe, "audit", "kern-personality"])
        #expect(personality.stdout.hasPrefix("blocked ENOSYS personality"), "\(personality.stdout) \(personality.stderr)")
        let bpf = try CLI.bulkhead(["run", "--quiet", "--policy", policy, "--", CLI.probe, "audit", "kern-bpf"])
        #expect(bpf.status == 128 + SIGSYS, "\(bpf.stdout) \(bpf.stderr)")
    }

    /// A profile in Docker's form (tabs, `archMap`, Go architecture names, entries conditional on
    /// capabilities, architectures and the kernel, names of other architectures), decided for a task without
    /// capabilities on this machine, and the imported policy run for real.
    @Test func dockerStyleProfileImportsForATaskWithoutCapabilities() throws {
        let text = """
            {
            \t"defaultAction": "SCMP_ACT_ERRNO",
            \t"defaultErrnoRet": 1,
            \t"archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
            \t"syscalls": [
            \t\t{"names": ["read", "write", "exit_group", "mmap", "munmap", "mprotect", "brk", "openat", "close", "fstat", "newfstatat",
            \t\t\t"pread64", "access", "execve", "rt_sigaction", "rt_sigprocmask", "set_tid_address", "set_robust_list", "rseq",
            \t\t\t"prlimit64", "getrandom", "exit", "futex", "readlink", "uname", "_llseek", "no_such_call_bulkhead"],
            \t\t "action": "SCMP_ACT_ALLOW"},
            \t\t{"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
            \t\t{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_NE"}]},
            \t\t{"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
            \t\t{"names": ["bpf", "clone"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
            \t\t{"names": ["clone"], "action": "SCMP_ACT_ALLOW",
            \t\t "args": [{"index": 0, "value": 2114060288, "op": "SCMP_CMP_MASKED_EQ"}],
            \t\t "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]}},
            \t\t{"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "excludes": {"caps": ["CAP_SYS_ADMIN"]}}
            \t]
            }
            """
        let profile = try Self.write(text, "docker-style.json")
        let policy = CLI.temporaryPath("docker-style.yaml")
        defer { unlink(profile); unlink(policy) }
        let result = try CLI.bulkhead(["policy", "import", profile, "--output", policy])
        #expect(result.status == 0, "\(result.stderr)")
        for words in ["SCMP_ARCH_X86 is not carried", "_llseek is not a syscall of this architecture", "no_such_call_bulkhead is unknown",
                      "applies only with CAP_SYS_ADMIN: skipped", "applies only without CAP_SYS_ADMIN: kept", "from kernel 4.8: kept"] {
            #expect(result.stderr.contains(words), "\(words): \(result.stderr)")
        }
        let written = try String(contentsOfFile: policy, encoding: .utf8)
        for line in ["default: \"errno EPERM\"", "- ptrace", "- arch_prctl", "{ syscall: clone3, action: \"errno ENOSYS\" }",
                     "{ syscall: clone, action: allow, when: [{ arg: 0, has-none: 0x7e020000 }] }",
                     "{ syscall: socket, action: allow, when: [{ arg: 0, ne: 0x28, width: 64 }] }"] {
            #expect(written.contains(line), "\(line): \(written)")
        }
        #expect(!written.contains("- bpf"))
        // As run: a clone into a new user namespace and bpf get the default EPERM, an AF_VSOCK socket too.
        for (probe, verdict) in [("kern-clone-newuser", "blocked EPERM clone"), ("kern-bpf", "blocked EPERM bpf"),
                                 ("net-vsock", "blocked EPERM socket")] {
            let run = try CLI.bulkhead(["run", "--quiet", "--policy", policy, "--", CLI.probe, "audit", probe])
            #expect(run.stdout.hasPrefix(verdict), "\(probe): \(run.status) \(run.stdout) \(run.stderr)")
        }
    }

    @Test func importOfAnUnknownSyscallThatIsRefusedWouldAllowItAndIsRefused() throws {
        let profile = try Self.write("""
            {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
              {"names": ["ptrace", "no_such_call_bulkhead"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
            """, "unknown.json")
        let policy = CLI.temporaryPath("unknown.yaml")
        defer { unlink(profile); unlink(policy) }
        let result = try CLI.bulkhead(["policy", "import", profile, "--output", policy])
        #expect(result.status == 125)
        #expect(result.stderr.hasPrefix("\(profile):2:24: error: no_such_call_bulkhead is unknown"), "\(result.stderr)")
        #expect(access(policy, F_OK) != 0, "nothing is written")
    }

    @Test(arguments: [
        ("not json at all\n", 1, 1, "not JSON"),
        ("{\"defaultAction\": SCMP_ACT_ALLOW}\n", 1, 19, "as a JSON string"),
        ("{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n \"syscalls\": [{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
            + "  \"args\": [{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_SUPERSET\"}]}]}\n", 3, 43,
         "unknown operator 'SCMP_CMP_SUPERSET'"),
        ("{\"defaultAction\": \"SCMP_ACT_PANIC\"}\n", 1, 19, "unknown action 'SCMP_ACT_PANIC'"),
        ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ERRNO\",\n"
            + " \"args\": [{\"index\": 6, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]}\n", 2, 21, "outside 0...5"),
        ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sycalls\": []}\n", 1, 37, "unknown key 'sycalls'"),
    ])
    func badProfilesAreRefusedWhereTheFaultIs(text: String, line: Int, column: Int, words: String) throws {
        let profile = try Self.write(text, "bad.json")
        let policy = CLI.temporaryPath("bad.yaml")
        defer { unlink(profile); unlink(policy) }
        let result = try CLI.bulkhead(["policy", "import", profile, "--output", policy])
        #expect(result.status == 125)
        #expect(result.stderr.hasPrefix("\(profile):\(line):\(column): error:") && result.stderr.contains(words), "\(result.stderr)")
        #expect(access(policy, F_OK) != 0, "nothing is written")
    }

    @Test func aFiftyMegabyteProfileIsRefusedBeforeParsing() throws {
        let profile = CLI.temporaryPath("huge.json")
        #expect(FileManager.default.createFile(atPath: profile, contents: nil))
        defer { unlink(profile) }
        let handle = try #require(FileHandle(forWritingAtPath: profile))
        try handle.truncate(atOffset: 50 << 20)
        try handle.close()
        let result = try CLI.bulkhead(["policy", "import", profile])
        #expect(result.status == 125 && result.stderr.contains("not a seccomp profile") && result.stdout.isEmpty, "\(result.stderr)")
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@testable import BulkheadPolicy

@Suite struct ExtendsTests {
    @Test func extendsShippedAddsAllowAndReplacesRules() throws {
        let p = mustLoad("""
            version: 1
            name: child
            extends: default
            seccomp:
              allow: [ptrace]            # ptrace has a rule in the parent: rules win, it stays out of allow
              rules:
                - { syscall: socket, when: [{ arg: 0, eq: AF_UNIX }] }
                - { syscall: setuid, action: errno EPERM }
            limits: { memory: 1GiB, best-effort: [memory] }
            environment:
              set: { PATH: /bin, LANG: C }
              pass: [DISPLAY]
            """)
        let parent = try PolicyLoader.loadShipped(name: "default")
        let s = try #require(p.seccomp)
        #expect(p.name == "child")
        #expect(s.defaultAction == parent.seccomp?.defaultAction)
        #expect(!s.allow.contains("ptrace"))
        #expect(s.rules.filter { $0.syscall == "socket" }.count == 1) // replaced the parent's five
        #expect(s.rules.contains { $0.syscall == "setuid" })
        #expect(s.rules.contains { $0.syscall == "clone" })            // parent's other rules kept
        #expect(!s.allow.contains("setuid"))
        #expect(Set(s.allow).isSuperset(of: Set(parent.seccomp?.allow ?? []).subtracting(["setuid", "socket"])))
        #expect(p.limits.memory == 1 << 30 && p.limits.core == 0)
        #expect(p.environment.set == [EnvironmentVariable(name: "PATH", value: "/bin"), EnvironmentVariable(name: "LANG", value: "C")])
        #expect(p.environment.pass == ["TERM", "LANG", "LC_*", "HOME", "USER", "TZ", "DISPLAY"])
    }

    @Test func seccompInheritFalseStartsFromAnEmptySection() throws {
        let p = mustLoad("""
            version: 1
            extends: default
            seccomp:
              inherit: false
              allow: [read, write]
              rules:
                - { syscall: socket, when: [{ arg: 0, eq: AF_UNIX }] }
            """)
        let parent = try PolicyLoader.loadShipped(name: "default")
        let s = try #require(p.seccomp)
        #expect(s.defaultAction == .kill, "the default of an empty section, not the parent's errno ENOSYS")
        #expect(s.allow == ["read", "write"])
        #expect(s.rules.map(\.syscall) == ["socket"])
        #expect(p.namespaces == parent.namespaces, "only the seccomp section starts over")
    }

    @Test func childAllowAddsAndChildRuleRemovesFromMergedAllow() {
        let dir = temporaryDirectory()
        writeFile(dir + "/base.yaml", "version: 1\nseccomp:\n  default: errno EPERM\n  allow: [read, write, openat]\n")
        let p = mustLoad("""
            version: 1
            extends: ./base.yaml
            seccomp:
              allow: [close]
              rules: [{ syscall: openat, action: errno EACCES }]
            """, file: dir + "/child.yaml")
        #expect(p.seccomp?.allow == ["close", "read", "write"])
        #expect(p.seccomp?.rules == [SyscallRule(syscall: "openat", action: .errno(13))])
        #expect(p.seccomp?.defaultAction == .errno(1))
    }

    @Test func relativePathsResolveAgainstTheFile() {
        let dir = temporaryDirectory()
        writeFile(dir + "/a.yaml", "version: 1\nextends: sub/b.yaml\nname: a\n")
        _ = mkdir(dir + "/sub", 0o755)
        writeFile(dir + "/sub/b.yaml", "version: 1\nextends: c.yaml\nworkdir: /tmp\n")
        writeFile(dir + "/sub/c.yaml", "version: 1\nlimits: { cpu: 3s }\n")
        do {
            let p = try PolicyLoader.load(path: dir + "/a.yaml")
            #expect(p.name == "a" && p.workdir == "/tmp" && p.limits.cpu == 3)
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func cycle() {
        let dir = temporaryDirectory()
        writeFile(dir + "/a.yaml", "version: 1\nextends: ./b.yaml\n")
        writeFile(dir + "/b.yaml", "version: 1\nextends: ./a.yaml\n")
        #expect(throws: PolicyError(file: dir + "/b.yaml", message: "'extends' cycle: \(dir)/a.yaml -> \(dir)/b.yaml -> \(dir)/a.yaml")) {
            try PolicyLoader.load(path: dir + "/a.yaml")
        }
        writeFile(dir + "/self.yaml", "version: 1\nextends: self.yaml\n")
        #expect(loadError("version: 1\nextends: self.yaml\n", file: dir + "/self.yaml")?.contains("'extends' cycle") == true)
    }

    @Test func missingTargetPointsAtExtendsLine() {
        let dir = temporaryDirectory()
        #expect(loadError("version: 1\nname: x\nextends: ./nope.yaml\n", file: dir + "/c.yaml")
                == "\(dir)/c.yaml:3:10: error: cannot load './nope.yaml' named by 'extends': "
                    + "cannot open: No such file or directory (ENOENT)")
        #expect(loadError("version: 1\nextends: defualt\n")
                == "p.yaml:2:10: error: no shipped policy named 'defualt' (did you mean 'default'?)")
    }

    @Test func errorsInTheParentPointIntoTheParent() {
        let dir = temporaryDirectory()
        writeFile(dir + "/base.yaml", "version: 1\nseccomp:\n  allow: [read, wrte]\n")
        #expect(loadError("version: 1\nextends: base.yaml\n", file: dir + "/child.yaml")
                == "\(dir)/base.yaml:3:17: error: unknown syscall 'wrte' (did you mean 'write'?)")
    }

    @Test func depthLimit() {
        let dir = temporaryDirectory()
        for i in 0..<10 { writeFile(dir + "/p\(i).yaml", "version: 1\nextends: p\(i + 1).yaml\n") }
        writeFile(dir + "/p10.yaml", "version: 1\n")
        #expect(loadError("version: 1\nextends: p1.yaml\n", file: dir + "/p0.yaml")?.contains("deeper than 8") == true)
        #expect(loadError("version: 1\nextends: p4.yaml\n", file: dir + "/x.yaml") == nil)
    }

    @Test func absentSeccompFailsClosed() {
        #expect(mustLoad("version: 1\n").seccomp == SeccompPolicy(defaultAction: .kill, allow: [], rules: []))
        #expect(mustLoad("version: 1\nseccomp: none\n").seccomp == nil)
    }

    @Test func seccompNoneOverrides() {
        let p = mustLoad("version: 1\nextends: strict\nseccomp: none\n")
        #expect(p.seccomp == nil)
        #expect(p.limits.wall == 10)
    }
}

@Suite struct SeccompLanguageTests {
    @Test func conditionsAndWidths() throws {
        let p = mustLoad("""
            version: 1
            seccomp:
              default: errno 1
              allow: ["@process-exit", read, read]
              rules:
                - syscall: mmap
                  action: trap
                  when:
                    - { arg: 2, has-all: PROT_EXEC }
                    - { arg: 3, has-none: "MAP_SHARED | MAP_FIXED" }
                    - { arg: 1, masked-eq: [0xff00, 0o400] }
                    - { arg: 0, gt: 0x100000000 }
                    - { arg: 4, le: 5, width: 64 }
                    - { arg: 5, ne: 0b11, width: 64 }
                - { syscall: read, action: log }
            """)
        let s = try #require(p.seccomp)
        #expect(s.defaultAction == .errno(1))
        #expect(s.allow == ["exit", "exit_group"])
        #expect(s.rules.count == 2)
        #expect(s.rules[0].conditions == [
            ArgumentCondition(index: 2, comparison: .maskedEqual(mask: 4, value: 4), low32: true),
            ArgumentCondition(index: 3, comparison: .maskedEqual(mask: 0x11, value: 0), low32: true),
            ArgumentCondition(index: 1, comparison: .maskedEqual(mask: 0xff00, value: 0o400), low32: true),
            ArgumentCondition(index: 0, comparison: .greater(0x1_0000_0000), low32: false),
            ArgumentCondition(index: 4, comparison: .lessOrEqual(5), low32: false),
            ArgumentCondition(index: 5, comparison: .notEqual(3), low32: false),
        ])
        #expect(s.rules[1] == SyscallRule(syscall: "read", action: .log))
        let again = try PolicyLoader.load(text: PolicyPrinter.yaml(p), file: "x")
        #expect(again == p)
    }

    @Test func conditionErrors() {
        func rule(_ cond: String) -> String? {
            loadError("version: 1\nseccomp:\n  rules:\n    - syscall: read\n      when:\n        - \(cond)\n")
        }
        #expect(rule("{ arg: 0 }")
                == "p.yaml:6:11: error: condition has no comparison (add one of eq, ne, lt, le, gt, ge, has-all, has-none, masked-eq)")
        #expect(rule("{ eq: 1 }") == "p.yaml:6:11: error: condition is missing 'arg' (the argument index 0...5)")
        #expect(rule("{ arg: 0, eq: 1, ne: 2 }")?.hasPrefix("p.yaml:6:28: error: a condition has one comparison") == true)
        #expect(rule("{ arg: 0, eq: 0x100000000, width: 32 }") == "p.yaml:6:45: error: an operand does not fit in 32 bits (use width: 64)")
        #expect(rule("{ arg: 0, eq: 1, width: 16 }") == "p.yaml:6:35: error: width must be 32 or 64, got 16")
        #expect(rule("{ arg: 0, eq: -1 }")?.hasPrefix("p.yaml:6:25: error: a number or constant cannot be negative") == true)
        #expect(rule("{ arg: 0, eq: 99999999999999999999999 }")?
                .hasPrefix("p.yaml:6:25: error: '99999999999999999999999' is not a valid number") == true)
        #expect(rule("{ arg: 0, masked-eq: [1] }") == "p.yaml:6:32: error: masked-eq takes [MASK, VALUE], got 1 item(s)")
        #expect(rule("{ arg: 0, eqq: 1 }")
                == "p.yaml:6:21: error: unknown key 'eqq' in a condition such as { arg: 0, eq: AF_UNIX } (did you mean 'eq'?)")
        #expect(rule("{ arg: 0, eq: AF_UNIX|AF_INTE }") == "p.yaml:6:25: error: unknown constant 'AF_INTE' (did you mean 'AF_INET'?)")
    }

    @Test func groupsInRulesAndErrnoNumbers() {
        let p = mustLoad("version: 1\nseccomp:\n  rules: [{ syscall: \"@namespaces\", action: errno 13 }]\n")
        #expect(p.seccomp?.rules == [SyscallRule(syscall: "setns", action: .errno(13)),
                                     SyscallRule(syscall: "unshare", action: .errno(13))])
        #expect(loadError("version: 1\nseccomp:\n  default: errno 0\n") == "p.yaml:3:12: error: errno 0 is outside 1...4095")
        #expect(loadError("version: 1\nseccomp: off\n")
                == "p.yaml:2:10: error: expected 'none' or a mapping with default, allow and rules, got the string 'off'")
    }

    @Test func capabilitiesUserEnvironment() {
        let p = mustLoad("""
            version: 1
            capabilities: { keep: [NET_BIND_SERVICE, CAP_CHOWN, cap_chown] }
            user: { uid: root, gid: 0, groups: [0, root], best-effort: false }
            environment: { clear: false, set: { A: 1, B: "" }, pass: [LC_*] }
            workdir: /srv
            """)
        #expect(p.capabilities.keep == ["CAP_CHOWN", "CAP_NET_BIND_SERVICE"])
        #expect(p.user == UserPolicy(uid: 0, gid: 0, groups: [0], bestEffort: false))
        #expect(p.environment == EnvironmentPolicy(clear: false, set: [.init(name: "A", value: "1"), .init(name: "B", value: "")],
                                                   pass: ["LC_*"]))
        #expect(p.workdir == "/srv")
        #expect(mustLoad("version: 1\nuser: root\n").user == UserPolicy(uid: 0, gid: 0))
        #expect(loadError("version: 1\nuser: { uid: 0, gid: no-such-group-here }\n")
                == "p.yaml:2:22: error: unknown group 'no-such-group-here' "
                    + "(no such entry in /etc/group; give a group from elsewhere by gid)")
    }

    @Test func jsonIsAccepted() {
        let p = mustLoad(#"{"version": 1, "seccomp": {"default": "kill", "allow": ["read", "write"]}, "limits": {"cpu": 5}}"#)
        #expect(p.seccomp?.allow == ["read", "write"])
        #expect(p.limits.cpu == 5)
    }
}

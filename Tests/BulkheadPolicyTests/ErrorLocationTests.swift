import Testing
@testable import BulkheadPolicy

@Suite struct ErrorLocationTests {
    @Test func rendering() {
        let e = PolicyError(file: "a.yaml", line: 3, column: 5, message: "boom", hint: "did you mean 'x'?")
        #expect(e.description == "a.yaml:3:5: error: boom (did you mean 'x'?)")
        #expect(PolicyError(file: "a.yaml", message: "gone").description == "a.yaml: error: gone")
    }

    @Test func misspelledTopLevelKey() {
        #expect(loadError("version: 1\nlimts:\n  cpu: 1s\n")
                == "p.yaml:2:1: error: unknown key 'limts' in a policy (a mapping of keys such as version and seccomp) "
                    + "(did you mean 'limits'?)")
    }

    @Test func misspelledSyscall() {
        let yaml = "version: 1\nseccomp:\n  allow: [read, opneat]\n"
        #expect(loadError(yaml) == "p.yaml:3:17: error: unknown syscall 'opneat' (did you mean 'openat'?)")
    }

    @Test func wrongType() {
        let yaml = "version: 1\nseccomp:\n  allow:\n    read: 1\n"
        #expect(loadError(yaml) == "p.yaml:4:5: error: expected a list of syscall names, got a mapping")
    }

    @Test func badUnit() {
        #expect(loadError("version: 1\nlimits:\n  wall: 10 parsecs\n")
                == "p.yaml:3:9: error: unknown duration unit 'parsecs' (expected a duration such as 10s, 1.5m, 250ms or 2h)")
        #expect(loadError("version: 1\nlimits:\n  memory: 12MiBB\n")?.hasPrefix("p.yaml:3:11: error: unknown size unit 'MiBB'") == true)
        #expect(loadError("version: 1\nlimits:\n  memory: -5\n")?.hasPrefix("p.yaml:3:11: error: a size cannot be negative") == true)
        #expect(loadError("version: 1\nlimits:\n  memory: 0.5\n")?
                .hasPrefix("p.yaml:3:11: error: '0.5' is not a whole number of bytes") == true)
        #expect(loadError("version: 1\nlimits:\n  memory: 99999999999GiB\n")?
                .hasPrefix("p.yaml:3:11: error: size '99999999999GiB' is too large") == true)
    }

    @Test func zeroLimit() {
        #expect(loadError("version: 1\nlimits:\n  processes: 0\n")
                == "p.yaml:3:14: error: a processes limit of 0 would kill every task (remove the key for no limit)")
        #expect(loadError("version: 1\nlimits: { core: 0, file-size: 0 }\n") == nil)
    }

    @Test func unknownGroup() {
        #expect(loadError("version: 1\nseccomp:\n  allow: [\"@file-reed\"]\n")
                == "p.yaml:3:11: error: unknown syscall group '@file-reed' (did you mean '@file-read'?)")
    }

    @Test func unknownErrno() {
        #expect(loadError("version: 1\nseccomp:\n  default: errno EPRM\n")
                == "p.yaml:3:12: error: unknown errno name 'EPRM' (did you mean 'EPERM'?)")
    }

    @Test func unknownAction() {
        #expect(loadError("version: 1\nseccomp:\n  default: kil\n")
                == "p.yaml:3:12: error: unknown action 'kil' (did you mean 'kill'?)")
    }

    @Test func unknownCapability() {
        #expect(loadError("version: 1\ncapabilities:\n  keep: [NET_BIND_SERVIC]\n")
                == "p.yaml:3:10: error: unknown capability 'NET_BIND_SERVIC' (did you mean 'CAP_NET_BIND_SERVICE'?)")
    }

    @Test func unknownConstant() {
        let yaml = "version: 1\nseccomp:\n  rules:\n    - { syscall: socket, when: [{ arg: 0, eq: AF_UNIK }] }\n"
        #expect(loadError(yaml) == "p.yaml:4:47: error: unknown constant 'AF_UNIK' (did you mean 'AF_UNIX'?)")
    }

    @Test func argIndexOutOfRange() {
        let yaml = "version: 1\nseccomp:\n  rules:\n    - { syscall: socket, when: [{ arg: 6, eq: 1 }] }\n"
        #expect(loadError(yaml) == "p.yaml:4:40: error: argument index 6 is outside 0...5")
    }

    @Test func ruleForUnknownSyscall() {
        let yaml = "version: 1\nseccomp:\n  rules:\n    - syscall: sockett\n"
        #expect(loadError(yaml) == "p.yaml:4:16: error: unknown syscall 'sockett' (did you mean 'socket'?)")
    }

    @Test func versionMissingOrWrong() {
        #expect(loadError("name: x\n") == "p.yaml:1:1: error: missing required key 'version' (add 'version: 1')")
        #expect(loadError("version: 2\n") == "p.yaml:1:10: error: unsupported policy version '2' (this bulkhead reads version 1)")
        #expect(loadError("sandbox: {}\nversion: 2\n")
                == "p.yaml:2:10: error: unsupported policy version '2' (this bulkhead reads version 1)")
    }

    @Test func duplicateKey() {
        #expect(loadError("version: 1\nname: a\nname: b\n")?.hasPrefix("p.yaml:2:1: error: duplicate key 'name'") == true)
    }

    @Test func yamlSyntaxError() {
        #expect(loadError("version: 1\nseccomp: [read\n")?.hasPrefix("p.yaml:3:1: error: invalid YAML:") == true)
    }

    @Test func readerErrorsAreLocated() {
        #expect(loadError("version: 1\nname: a\u{7}b\n")?
                .hasPrefix("p.yaml:2:8: error: invalid YAML: control characters are not allowed") == true)
        #expect(loadError("version: 1\nname: [a\n")?.hasPrefix("p.yaml:3:1: error: invalid YAML:") == true)
    }

    @Test func emptyAndScalar() {
        #expect(loadError("") == "p.yaml: error: the policy is empty (a policy starts with 'version: 1')")
        #expect(loadError("hello")
                == "p.yaml:1:1: error: expected a policy (a mapping of keys such as version and seccomp), got the string 'hello'")
    }

    @Test func environmentNames() {
        #expect(loadError("version: 1\nenvironment:\n  set: { \"A=B\": x }\n")
                == "p.yaml:3:10: error: environment variable name 'A=B' contains '='")
        #expect(loadError("version: 1\nenvironment:\n  pass: [\"L*C*\"]\n")
                == "p.yaml:3:10: error: 'L*C*': only one trailing '*' is allowed (e.g. LC_*)")
    }

    @Test func workdirMustBeAbsolute() {
        #expect(loadError("version: 1\nworkdir: tmp\n") == "p.yaml:2:10: error: workdir must be an absolute path, got 'tmp'")
    }

    @Test func unknownUser() {
        #expect(loadError("version: 1\nuser: no-such-user-hopefully\n")
                == "p.yaml:2:7: error: unknown user 'no-such-user-hopefully' "
                    + "(no such entry in /etc/passwd; give a user from elsewhere by uid)")
        #expect(loadError("version: 1\nuser: { uid: 0, gid: no-such-group-hopefully }\n")
                == "p.yaml:2:22: error: unknown group 'no-such-group-hopefully' "
                    + "(no such entry in /etc/group; give a group from elsewhere by gid)")
    }

    @Test func missingFile() {
        #expect(throws: PolicyError(file: "/nonexistent/p.yaml", message: "cannot open: No such file or directory (ENOENT)")) {
            try PolicyLoader.load(path: "/nonexistent/p.yaml")
        }
    }
}

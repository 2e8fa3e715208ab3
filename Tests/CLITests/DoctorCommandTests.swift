import Foundation
import Testing

/// `bulkhead doctor`: every finding tried for real, a verdict per shipped policy from planning and a
/// trial launch, and a JSON document matching docs/doctor.md. The findings are checked to change where a
/// test can really change the host: a launcher that set no_new_privs, and a seccomp filter over bulkhead.
@Suite struct DoctorCommandTests {
    // MARK: - the documentation, as the specification of the output

    private static let reference: String = {
        (try? String(contentsOfFile: CLI.packageDirectory + "/docs/doctor.md", encoding: .utf8)) ?? ""
    }()

    /// The rows of a markdown table in docs/doctor.md under `heading`: the backticked names of the
    /// first cell (a cell may name several).
    private static func documentedNames(under heading: String) -> [String] {
        guard let start = reference.range(of: heading) else { return [] }
        var names: [String] = []
        var inTable = false
        for line in reference[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("#") { break }
            guard line.hasPrefix("| `") else {
                if inTable && !line.hasPrefix("|") { break }
                continue
            }
            inTable = true
            let cell = line.dropFirst(2).prefix { $0 != "|" }
            names += cell.split(separator: "`", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 1 }.map { String($0.element) }
        }
        return names
    }

    static let documentedFindingIDs = documentedNames(under: "## Findings")
    static let documentedKeys = documentedNames(under: "## JSON")

    // MARK: - helpers

    private static func parse(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    /// A value at a dotted path ("process.seccomp.mode"); for "findings[].id" and the like, the first element's.
    private static func value(_ document: [String: Any], _ path: String) -> Any? {
        var current: Any? = document
        for part in path.split(separator: ".") {
            if part.hasSuffix("[]") {
                current = ((current as? [String: Any])?[String(part.dropLast(2))] as? [Any])?.first
            } else {
                current = (current as? [String: Any])?[String(part)]
            }
        }
        return current
    }

    /// JSON true/false as Foundation hands them over: an NSNumber of a Bool, never of an integer.
    private static func isBool(_ value: Any?) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    private static func isInteger(_ value: Any?) -> Bool {
        guard let number = value as? NSNumber, !isBool(number) else { return false }
        return number.doubleValue == Double(number.intValue)
    }

    private static func isStringArray(_ value: Any?) -> Bool { (value as? [Any])?.allSatisfy { $0 is String } ?? false }

    private static func findings(_ document: [String: Any]) -> [String: [String: Any]] {
        var result: [String: [String: Any]] = [:]
        for case let finding as [String: Any] in document["findings"] as? [Any] ?? [] {
            if let id = finding["id"] as? String { result[id] = finding }
        }
        return result
    }

    private static func release() -> String {
        var names = utsname()
        uname(&names)
        return withUnsafeBytes(of: names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// Every documented key is there with its documented type; every documented finding id, and no other.
    private static func expectSchema(_ document: [String: Any], status: Int32) throws {
        #expect(documentedKeys.count > 20, "docs/doctor.md lost its JSON table")
        #expect(documentedFindingIDs.count > 20, "docs/doctor.md lost its findings table")
        #expect(document["schema"] as? String == "bulkhead-doctor/1")
        let strings = ["kernel.release", "kernel.version", "kernel.architecture", "findings[].id", "findings[].name",
                       "findings[].state", "findings[].detail", "findings[].meaning", "policies[].name", "summary.text"]
        let integers = ["process.uid", "process.gid", "process.effectiveUID", "process.capabilities.known", "process.seccomp.mode",
                        "process.seccomp.filters", "summary.available", "summary.partial", "summary.unavailable", "summary.info",
                        "exitCode"]
        let booleans = ["process.root", "process.noNewPrivs", "policies[].canRun", "summary.shippedPoliciesCanRun"]
        let arrays = ["process.capabilities.effective", "process.capabilities.permitted", "findings[].policyKeys", "policies[].warnings"]
        let nullableStrings = ["findings[].errno", "policies[].error", "policies[].trialCommand"]
        for key in documentedKeys {
            #expect(strings.contains(key) || integers.contains(key) || booleans.contains(key) || arrays.contains(key)
                        || nullableStrings.contains(key) || ["schema", "sysctls", "findings", "policies"].contains(key),
                    "docs/doctor.md documents \(key), which this test does not check")
        }
        for key in strings { #expect(value(document, key) is String, "\(key)") }
        for key in integers { #expect(isInteger(value(document, key)), "\(key): \(String(describing: value(document, key)))") }
        for key in booleans { #expect(isBool(value(document, key)), "\(key): \(String(describing: value(document, key)))") }
        for key in arrays { #expect(isStringArray(value(document, key)), "\(key)") }
        let sysctls = try #require(document["sysctls"] as? [String: Any])
        #expect(Set(sysctls.keys)
                == ["kernel.unprivileged_userns_clone", "user.max_user_namespaces", "kernel.apparmor_restrict_unprivileged_userns"])
        for (name, setting) in sysctls { #expect(setting is NSNull || isInteger(setting), "\(name)") }

        let all = try #require(document["findings"] as? [[String: Any]])
        #expect(all.compactMap { $0["id"] as? String } == documentedFindingIDs)
        for finding in all {
            #expect(["available", "partial", "unavailable", "info"].contains(finding["state"] as? String ?? ""), "\(finding)")
            #expect(finding["errno"] is NSNull || (finding["errno"] as? String)?.hasPrefix("E") == true, "\(finding)")
            #expect(isStringArray(finding["policyKeys"]) && !(finding["detail"] as? String ?? "").isEmpty)
        }
        let policies = try #require(document["policies"] as? [[String: Any]])
        #expect(policies.compactMap { $0["name"] as? String } == CLI.shippedPolicies)
        for policy in policies {
            #expect(isBool(policy["canRun"]))
            #expect(policy["error"] is NSNull || policy["error"] is String)
            #expect(policy["trialCommand"] is NSNull || policy["trialCommand"] is String)
            // A policy that cannot run says why; one that can has no error.
            #expect((policy["canRun"] as? Bool == true) == (policy["error"] is NSNull), "\(policy)")
        }
        let allRun = policies.allSatisfy { $0["canRun"] as? Bool == true }
        #expect(value(document, "summary.shippedPoliciesCanRun") as? Bool == allRun)
        #expect(value(document, "exitCode") as? Int == (allRun ? 0 : 1))
        #expect(status == (allRun ? 0 : 1))
        #expect(value(document, "kernel.release") as? String == release())
    }

    // MARK: - as root, and as nobody

    @Test(.enabled(if: CLI.isRoot)) func exitsZeroAsRootWithALinePerFinding() throws {
        let result = try CLI.bulkhead(["doctor"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "kernel: Linux \(Self.release()) (\(try #require(Self.architecture())))")
        let findingLines = lines.filter { line in ["available ", "partial ", "unavailable ", "info "].contains { line.hasPrefix($0) } }
        #expect(findingLines.count == Self.documentedFindingIDs.count, "\(result.stdout)")
        #expect(findingLines.contains { $0.contains("running as: root (uid 0)") })
        #expect(findingLines.allSatisfy { $0.contains(" -- ") })
        for name in CLI.shippedPolicies {
            #expect(lines.contains("policy \(name): can run here as uid 0 (planned, and /bin/true launched under it)"), "\(result.stdout)")
        }
        #expect(lines.last?.hasPrefix("summary: ") == true)
        #expect(lines.last?.hasSuffix("shipped policies: 5 of 5 can run as uid 0") == true)
    }

    private static func architecture() -> String? {
        var names = utsname()
        guard uname(&names) == 0 else { return nil }
        return withUnsafeBytes(of: names.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    @Test func jsonOnStdoutHasEveryDocumentedField() throws {
        let result = try CLI.bulkhead(["doctor", "--json", "-"])
        let document = try Self.parse(result.stdout)
        try Self.expectSchema(document, status: result.status)
        #expect(Self.value(document, "process.effectiveUID") as? Int == Int(geteuid()))
        #expect(Self.value(document, "process.root") as? Bool == (geteuid() == 0))
        let findings = Self.findings(document)
        // Whatever this machine is, the probes answered: Landlock's ABI is what the kernel says.
        let landlock = try #require(findings["landlock"])
        #expect((landlock["state"] as? String == "unavailable") == (landlock["errno"] is String))
    }

    @Test func jsonToAFileKeepsTheText() throws {
        let path = CLI.temporaryPath("doctor.json")
        defer { unlink(path) }
        let result = try CLI.bulkhead(["doctor", "--json", path])
        #expect(result.stdout.contains("\nsummary: "))
        let document = try CLI.json(path)
        try Self.expectSchema(document, status: result.status)
    }

    @Test(.enabled(if: CLI.canDropToNobody)) func asNobodyReportsNotRootAndStillDecidesEachPolicy() throws {
        let result = try CLI.bulkheadAsNobody(["doctor", "--json", "-"])
        let document = try Self.parse(result.stdout)
        try Self.expectSchema(document, status: result.status)
        #expect(Self.value(document, "process.root") as? Bool == false)
        #expect(Self.value(document, "process.effectiveUID") as? Int == 65534)
        #expect((Self.value(document, "process.capabilities.effective") as? [String])?.isEmpty == true)
        let findings = Self.findings(document)
        #expect((findings["identity"]?["detail"] as? String)?.hasPrefix("uid 65534, no capabilities") == true)
        // strict switches to nobody only with CAP_SETUID: here it keeps bulkhead's uid, and says so.
        let policies = try #require(document["policies"] as? [[String: Any]])
        let strict = try #require(policies.first { $0["name"] as? String == "strict" })
        if strict["canRun"] as? Bool == true {
            #expect((strict["warnings"] as? [String] ?? []).contains { $0.contains("best-effort") }, "\(strict)")
        }
        // Unprivileged, a namespace other than user is made only inside a user namespace, if at all.
        #expect(findings["namespace.net"]?["state"] as? String != "available", "\(String(describing: findings["namespace.net"]))")

        let text = try CLI.bulkheadAsNobody(["doctor"])
        #expect(text.status == result.status)
        #expect(text.stdout.contains("info         running as: uid 65534, no capabilities"))
        for name in CLI.shippedPolicies { #expect(text.stdout.contains("policy \(name): "), "\(text.stdout)") }
    }

    // MARK: - findings that follow the host

    private static var testProcessHasNoNewPrivs: Bool {
        ((try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? "").contains("NoNewPrivs:\t1")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func noNewPrivsSetByTheLauncherIsReported() throws {
        let nested = try CLI.run("/usr/bin/setpriv", ["--no-new-privs", CLI.bulkhead, "doctor", "--json", "-"])
        let document = try Self.parse(nested.stdout)
        #expect(Self.value(document, "process.noNewPrivs") as? Bool == true)
        #expect((Self.findings(document)["no-new-privs"]?["detail"] as? String)?.hasPrefix("already set") == true)
        if !Self.testProcessHasNoNewPrivs {
            let plain = try Self.parse(try CLI.bulkhead(["doctor", "--json", "-"]).stdout)
            #expect(Self.value(plain, "process.noNewPrivs") as? Bool == false)
            #expect(Self.findings(plain)["no-new-privs"]?["detail"] as? String == "not set on bulkhead")
        }
    }

    /// Inside a task of default's filter (without its view, so doctor runs as a plain task): namespaces, pidfd
    /// and the keyring are refused with ENOSYS, so no shipped policy can run there (each needs namespaces).
    @Test func underTheDefaultPolicyNamespacesPidfdAndKeyringAreRefused() throws {
        let result = try CLI.bulkhead(["run", "--quiet", "--policy", CLI.unisolatedDefault, "--", CLI.bulkhead, "doctor", "--json", "-"])
        let document = try Self.parse(result.stdout)
        try Self.expectSchema(document, status: result.status)
        #expect(Self.value(document, "process.seccomp.mode") as? Int == 2)
        #expect((Self.value(document, "process.seccomp.filters") as? Int ?? 0) >= 1)
        #expect(Self.value(document, "process.noNewPrivs") as? Bool == true)
        let findings = Self.findings(document)
        for name in ["user", "mount", "pid", "net", "ipc", "uts", "cgroup"] {
            let finding = try #require(findings["namespace.\(name)"])
            #expect(finding["state"] as? String == "unavailable", "\(finding)")
            #expect(finding["errno"] as? String == "ENOSYS", "\(finding)")
        }
        #expect(findings["userns.unprivileged"]?["state"] as? String == "unavailable")
        #expect(findings["pidfd.open"]?["errno"] as? String == "ENOSYS")
        #expect(findings["keyring"]?["errno"] as? String == "ENOSYS")
        #expect(findings["seccomp.kill-process"]?["state"] as? String == "available")
        #expect(result.status == 1, "\(result.stdout)")
        let policies = try #require(document["policies"] as? [[String: Any]])
        for policy in policies {
            #expect(policy["canRun"] as? Bool == false, "\(policy)")
            #expect((policy["error"] as? String)?.contains("namespace") == true, "\(policy)")
        }
    }

    /// Under a filter that refuses seccomp(2) itself, no policy can be applied: every seccomp finding
    /// says so, every shipped policy is refused with the reason, and doctor exits 1.
    /// `doctor --json -` as root without capabilities (as a task of the default policy: namespaces only inside a
    /// user namespace) under the filter of the policy at `path`, which the probe's load-filter installs.
    static func doctorUnderFilter(of path: String) throws -> CLIResult {
        let bpf = path + ".bpf"
        defer { unlink(bpf) }
        // Through the shell: the program is bytes, not text.
        let compiled = try CLI.run("/bin/sh", ["-c", "exec \"$0\" policy compile --bpf \"$1\" > \"$2\"", CLI.bulkhead, path, bpf])
        try #require(compiled.status == 0, "\(compiled.stderr)")
        return try CLI.run("/usr/bin/setpriv", ["--bounding-set=-all", "--inh-caps=-all", "--", CLI.probe, "load-filter", bpf,
                                                "--", CLI.bulkhead, "doctor", "--json", "-"])
    }

    @Test func underAFilterThatRefusesSeccompNoPolicyCanRun() throws {
        let path = CLI.temporaryPath("no-seccomp.yaml")
        try "version: 1\nextends: \(CLI.unisolatedDefault)\nseccomp:\n  rules:\n    - { syscall: seccomp, action: errno EPERM }\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        let result = try Self.doctorUnderFilter(of: path)
        let document = try Self.parse(result.stdout)
        try Self.expectSchema(document, status: result.status)
        #expect(result.status == 1)
        let findings = Self.findings(document)
        for id in ["seccomp.kill-process", "seccomp.trap", "seccomp.errno", "seccomp.log", "seccomp.user-notif", "seccomp.notif-sizes"] {
            #expect(findings[id]?["state"] as? String == "unavailable", "\(id)")
            #expect(findings[id]?["errno"] as? String == "EPERM", "\(id)")
        }
        for case let policy as [String: Any] in document["policies"] as? [Any] ?? [] {
            #expect(policy["canRun"] as? Bool == false)
            #expect((policy["error"] as? String)?.contains("seccomp") == true, "\(policy)")
        }
        let text = try CLI.bulkhead(["run", "--quiet", "--policy", path, "--", CLI.bulkhead, "doctor"])
        #expect(text.status == 1)
        #expect(text.stdout.contains("policy strict: CANNOT run here"))
        #expect(text.stdout.contains("shipped policies: 0 of 5 can run"))
    }

    /// A filter bulkhead runs under (a container runtime's, installed here by the probe's load-filter, as
    /// the kernel applies it: KILL_PROCESS kills the calling process only) that kills a clone making a user
    /// namespace: the probes die in their forked helper, not doctor, which reports the kill and refuses the
    /// policies whose launch would make one in its own process (every shipped policy: without CAP_SYS_ADMIN
    /// their namespaces need a user namespace). Under bulkhead itself the whole task would be killed at the
    /// first such clone (`ViolationListener`).
    @Test func aFilterThatKillsNamespaceClonesKillsOnlyTheProbe() throws {
        let path = CLI.temporaryPath("kill-userns.yaml")
        try """
        version: 1
        extends: \(CLI.unisolatedDefault)
        seccomp:
          rules:
            - { syscall: clone, when: [{ arg: 0, has-none: CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWNET|\
        CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWCGROUP }] }
            - { syscall: clone, action: kill, when: [{ arg: 0, has-all: CLONE_NEWUSER }] }

        """.write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        let result = try Self.doctorUnderFilter(of: path)
        let document = try Self.parse(result.stdout)
        try Self.expectSchema(document, status: result.status)
        let findings = Self.findings(document)
        #expect((findings["namespace.user"]?["detail"] as? String)?.contains("killed by SIGSYS at clone") == true,
                "\(String(describing: findings["namespace.user"]))")
        #expect((findings["userns.unprivileged"]?["detail"] as? String)?.contains("killed by SIGSYS") == true)
        // Without the user namespace, the others fail with the default policy's ENOSYS.
        #expect(findings["namespace.ipc"]?["errno"] as? String == "ENOSYS")
        var verdicts: [String: [String: Any]] = [:]
        for case let policy as [String: Any] in document["policies"] as? [Any] ?? [] { verdicts[policy["name"] as? String ?? ""] = policy }
        for name in CLI.shippedPolicies {
            #expect(verdicts[name]?["canRun"] as? Bool == false)
            #expect((verdicts[name]?["error"] as? String)?.contains("creating the task's namespaces kills bulkhead") == true,
                    "\(String(describing: verdicts[name]))")
        }
        #expect(result.status == 1)
    }

    // MARK: - arguments

    @Test func badArgumentsExit125() throws {
        let extra = try CLI.bulkhead(["doctor", "extra"])
        #expect(extra.status == 125)
        #expect(extra.stderr.contains("Unexpected argument 'extra'"))
        let missing = try CLI.bulkhead(["doctor", "--json"])
        #expect(missing.status == 125)
        #expect(missing.stderr.contains("Missing value for '--json <file>'"))
        let empty = try CLI.bulkhead(["doctor", "--json", ""])
        #expect(empty.status == 125)
        #expect(empty.stderr.contains("--json needs a file name, or '-' for stdout"))
        let unwritable = try CLI.bulkhead(["doctor", "--json", "/nonexistent-directory/doctor.json"])
        #expect(unwritable.status == 125)
        #expect(unwritable.stderr.contains("cannot write /nonexistent-directory/doctor.json: No such file or directory (ENOENT)"))
    }
}

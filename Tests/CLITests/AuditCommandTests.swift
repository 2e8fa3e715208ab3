import Bulkhead
import BulkheadPolicy
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// `bulkhead audit`: every probe escapes under a policy that allows everything (so each can fail) and is
/// blocked or not applicable under strict; reports, promises and exit codes.
@Suite(.serialized) struct AuditCommandTests {
    /// Allows everything bulkhead lets a policy allow: no filter, every capability root holds here, no
    /// limits, root. What stays blocked is what bulkhead always applies (`alwaysOn`).
    static let permissive = """
        version: 1
        name: permissive
        seccomp: none
        capabilities:
          keep: [CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_SETGID, CAP_SETUID,
                 CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_NET_BROADCAST, CAP_NET_ADMIN, CAP_NET_RAW, CAP_IPC_LOCK, CAP_IPC_OWNER,
                 CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_CHROOT, CAP_SYS_PTRACE, CAP_SYS_PACCT, CAP_SYS_ADMIN, CAP_SYS_BOOT,
                 CAP_SYS_NICE, CAP_SYS_TIME, CAP_SYS_TTY_CONFIG, CAP_MKNOD, CAP_LEASE, CAP_AUDIT_WRITE, CAP_AUDIT_CONTROL,
                 CAP_SETFCAP, CAP_MAC_OVERRIDE, CAP_MAC_ADMIN, CAP_SYSLOG, CAP_WAKE_ALARM, CAP_BLOCK_SUSPEND, CAP_AUDIT_READ,
                 CAP_PERFMON, CAP_BPF, CAP_CHECKPOINT_RESTORE]
        limits: {}
        """

    /// Strict with the escapes it has today (findings, see the report of the audit slice) excepted, so
    /// that the promise for every other probe is checked.
    static let strictWithFindings = """
        version: 1
        name: strict-audited
        extends: strict
        audit:
          exceptions:
            - { probe: proc-see, reason: "no pid namespace yet: the task sees every process of the host in /proc" }
        """

    /// Probes that bulkhead stops under any policy, with the layer that does: the permissive audit
    /// cannot show them escape, so `theAlwaysOnProbesCanEscapeOutsideBulkhead` does.
    static let alwaysOn: [String: AuditLayer] = {
        var layers: [String: AuditLayer] = ["file-setuid-nnp": .noNewPrivs, "kern-file-caps": .noNewPrivs, "kern-inherited-fds": .launcher]
        if SignalScope.available {
            for id in ["file-proc-fd", "file-proc-mem", "file-launcher-exe", "proc-signal", "proc-kill-all", "proc-stop", "proc-ptrace",
                       "proc-vm-readv",
                       "proc-supervisor-signal", "proc-supervisor-ptrace", "kern-setns"] { layers[id] = .landlock }
        }
        return layers
    }()

    private static func policyFile(_ name: String, _ text: String) -> String {
        let path = CLI.temporaryPath(name)
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    private static func audit(_ text: String, name: String, extra: [String] = []) throws -> (CLIResult, [String: Any], String) {
        let json = CLI.temporaryPath(name + ".json"), junit = CLI.temporaryPath(name + ".xml")
        let result = try CLI.bulkhead(["audit", "--policy", policyFile(name + ".yaml", text), "--json", json, "--junit", junit] + extra)
        return (result, try CLI.json(json), try String(contentsOfFile: junit, encoding: .utf8))
    }

    private static func probes(_ json: [String: Any]) -> [String: [String: Any]] {
        let list = json["probes"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: list.map { ($0["id"] as? String ?? "?", $0) })
    }

    @Test(.enabled(if: CLI.isRoot)) func underAPermissivePolicyEveryProbeEscapes() throws {
        let (result, json, junit) = try Self.audit(Self.permissive, name: "permissive")
        #expect(result.status == 1, "\(result.stderr)")
        let probes = Self.probes(json)
        #expect(probes.count == AuditCatalog.probes.count)
        for probe in AuditCatalog.probes {
            let entry = try #require(probes[probe.id])
            let verdict = entry["verdict"] as? String, evidence = entry["evidence"] as? String ?? ""
            if let layer = Self.alwaysOn[probe.id] {
                #expect(verdict == "blocked" && entry["layer"] as? String == layer.rawValue, "\(probe.id): \(entry)")
            } else if verdict == "not-applicable" {
                // Only for want of the interface on this kernel, never for a layer of bulkhead's.
                #expect(evidence.contains("this kernel") || evidence.contains("this host"), "\(probe.id): \(evidence)")
            } else {
                #expect(verdict == "escaped", "\(probe.id): \(entry)")
                #expect(entry["promiseHolds"] as? Bool == false)
            }
        }
        #expect(junit.contains("<failure message=\"escaped: TCP over IPv4 to a listener on the host&apos;s loopback\" "
                               + "type=\"escaped\">connected to the auditor"))
        #expect(result.stdout.contains("policy permissive:"))
    }

    @Test func theAlwaysOnProbesCanEscapeOutsideBulkhead() throws {
        // Unsandboxed, the same probes report an escape: they can fail.
        #expect(try CLI.run(CLI.probe, ["audit", "file-setuid-nnp"]).stdout.hasPrefix("escaped "))
        #expect(try CLI.run(CLI.probe, ["audit", "kern-file-caps"]).stdout.hasPrefix("escaped "))
        let inherited = try CLI.run("/bin/sh", ["-c", "exec 7</dev/null; exec \"$0\" audit kern-inherited-fds", CLI.probe])
        #expect(inherited.stdout.hasPrefix("escaped inherited descriptor 7"), "\(inherited.stdout)")
        guard CLI.isRoot else { return }
        let target = Process()
        target.executableURL = URL(fileURLWithPath: "/bin/sleep")
        target.arguments = ["30"]
        try target.run()
        // SIGKILL: the test process's children may start with SIGTERM blocked.
        defer { kill(target.processIdentifier, SIGKILL); target.waitUntilExit() }
        let pid = String(target.processIdentifier)
        for id in ["file-proc-fd", "file-proc-mem", "file-launcher-exe", "proc-signal", "proc-kill-all", "proc-stop", "proc-ptrace",
                   "proc-supervisor-signal", "proc-supervisor-ptrace", "kern-setns"] {
            let run = try CLI.run(CLI.probe, ["audit", id, pid])
            #expect(run.status == 40 && run.stdout.hasPrefix("escaped "), "\(id): \(run.stdout)")
        }
    }

    @Test(.enabled(if: CLI.isRoot)) func underStrictEveryProbeIsBlockedButTheKnownFindings() throws {
        let (result, json, junit) = try Self.audit(Self.strictWithFindings, name: "strict")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(json["promisesHold"] as? Bool == true)
        // Nothing escapes strict any more (its pid namespace took proc-see); an exception for a probe that is
        // blocked is kept and holds.
        for (id, entry) in Self.probes(json) {
            let verdict = entry["verdict"] as? String
            #expect(verdict == "blocked" || verdict == "not-applicable", "\(id): \(entry)")
            if verdict == "blocked" { #expect(entry["layer"] is String, "\(id)") }
            if id == "proc-see" { #expect(entry["exception"] as? String != nil && entry["promiseHolds"] as? Bool == true) }
        }
        // Layers found from the outcome, not from the probe: the same policy stops probes differently.
        let probes = Self.probes(json)
        #expect(probes["kern-bpf"]?["layer"] as? String == "seccomp-kill")
        #expect(probes["net-tcp4-loopback"]?["layer"] as? String == "seccomp-errno")
        #expect(probes["file-root-only"]?["layer"] as? String == "mount-view")
        #expect(probes["proc-see"]?["layer"] as? String == "namespace")
        #expect(probes["file-setuid-nnp"]?["layer"] as? String == "no-new-privs")
        #expect(probes["res-open-files"]?["layer"] as? String == "limit")
        #expect(!junit.contains("<failure"))
    }

    @Test(.enabled(if: CLI.isRoot)) func anEscapeWithoutAnExceptionBreaksThePromise() throws {
        // No filter (so no listener and no pid namespace of bulkhead's own for it) and no namespaces: the task sees
        // the host's processes.
        let open = Self.policyFile("open.yaml", "version: 1\nextends: \(CLI.unisolatedDefault)\nseccomp: none\n")
        let result = try CLI.bulkhead(["audit", "--policy", open, "--probe", "proc-see,file-setuid-nnp"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("ESCAPED"))
        #expect(result.stdout.contains("1 promise(s) broken"))
    }

    @Test func theJUnitReportParsesWithTheRequiredFields() throws {
        let json = CLI.temporaryPath("subset.json"), junit = CLI.temporaryPath("subset.xml")
        let policy = Self.policyFile("subset.yaml", """
            version: 1
            name: "subset <&> policy"
            extends: \(CLI.unisolatedDefault)
            audit: { exceptions: [{ probe: net-tcp4-loopback, reason: "fetches <deps> & more" }] }
            """)
        let result = try CLI.bulkhead(["audit", "--policy", policy, "--probe", "net-tcp*,net-alg,net-vsock,file-write-outside,kern-bpf",
                                       "--junit", junit, "--json", json])
        #expect(result.status == 1, "\(result.stderr)")
        let document = try JUnitDocument(path: junit)
        let suite = try #require(document.suites.first)
        #expect(document.suites.count == 1)
        #expect(suite.attributes["name"] == "subset <&> policy")
        #expect(suite.cases.count == 8)
        #expect(suite.attributes["tests"] == "8")
        for testcase in suite.cases {
            #expect(testcase.attributes["classname"] == "subset <&> policy")
            #expect(testcase.attributes["name"] != nil && testcase.attributes["time"] != nil)
        }
        let byName = Dictionary(uniqueKeysWithValues: suite.cases.map { ($0.attributes["name"] ?? "", $0) })
        // Escaped under default as root: a failure carrying the evidence.
        let write = try #require(byName["file-write-outside"])
        #expect(write.failure?.contains("created ") == true, "\(write)")
        #expect(suite.attributes["failures"] == String(suite.cases.filter { $0.failure != nil }.count))
        // Excepted: no failure. Blocked: no failure. Not applicable: skipped.
        #expect(byName["net-tcp4-loopback"]?.failure == nil)
        #expect(byName["kern-bpf"]?.failure == nil && byName["kern-bpf"]?.skipped == nil)
        let report = try CLI.json(json)
        for entry in report["probes"] as? [[String: Any]] ?? [] where entry["verdict"] as? String == "not-applicable" {
            #expect(byName[entry["id"] as? String ?? ""]?.skipped != nil)
        }
        #expect(report["schemaVersion"] as? Int == 1)
        #expect(report["policy"] as? String == "subset <&> policy")
        for key in ["promisesHold", "wallSeconds", "counts", "warnings", "probes"] { #expect(report[key] != nil, "\(key)") }
        for entry in report["probes"] as? [[String: Any]] ?? [] {
            for key in ["id", "family", "tries", "verdict", "layer", "evidence", "exception", "promiseHolds", "wallSeconds"] {
                #expect(entry.keys.contains(key), "\(key)")
            }
        }
    }

    @Test func theSARIFReportHasTheRequiredFieldsAndPointsAtThePolicy() throws {
        let sarif = CLI.temporaryPath("audit.sarif")
        let policy = Self.policyFile("sarif.yaml", """
            version: 1
            name: sarif
            extends: \(CLI.unisolatedDefault)
            audit:
              exceptions: [{ probe: net-tcp4-loopback, reason: fetches dependencies }]
            """)
        let result = try CLI.bulkhead(["audit", "--policy", policy, "--probe", "net-tcp4-loopback,file-write-outside,kern-bpf",
                                       "--sarif", sarif])
        #expect(result.status == 1, "\(result.stderr)")
        let log = try CLI.json(sarif)
        #expect(log["version"] as? String == "2.1.0")
        #expect((log["$schema"] as? String)?.contains("sarif-schema-2.1.0") == true)
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "bulkhead audit")
        let rules = try #require(driver["rules"] as? [[String: Any]])
        #expect(rules.count == 3 && rules.allSatisfy { $0["id"] is String })
        // Only the broken promise is a result: the escape the policy does not except, as root.
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == (CLI.isRoot ? 1 : 0), "\(results)")
        for finding in results {
            #expect(finding["ruleId"] as? String == "file-write-outside")
            #expect(finding["level"] as? String == "error")
            #expect(((finding["message"] as? [String: Any])?["text"] as? String)?.contains("escaped") == true)
            let location = try #require((finding["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
            #expect((location["artifactLocation"] as? [String: Any])?["uri"] as? String == policy)
            #expect((location["region"] as? [String: Any])?["startLine"] as? Int == 4)
            let index = try #require(finding["ruleIndex"] as? Int)
            #expect(rules[index]["id"] as? String == "file-write-outside")
        }
    }

    @Test func badInputExits125AndWritesNothing() throws {
        let report = CLI.temporaryPath("never.xml")
        let unknown = Self.policyFile("unknown-probe.yaml", "version: 1\naudit: { exceptions: [{ probe: kern-bfp, reason: x }] }\n")
        let cases: [([String], String)] = [
            (["audit", "--policy", unknown, "--junit", report], ":2:32: error: unknown probe 'kern-bfp' (did you mean 'kern-bpf'?)"),
            (["audit", "--policy", "strict", "--probe", "no-such-*", "--junit", report], "no probe matches 'no-such-*'"),
            (["audit", "--policy", "strict", "--junit", "/nonexistent/dir/r.xml"], "the folder /nonexistent/dir does not exist"),
            (["audit", "--policy", "strict", "--json", "/proc/r.json"], "cannot write /proc/r.json: the folder /proc takes no new file"),
            (["audit", "--policy", "./no-such-policy.yaml", "--junit", report], "no-such-policy.yaml"),
            (["audit"], "audit needs --policy"),
            (["audit", "--policy", "strict", "--sarif", "/nonexistent/r.sarif"], "the folder /nonexistent does not exist"),
        ]
        for (arguments, message) in cases {
            let result = try CLI.bulkhead(arguments)
            #expect(result.status == 125, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(arguments)")
        }
        #expect(!FileManager.default.fileExists(atPath: report))
    }

    @Test func theCatalogThePolicyLanguageAndTheProbeAgreeOnTheIds() throws {
        let catalog = AuditCatalog.probes.map(\.id)
        #expect(catalog == AuditProbeIDs.all)
        #expect(Set(catalog).count == catalog.count)
        #expect(catalog.count >= 45)
        let listed = try CLI.run(CLI.probe, ["audit", "--list"]).stdout.split(separator: "\n").map { String($0.split(separator: " ")[0]) }
        // kern-memfd-landed is what kern-memfd-exec executes, not a probe of its own.
        #expect(Set(listed).subtracting(["kern-memfd-landed"]) == Set(catalog))
        let printed = try CLI.bulkhead(["audit", "--list"])
        #expect(printed.status == 0)
        #expect(printed.stdout.split(separator: "\n").count == catalog.count)
        #expect(AuditCatalog.matching("net-tcp?-loopback,kern-bpf").map(\.id) == ["net-tcp4-loopback", "net-tcp6-loopback", "kern-bpf"])
    }
}

/// A JUnit file as Foundation's XMLParser reads it: the suites, their cases, and each case's outcome.
private final class JUnitDocument: NSObject, XMLParserDelegate {
    struct Case { var attributes: [String: String]; var failure: String?; var skipped: String?; var error: String? }
    struct Suite { var attributes: [String: String]; var cases: [Case] = [] }
    private(set) var suites: [Suite] = []
    private var text = ""
    private var failed: Error?

    init(path: String) throws {
        super.init()
        let parser = try #require(XMLParser(contentsOf: URL(fileURLWithPath: path)))
        parser.delegate = self
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        if let failed { throw failed }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String]) {
        text = ""
        switch name {
        case "testsuite": suites.append(Suite(attributes: attributes))
        case "testcase": suites[suites.count - 1].cases.append(Case(attributes: attributes))
        case "skipped": suites[suites.count - 1].cases[suites[suites.count - 1].cases.count - 1].skipped = attributes["message"] ?? ""
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        guard !suites.isEmpty, !suites[suites.count - 1].cases.isEmpty else { return }
        let last = suites[suites.count - 1].cases.count - 1
        if name == "failure" { suites[suites.count - 1].cases[last].failure = text }
        if name == "error" { suites[suites.count - 1].cases[last].error = text }
    }
}

/// Audits run by an ordinary user, and probes that outlive their policy's wall limit.
@Suite struct AuditEdgeTests {
    @Test(.enabled(if: CLI.canDropToNobody)) func withoutRootTheRootOnlyProbesAreNotApplicable() throws {
        let json = "/tmp/bulkhead-audit-nobody-\(getpid()).json"
        defer { unlink(json) }
        let result = try CLI.bulkheadAsNobody(["audit", "--policy", "default", "--probe", "file-root-only,file-other-home,kern-bpf",
                                               "--json", json])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let report = try CLI.json(json)
        let probes = report["probes"] as? [[String: Any]] ?? []
        #expect(probes.count == 3)
        for entry in probes where (entry["id"] as? String)?.hasPrefix("file-") == true {
            #expect(entry["verdict"] as? String == "not-applicable")
            #expect((entry["evidence"] as? String)?.contains("bulkhead is not root") == true)
        }
        #expect(probes.first { $0["id"] as? String == "kern-bpf" }?["layer"] as? String == "seccomp-kill")
    }

    @Test(.enabled(if: CLI.isRoot)) func aNetworkOfItsOwnIsTheNamespaceLayer() throws {
        let json = CLI.temporaryPath("offline.json")
        let path = CLI.packageDirectory + "/examples/offline.yaml"
        let result = try CLI.bulkhead(["audit", "--policy", path, "--probe", "net-tcp4-loopback,net-udp4-loopback,net-unix-abstract",
                                       "--json", json])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        for entry in try #require((try CLI.json(json))["probes"] as? [[String: Any]]) {
            #expect(entry["layer"] as? String == "namespace", "\(entry)")
        }
    }

    @Test(.enabled(if: SignalScope.available)) func portRulesAreTheLandlockLayer() throws {
        let json = CLI.temporaryPath("ports.json"), path = CLI.temporaryPath("ports.yaml")
        _ = FileManager.default.createFile(atPath: path, contents: Data("version: 1\nextends: default\nnetwork: { connect: [443] }\n".utf8))
        let result = try CLI.bulkhead(["audit", "--policy", path, "--probe", "net-tcp4-loopback,net-unix-abstract", "--json", json])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        for entry in try #require((try CLI.json(json))["probes"] as? [[String: Any]]) {
            #expect(entry["layer"] as? String == "landlock", "\(entry)")
        }
    }

    @Test func aStopSignalEndsTheAuditWithoutReports() throws {
        // res-cpu-spin runs for seconds under strict's CPU limit: the signal finds it running.
        let json = CLI.temporaryPath("interrupted.json")
        let result = try CLI.bulkhead(["audit", "--policy", "strict", "--probe", "res-cpu-spin,kern-*", "--json", json],
                                      signal: SIGINT, signalAfter: 1)
        #expect(result.status == 128 + SIGINT, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("interrupted by SIGINT"))
        #expect(!FileManager.default.fileExists(atPath: json))
    }

    @Test func aProbeThatOutlivesTheWallLimitIsStoppedByTheTimeout() throws {
        let path = CLI.temporaryPath("wall.yaml")
        let text = "version: 1\nname: short\nextends: default\nlimits: { wall: 1s }\n"
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        let json = CLI.temporaryPath("wall.json")
        let result = try CLI.bulkhead(["audit", "--policy", path, "--probe", "res-cpu-spin", "--json", json])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let entry = try #require((try CLI.json(json))["probes"] as? [[String: Any]]).first
        #expect(entry?["verdict"] as? String == "blocked")
        #expect(entry?["layer"] as? String == "timeout")
    }
}

import Testing
import TestSupport
@testable import BulkheadPolicy

/// `namespaces:`: the short forms, the long form, located errors, `extends`, and the round trips through
/// `policy show` and the policy cache.
@Suite struct NamespacePolicyTests {
    @Test func shortForms() {
        #expect(mustLoad("version: 1\nnamespaces: all\n").namespaces?.enabled == NamespaceKind.allCases)
        #expect(mustLoad("version: 1\nnamespaces: none\n").namespaces == NamespacePolicy())
        #expect(mustLoad("version: 1\nnamespaces: [net, pid, net]\n").namespaces?.enabled == [.pid, .net])
        #expect(mustLoad("version: 1\n").namespaces == nil)
    }

    @Test func longForm() {
        let yaml =
            "version: 1\nnamespaces:\n  enable: [pid, net, ipc, uts, user]\n"
            + "  hostname: sandbox\n  uid: 1000\n  gid: 1001\n  best-effort: [user]\n"
        #expect(
            mustLoad(yaml).namespaces
                == NamespacePolicy(
                    enabled: [.user, .pid, .net, .ipc, .uts], hostname: "sandbox",
                    uid: 1000, gid: 1001, bestEffort: [.user]))
        let all = mustLoad("version: 1\nnamespaces: { enable: all, best-effort: true }\n").namespaces
        #expect(all?.bestEffort == NamespaceKind.allCases)
    }

    @Test func errorsAreLocated() {
        #expect(
            loadError("version: 1\nnamespaces: [pid, nett]\n")
                == "p.yaml:2:19: error: unknown namespace 'nett' (did you mean 'net'?)")
        #expect(
            loadError("version: 1\nnamespaces: everything\n")
                == "p.yaml:2:13: error: unknown namespaces value 'everything' (write 'all', 'none', a list such as [pid, net], "
                + "or a mapping with enable, hostname, uid, gid, best-effort)"
        )
        #expect(
            loadError("version: 1\nnamespaces: pid\n")
                == "p.yaml:2:13: error: expected all, none or a list of namespaces, got 'pid' (write [pid])")
        #expect(loadError("version: 1\nnamespaces:\n  enabel: [pid]\n")?.hasPrefix("p.yaml:3:3: error: unknown key 'enabel'") == true)
        #expect(
            loadError("version: 1\nnamespaces:\n  enable: [pid]\n  hostname: box\n")
                == "p.yaml:4:13: error: hostname applies to the uts namespace, which this section does not enable (add uts to enable)")
        #expect(
            loadError("version: 1\nnamespaces:\n  enable: [pid]\n  uid: 0\n")
                == "p.yaml:4:8: error: uid and gid apply to the user namespace, which this section does not enable (add user to enable)")
        #expect(
            loadError("version: 1\nnamespaces:\n  enable: [uts]\n  hostname: \(String(repeating: "h", count: 65))\n")?
                .contains("the kernel takes at most 64") == true)
        #expect(
            loadError("version: 1\nnamespaces:\n  enable: [user]\n  best-effort: [usr]\n")
                == "p.yaml:4:17: error: unknown namespace 'usr' (did you mean 'user'?)")
    }

    @Test func extendsReplacesTheListAndAddsBestEffort() {
        let directory = temporaryDirectory()
        writeFile(directory + "/base.yaml", "version: 1\nnamespaces:\n  enable: [user, uts]\n  hostname: base\n  best-effort: [user]\n")
        let child = "version: 1\nextends: \(directory)/base.yaml\nnamespaces:\n  enable: [pid, net]\n  best-effort: [net]\n"
        let merged = mustLoad(child).namespaces
        #expect(merged == NamespacePolicy(enabled: [.pid, .net], hostname: "base", bestEffort: [.user, .net]))
        let untouched = mustLoad("version: 1\nextends: \(directory)/base.yaml\n").namespaces
        #expect(untouched?.enabled == [.user, .uts])
    }

    @Test(arguments: [
        NamespacePolicy(enabled: NamespaceKind.allCases, hostname: "a\tb", uid: 0, gid: 7, bestEffort: [.user, .cgroup]),
        NamespacePolicy(),
        NamespacePolicy(enabled: [.net], bestEffort: [.net])
    ])
    func roundTrips(namespaces: NamespacePolicy) throws {
        var policy = mustLoad("version: 1\n")
        policy.namespaces = namespaces
        #expect(PolicyCodec.decode(PolicyCodec.encode(policy)) == policy)
        #expect(try PolicyLoader.load(text: PolicyPrinter.yaml(policy), file: "x") == policy)
    }

    @Test func aNetworkNamespaceIsNotTheHostsNetwork() throws {
        let host = try PolicyLinter.lint(text: "version: 1\nseccomp: { default: allow }\n", file: "p.yaml")
        #expect(host.findings.contains { $0.rule == "network-host" })
        let own = try PolicyLinter.lint(text: "version: 1\nseccomp: { default: allow }\nnamespaces: [net]\n", file: "p.yaml")
        #expect(!own.findings.contains { $0.rule == "network-host" })
    }
}

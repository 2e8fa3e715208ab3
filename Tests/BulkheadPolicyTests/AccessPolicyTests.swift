import Testing
import TestSupport
@testable import BulkheadPolicy

/// `filesystem:` and `network:`: what they parse to, where their errors point, and how `extends`,
/// the printer and the cache codec carry them.
@Suite struct AccessPolicyTests {
    static let full = """
        version: 1
        filesystem:
          read: [/usr, /etc/ssl]
          write: [$CWD, /var/tmp/out]
          exec: [/usr/bin, /lib64?, $COMMAND]
          tmpfs: [/tmp, /run]
          hide: [/root, "/etc/ssh/ssh_host_*"]
          scratch: true
          best-effort: false
        network:
          connect: [443, 80]
          bind: [8080]
          unix: [/run/postgresql/.s.PGSQL.5432]
          best-effort: true
        """

    @Test func parsesEveryKey() throws {
        let policy = mustLoad(Self.full)
        let f = try #require(policy.filesystem)
        #expect(f.read.map(\.path) == ["/usr", "/etc/ssl"])
        #expect(f.write.map(\.path) == ["$CWD", "/var/tmp/out"])
        #expect(f.exec.map(\.written) == ["/usr/bin", "/lib64?", "$COMMAND"])
        #expect(f.exec.map(\.optional) == [false, true, false])
        #expect(f.tmpfs.map(\.path) == ["/tmp", "/run"] && f.hide.map(\.path) == ["/root", "/etc/ssh/ssh_host_*"])
        #expect(f.restricts && f.scratch && !f.bestEffort)
        #expect(
            policy.network
                == .rules(
                    NetworkRules(
                        connect: [443, 80], bind: [8080],
                        unix: [PathGrant("/run/postgresql/.s.PGSQL.5432")], bestEffort: true)))
    }

    @Test func everyGrantKeepsWhereItWasWritten() throws {
        let f = try #require(mustLoad(Self.full, file: "dir/p.yaml").filesystem)
        #expect(f.write[1].location == PolicyLocation(file: "dir/p.yaml", line: 4, column: 17))
        #expect(f.exec[0].location?.description == "dir/p.yaml:5:10")
    }

    @Test func networkModes() {
        #expect(mustLoad("version: 1\nnetwork: none\n").network == .none)
        #expect(mustLoad("version: 1\nnetwork: host\n").network == .host)
        #expect(mustLoad("version: 1\n").network == .host)
        #expect(mustLoad("version: 1\n").filesystem == nil)
        // scratch alone makes a directory without restricting the view.
        #expect(mustLoad("version: 1\nfilesystem: { scratch: true }\n").filesystem?.restricts == false)
        #expect(mustLoad("version: 1\nfilesystem: { read: [] }\n").filesystem?.restricts == true)
    }

    @Test(arguments: [
        ("version: 1\nfilesystem: { reed: [/usr] }\n", "p.yaml:2:15: error: unknown key 'reed'", "did you mean 'read'?"),
        (
            "version: 1\nfilesystem:\n  tmpfss: [/tmp]\n", "p.yaml:3:3: error: unknown key 'tmpfss'", "did you mean 'tmpfs'?"
        ),
        ("version: 1\nfilesystem:\n  tmpfs: [$CWD]\n", "p.yaml:3:11: error: filesystem.tmpfs takes absolute paths", ""),
        ("version: 1\nfilesystem:\n  read: [/usr/*]\n", "p.yaml:3:10: error: filesystem.read: '/usr/*' has a '*'", "ssh_host_*"),
        ("version: 1\nfilesystem:\n  hide: [/*/x]\n", "p.yaml:3:10: error: filesystem.hide: '/*/x' has a '*'", ""),
        ("version: 1\nfilesystem:\n  hide: [/]\n", "p.yaml:3:10: error: filesystem.hide cannot name the root directory", ""),
        ("version: 1\nfilesystem:\n  tmpfs: [/.]\n", "p.yaml:3:11: error: filesystem.tmpfs cannot name the root directory", ""),
        ("version: 1\nfilesystem:\n  read: [/usr/../etc]\n", "p.yaml:3:10: error: filesystem.read: '/usr/../etc' goes up", ""),
        (
            "version: 1\nnamespaces: [net]\nnetwork: { connect: [443] }\n", "p.yaml:3:10: error: network: rules use the host's network",
            "remove net from namespaces"
        ),
        (
            "version: 1\nfilesystem:\n  read: [usr/lib]\n", "p.yaml:3:10: error: filesystem.read takes absolute paths, got 'usr/lib'",
            "$CWD/usr/lib"
        ),
        (
            "version: 1\nfilesystem:\n  write: [$CDW/out]\n", "p.yaml:3:11: error: unknown placeholder '$CDW' in filesystem.write",
            "did you mean '$CWD'?"
        ),
        ("version: 1\nfilesystem: { scratch: yes }\n", "p.yaml:2:24: error: expected scratch (true or false)", ""),
        ("version: 1\nnetwork: nonee\n", "p.yaml:2:10: error: expected none, host or a mapping", "did you mean 'none'?"),
        ("version: 1\nnetwork:\n  connect: [70000]\n", "p.yaml:3:13: error: network.connect: 70000 is not a TCP port", "1...65535"),
        ("version: 1\nnetwork:\n  connect: [0]\n", "p.yaml:3:13: error: network.connect: 0 is not a TCP port", ""),
        ("version: 1\nnetwork:\n  conect: [80]\n", "p.yaml:3:3: error: unknown key 'conect'", "did you mean 'connect'?"),
        ("version: 1\nnetwork:\n  unix: [run/x.sock]\n", "p.yaml:3:10: error: network.unix takes absolute paths", ""),
        ("version: 1\nnetwork:\n  bind: 8080\n", "p.yaml:3:9: error: expected a list of TCP port numbers", "")
    ])
    func errorsAreLocated(yaml: String, prefix: String, hint: String) throws {
        let error = try #require(loadError(yaml))
        #expect(error.hasPrefix(prefix), "\(error)")
        #expect(hint.isEmpty || error.contains(hint), "\(error)")
    }

    @Test func extendsAddsGrantsAndReplacesTheNetwork() throws {
        let dir = temporaryDirectory()
        writeFile(dir + "/base.yaml", "version: 1\nfilesystem: { read: [/usr], scratch: true }\nnetwork: { connect: [443] }\n")
        let child = try PolicyLoader.load(
            text: "version: 1\nextends: ./base.yaml\nfilesystem: { read: [/etc], write: [/tmp] }\nnetwork: none\n",
            file: dir + "/child.yaml")
        let f = try #require(child.filesystem)
        #expect(f.read.map(\.path) == ["/usr", "/etc"])
        #expect(f.write.map(\.path) == ["/tmp"])
        #expect(f.scratch)
        #expect(child.network == .none)
        // Each grant still points into the file that wrote it.
        #expect(f.read[0].location?.file == dir + "/base.yaml")
        #expect(f.read[1].location?.file == dir + "/child.yaml")
    }

    /// `inherit: false` starts a file's view from nothing; a network on the host leaves an inherited
    /// network namespace out (it would have no network at all).
    @Test func aChildCanNarrowTheViewAndLeaveTheNetworkNamespace() throws {
        let dir = temporaryDirectory()
        writeFile(dir + "/base.yaml",
                  "version: 1\nnamespaces: [pid, net, mount]\nnetwork: none\nfilesystem: { read: [/], tmpfs: [/tmp] }\n")
        let child = try PolicyLoader.load(
            text: "version: 1\nextends: ./base.yaml\nfilesystem: { inherit: false, read: [/usr] }\nnetwork: { connect: [443] }\n",
            file: dir + "/child.yaml")
        #expect(child.filesystem?.read.map(\.path) == ["/usr"] && child.filesystem?.tmpfs == [])
        #expect(child.namespaces?.enabled == [.pid, .mount])
        let added = try PolicyLoader.load(text: "version: 1\nextends: ./base.yaml\nfilesystem: { read: [/usr] }\n", file: dir + "/c2.yaml")
        #expect(added.filesystem?.read.map(\.path) == ["/", "/usr"] && added.namespaces?.enabled == [.pid, .net, .mount])
    }

    @Test func printedPolicyLoadsBackEqual() {
        for text in [Self.full, "version: 1\nnetwork: none\nfilesystem: { scratch: true }\n", "version: 1\nnetwork: { connect: [1] }\n"] {
            let policy = mustLoad(text)
            let printed = PolicyPrinter.yaml(policy)
            #expect(mustLoad(printed) == policy, "\(printed)")
        }
    }

    @Test func theCacheCodecKeepsGrantsAndTheirLocations() throws {
        for text in [Self.full, "version: 1\nnetwork: none\n", "version: 1\nnetwork: { bind: [0] }\nfilesystem: { exec: [] }\n"] {
            let policy = mustLoad(text, file: "/srv/p.yaml")
            let decoded = try #require(PolicyCodec.decode(PolicyCodec.encode(policy)))
            #expect(decoded == policy)
            #expect(decoded.filesystem?.write.map(\.location) == policy.filesystem?.write.map(\.location))
            if case .rules(let rules) = decoded.network, case .rules(let original) = policy.network {
                #expect(rules.unix?.map(\.location) == original.unix?.map(\.location))
            }
        }
    }
}

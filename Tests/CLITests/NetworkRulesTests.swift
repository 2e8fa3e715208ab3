import Bulkhead
import CLaunch
import Foundation
import Testing

/// A listening socket of the test process, on the host's network: what a task may or may not reach.
final class Listener {
    let fd: Int32
    /// The TCP port, or 0 for an abstract unix socket.
    private(set) var port: UInt16 = 0

    /// Listens on 127.0.0.1 at a port the kernel picks.
    init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        try #require(bound)
        port = UInt16(bigEndian: address.sin_port)
    }

    /// Listens on the abstract unix socket `name` (no file: the name lives in the network namespace).
    init(abstract name: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = [0] + Array(name.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { for (i, b) in bytes.enumerated() { $0[i] = b } }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 8) == 0 }
        }
        try #require(bound)
    }

    /// A TCP port nothing listens on now (bound and let go).
    static func freePort() throws -> UInt16 {
        let listener = try Listener()
        return listener.port
    }

    deinit { close(fd) }
}

/// `network:` with real tasks on the host's network, as root and as uid 65534.
@Suite struct NetworkRulesTests {
    /// Prints, for each target, "NAME ok" or "NAME ERRNO": tcp:PORT connects, bind:PORT binds, abstract:NAME
    /// connects to an abstract unix socket.
    static let client = """
        import socket, sys
        for target in sys.argv[1:]:
            kind, _, arg = target.partition(":")
            try:
                if kind == "abstract":
                    s = socket.socket(socket.AF_UNIX); s.connect("\\0" + arg)
                elif kind == "tcp":
                    s = socket.socket(); s.connect(("127.0.0.1", int(arg)))
                else:
                    s = socket.socket(); s.bind(("127.0.0.1", int(arg)))
                print(kind, "ok")
            except OSError as e:
                print(kind, e.errno)
        """

    private func run(_ f: AccessFixture, policy body: String, _ targets: [String], report: String? = nil) throws -> CLIResult {
        let policy = try f.policy(body)
        try f.write("client.py", Self.client)
        return try f.bulkhead(
            ["run", "--quiet"] + (report.map { ["--report", $0] } ?? []) + ["--policy", policy, "--", "python3", "client.py"] + targets)
    }

    @Test(arguments: AccessFixture.modes) func onlyGrantedPortsConnect(asNobody: Bool) throws {
        let f = AccessFixture(asNobody: asNobody)
        defer { f.remove() }
        let granted = try Listener(), other = try Listener()
        let report = f.path("report.json")
        let result = try run(
            f, policy: "network:\n  connect: [\(granted.port)]\n", ["tcp:\(granted.port)", "tcp:\(other.port)"], report: report)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "tcp ok\ntcp \(EACCES)\n")
        // The report says what was applied.
        let access = try #require(try CLI.json(report)["access"] as? [String: Any])
        #expect(access["network"] as? String == "rules")
        let landlock = try #require(access["landlock"] as? [String: Any])
        #expect(landlock["abi"] as? Int == Int(bh_landlock_abi()))
        #expect(landlock["rules"] as? Int == 1)
    }

    @Test(arguments: AccessFixture.modes) func onlyGrantedPortsBind(asNobody: Bool) throws {
        let f = AccessFixture(asNobody: asNobody)
        defer { f.remove() }
        let granted = try Listener.freePort(), other = try Listener.freePort()
        let result = try run(f, policy: "network:\n  bind: [\(granted)]\n", ["bind:\(granted)", "bind:\(other)"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "bind ok\nbind \(EACCES)\n")
    }

    @Test(arguments: AccessFixture.modes) func abstractSocketsOutsideAreOutOfReach(asNobody: Bool) throws {
        let f = AccessFixture(asNobody: asNobody)
        defer { f.remove() }
        let name = "bulkhead-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let listener = try Listener(abstract: name)
        defer { withExtendedLifetime(listener) {} }
        // The host network as such reaches it: the rules are what keep the task out.
        #expect(try run(f, policy: "network: host\n", ["abstract:\(name)"]).stdout == "abstract ok\n")
        let result = try run(f, policy: "network:\n  connect: []\n", ["abstract:\(name)"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "abstract \(EPERM)\n")
    }

    @Test(arguments: AccessFixture.modes) func noNetworkCannotReachTheHostsLoopback(asNobody: Bool) throws {
        let f = AccessFixture(asNobody: asNobody)
        defer { f.remove() }
        let listener = try Listener()
        let name = "bulkhead-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let abstract = try Listener(abstract: name)
        defer { withExtendedLifetime(abstract) {} }
        let report = f.path("report.json")
        let result = try run(f, policy: "network: none\n", ["tcp:\(listener.port)", "abstract:\(name)"], report: report)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("tcp ") && !result.stdout.contains("ok"), "\(result.stdout)")
        #expect((try CLI.json(report)["access"] as? [String: Any])?["network"] as? String == "none")
        // A network namespace of its own: not the host's.
        let namespace = try f.bulkhead(["run", "--quiet", "--policy", f.path("policy.yaml"), "--", "readlink", "/proc/self/ns/net"])
        let host = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
        #expect(namespace.status == 0, "\(namespace.stderr)")
        #expect(namespace.stdout.hasPrefix("net:[") && namespace.stdout != host + "\n", "\(namespace.stdout)")
    }

    @Test(.enabled(if: bh_landlock_abi() < 9), arguments: AccessFixture.modes)
    func namedSocketRulesAreRefusedWhereLandlockCannotHoldThem(asNobody: Bool) throws {
        let f = AccessFixture(asNobody: asNobody)
        defer { f.remove() }
        let refused = try run(f, policy: "network:\n  unix: [/run]\n", [])
        #expect(refused.status == 125)
        #expect(refused.stderr.contains("network: cannot be enforced: network.unix"), "\(refused.stderr)")
        #expect(refused.stderr.contains("network.best-effort"))
        let report = f.path("report.json")
        let warned = try run(f, policy: "network:\n  unix: [/run]\n  best-effort: true\n", [], report: report)
        #expect(warned.status == 0, "\(warned.stderr)")
        let warnings = try #require(try CLI.json(report)["warnings"] as? [String])
        #expect(warnings.contains { $0.hasPrefix("network: not enforced (best-effort): network.unix") }, "\(warnings)")
    }
}

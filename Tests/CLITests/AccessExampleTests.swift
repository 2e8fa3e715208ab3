import Foundation
import Testing

/// The example policies in examples/ that use `filesystem:` and `network:` load, and do what their
/// comments say.
@Suite struct AccessExampleTests {
    private func example(_ name: String) -> String { CLI.packageDirectory + "/examples/" + name }

    @Test(arguments: ["workspace.yaml", "offline.yaml", "https-client.yaml"]) func examplesCheck(name: String) throws {
        let check = try CLI.bulkhead(["policy", "check", example(name)])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    @Test(arguments: AccessFixture.modes) func workspaceWritesOnlyItsDirectoryAndScratch(asNobody: Bool) throws {
        let f = AccessFixture(asNobody: asNobody)
        defer { f.remove() }
        try f.write("workspace.yaml", try String(contentsOfFile: example("workspace.yaml"), encoding: .utf8))
        let run = try f.bulkhead([
            "run", "--quiet", "--policy", f.path("workspace.yaml"), "--", "sh", "-c",
            """
            echo built > out && cat out; echo tmp > "$BULKHEAD_SCRATCH/t" && cat "$BULKHEAD_SCRATCH/t"
            (echo x > /tmp/bulkhead-workspace-escape-\(getpid())) 2>/dev/null || echo outside-denied
            """
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "built\ntmp\noutside-denied\n")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/bulkhead-workspace-escape-\(getpid())"))
    }

    @Test func offlineAndHTTPSClientKeepTheTaskOffOtherPorts() throws {
        let f = AccessFixture(asNobody: false)
        defer { f.remove() }
        let listener = try Listener()
        try f.write("client.py", NetworkRulesTests.client)
        let port = try Listener.freePort()
        // Offline: the host's listener is out of reach; binding in its own namespace is the task's affair.
        let offline = try f.bulkhead([
            "run", "--quiet", "--policy", example("offline.yaml"), "--", "python3", "client.py",
            "tcp:\(listener.port)", "bind:\(port)"
        ])
        #expect(offline.status == 0, "\(offline.stderr)")
        #expect(offline.stdout.hasPrefix("tcp ") && !offline.stdout.hasPrefix("tcp ok"), "\(offline.stdout)")
        let https = try f.bulkhead([
            "run", "--quiet", "--policy", example("https-client.yaml"), "--", "python3", "client.py",
            "tcp:\(listener.port)", "bind:\(port)"
        ])
        #expect(https.status == 0, "\(https.stderr)")
        #expect(https.stdout == "tcp \(EACCES)\nbind \(EACCES)\n")
    }
}

import Foundation
import Testing

/// The project holds its own policies to the probe battery: each shipped policy's escapes, as root on this
/// kind of machine, are pinned. A change that lets one more probe through fails here. (A pinned escape that
/// no longer happens is not a failure: on a machine without, say, a routable IPv6 address that probe does
/// not apply.) Issue 9 (namespaces, the file-system view, `network: none`
/// in the shipped policies) is what empties these lists.
@Suite(.serialized) struct ShippedPolicyAuditTests {
    static let network = ["net-tcp4-loopback", "net-tcp6-loopback", "net-udp4-loopback", "net-udp6-loopback", "net-tcp4-routable",
                          "net-tcp6-routable", "net-udp4-routable", "net-udp6-routable", "net-netlink", "net-unix-abstract",
                          "net-unix-named"]
    static let files = ["file-root-only", "file-list-root", "file-write-outside", "file-symlink-out", "file-hardlink-out"]

    /// Known escapes per shipped policy (the probes that do not apply on a machine are never escapes).
    static let knownEscapes: [String: Set<String>] = [
        "strict": ["proc-see"],
        "default": Set(network + files + ["proc-see", "kern-memfd-exec", "res-fork-bomb", "res-thread-bomb", "res-memory-bomb",
                                          "res-cpu-spin", "res-disk-fill", "res-open-files", "res-inotify", "res-inotify-watches"]),
        "tasks": Set(network + files + ["proc-see", "kern-memfd-exec", "res-disk-fill", "res-inotify", "res-inotify-watches"]),
    ]

    @Test(.enabled(if: CLI.isRoot), arguments: ["strict", "default", "tasks"])
    func noShippedPolicyLetsMoreThroughThanPinned(policy: String) throws {
        let json = CLI.temporaryPath("shipped-audit-\(policy).json")
        let result = try CLI.bulkhead(["audit", "--policy", policy, "--json", json])
        let report = try CLI.json(json)
        let probes = report["probes"] as? [[String: Any]] ?? []
        #expect(probes.count >= 45, "\(result.stderr)")
        let escaped = Set(probes.filter { $0["verdict"] as? String == "escaped" }.compactMap { $0["id"] as? String })
        let known = Self.knownEscapes[policy] ?? []
        #expect(escaped.subtracting(known).isEmpty, "\(policy) lets through more than pinned: \(escaped.subtracting(known).sorted())")
        #expect(result.status == (escaped.isEmpty ? 0 : 1))
    }
}

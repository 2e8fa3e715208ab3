import Foundation
import Testing

/// The project holds its own policies to the probe battery: each shipped policy's escapes, as root on this
/// kind of machine, are pinned. A change that lets one more probe through fails here. (A pinned escape that
/// no longer happens is not a failure: on a machine without, say, a routable IPv6 address that probe does
/// not apply.)
@Suite(.serialized) struct ShippedPolicyAuditTests {
    /// What no layer holds yet: memfd programs (Landlock governs files with a path), inotify, and the limits a
    /// policy does not set; UDP on the host's network (Landlock restricts TCP only).
    static let resources = ["res-fork-bomb", "res-thread-bomb", "res-memory-bomb", "res-cpu-spin", "res-open-files", "res-inotify",
                            "res-inotify-watches"]
    static let udp = ["net-udp4-loopback", "net-udp6-loopback", "net-udp4-routable", "net-udp6-routable"]

    /// Known escapes per shipped policy (the probes that do not apply on a machine are never escapes).
    static let knownEscapes: [String: Set<String>] = [
        "strict": [],
        "default": Set(resources + ["kern-memfd-exec"]),
        "tasks": ["kern-memfd-exec", "res-inotify", "res-inotify-watches"],
        "network-client": Set(resources + udp + ["kern-memfd-exec", "net-netlink"]),
        "build": ["kern-memfd-exec", "res-cpu-spin", "res-inotify", "res-inotify-watches"],
    ]

    @Test(.enabled(if: CLI.isRoot), arguments: CLI.shippedPolicies)
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

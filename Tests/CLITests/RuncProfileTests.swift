import Foundation
import Testing

/// The exported profiles applied by a real OCI runtime: Debian's `runc`, the host's `/` bound read-only as
/// the bundle's root, each probe run once under runc with the exported profile and once under bulkhead with
/// the policy, and their verdicts compared. Needs root and runc (`scripts/test` installs it).
@Suite(.serialized) struct RuncProfileTests {
    static let runc: String? = ["/usr/sbin/runc", "/usr/bin/runc"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var canRun: Bool { CLI.isRoot && runc != nil }

    /// The probes that need nothing made for them by the auditor (no listener, no victim process, no folder).
    static let probes = ["net-raw", "net-packet", "net-netlink", "net-alg", "net-vsock", "file-list-root", "file-setuid-nnp",
                         "kern-bpf", "kern-perf-event", "kern-io-uring", "kern-userfaultfd", "kern-keyctl", "kern-kexec",
                         "kern-init-module", "kern-unshare", "kern-clone-newuser", "kern-clone3-newuser", "kern-personality",
                         "kern-int80", "kern-x32", "kern-socketcall", "kern-memfd-exec", "kern-tiocsti", "kern-tiocsti-high",
                         "kern-tioclinux", "kern-tioclinux-high", "kern-capset", "kern-file-caps", "kern-inherited-fds"]

    /// A bundle whose root holds the host's top-level folders bound read-only (and its symbolic links as
    /// links); a fresh /proc and an empty /tmp. runc cannot take `/` itself as the root: pivot_root(".")
    /// into the host's root fails with EBUSY, and --no-pivot's bind of / onto itself with ELOOP.
    struct Bundle {
        let directory: String
        let mounts: [[String: Any]]

        init() throws {
            directory = CLI.temporaryPath("bundle")
            let rootfs = directory + "/rootfs", fm = FileManager.default
            try fm.createDirectory(atPath: rootfs + "/proc", withIntermediateDirectories: true)
            try fm.createDirectory(atPath: rootfs + "/tmp", withIntermediateDirectories: true)
            var mounts: [[String: Any]] = [["destination": "/proc", "type": "proc", "source": "proc"],
                                           ["destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]]]
            for name in try fm.contentsOfDirectory(atPath: "/").sorted() where !["proc", "tmp"].contains(name) {
                let path = "/" + name
                if let target = try? fm.destinationOfSymbolicLink(atPath: path) {
                    try fm.createSymbolicLink(atPath: rootfs + path, withDestinationPath: target)
                    continue
                }
                var isDirectory: ObjCBool = false
                guard fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
                try fm.createDirectory(atPath: rootfs + path, withIntermediateDirectories: true)
                mounts.append(["destination": path, "type": "bind", "source": path, "options": ["rbind", "ro"]])
            }
            // The probe's own directory, wherever the package was built (a clone under /tmp lies in the empty
            // /tmp above): runc makes the mount point inside that tmpfs.
            let probeDirectory = (CLI.probe as NSString).deletingLastPathComponent
            mounts.append(["destination": probeDirectory, "type": "bind", "source": probeDirectory, "options": ["rbind", "ro"]])
            self.mounts = mounts
        }

        /// Runs `arguments` as root without capabilities, with no_new_privs, in a mount namespace of its own
        /// (host network, pids and IPC, as bulkhead without `namespaces:`), under `profile`.
        func run(_ arguments: [String], profile: Any, id: String) throws -> CLIResult {
            let sets = ["bounding", "effective", "permitted", "inheritable", "ambient"]
            let config: [String: Any] = [
                "ociVersion": "1.0.2-dev",
                "process": ["terminal": false, "user": ["uid": 0, "gid": 0], "args": arguments, "env": ["PATH=/usr/bin:/bin"], "cwd": "/",
                            "capabilities": Dictionary(uniqueKeysWithValues: sets.map { ($0, [String]()) }),
                            "noNewPrivileges": true],
                "root": ["path": "rootfs", "readonly": true],
                "mounts": mounts,
                "linux": ["namespaces": [["type": "mount"]], "seccomp": profile],
            ]
            try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: directory + "/config.json"))
            return try CLI.run(try #require(RuncProfileTests.runc), ["run", "--bundle", directory, id])
        }

        /// The mounts lived in the containers' mount namespaces only; on the host the root holds empty
        /// folders and links (removed as links, never followed).
        func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// How a probe ended, as far as both runners can tell it: killed by a signal, or its own verdict line up
    /// to the call it names ("blocked EPERM socket", "escaped", "n/a").
    static func verdict(_ run: CLIResult) -> String {
        if run.status > 128 { return "killed by signal \(run.status - 128)" }
        let words = run.stdout.split(separator: "\n").first?.split(separator: " ") ?? []
        switch words.first {
        case "blocked"?: return words.prefix(3).joined(separator: " ")
        case "escaped"?, "n/a"?: return String(words[0])
        default: return "status \(run.status): \(run.stdout.prefix(80))"
        }
    }

    static func exportedProfile(_ policy: String) throws -> Any {
        let path = CLI.temporaryPath("\(policy).json")
        defer { unlink(path) }
        #expect(try CLI.bulkhead(["policy", "export", "--format", "oci", "--output", path, policy]).status == 0)
        return try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test(.enabled(if: canRun, "needs root and runc (apt-get install runc; scripts/test installs it)"), arguments: ["default", "tasks"])
    func runcGivesEveryProbeBulkheadsVerdict(policy: String) throws {
        let profile = try Self.exportedProfile(policy)
        let bundle = try Bundle()
        defer { bundle.remove() }
        // The filter alone, as the profile carries it: the policy without its namespaces and file-system view,
        // which the profile does not carry (runc's bundle has its own).
        let filterOnly = CLI.temporaryPath("\(policy)-filter-only.yaml")
        try "version: 1\nextends: \(policy)\nnamespaces: none\nnetwork: host\nfilesystem: { inherit: false }\n"
            .write(toFile: filterOnly, atomically: true, encoding: .utf8)
        defer { unlink(filterOnly) }
        var differences: [String] = []
        for (index, probe) in Self.probes.enumerated() {
            let underRunc = try bundle.run([CLI.probe, "audit", probe], profile: profile, id: "bulkhead-oci-\(getpid())-\(index)")
            let underBulkhead = try CLI.bulkhead(["run", "--quiet", "--policy", filterOnly, "--", CLI.probe, "audit", probe])
            let (r, b) = (Self.verdict(underRunc), Self.verdict(underBulkhead))
            // A probe whose own setup (opening a device) fails in both never reaches the filter: the /dev of
            // runc's bundle and of bulkhead's view differ (EACCES against ENOENT), the filter does not.
            let bothStoppedOpening = [r, b].allSatisfy { $0.hasPrefix("blocked ") && $0.contains(" openat") }
            if r != b, !bothStoppedOpening { differences.append("\(probe): runc \(r) (\(underRunc.stderr.prefix(200))), bulkhead \(b)") }
        }
        #expect(differences.isEmpty, "\(differences)")
    }

    /// runc 1.1 loads the filter before its own init has finished (it still opens the exec FIFO and, without
    /// noNewPrivileges, drops privileges): calls strict refuses or kills, so runc cannot start the container
    /// at all. The profile fails closed: the probe never runs. docs/oci.md says what to add for runc.
    @Test(.enabled(if: canRun, "needs root and runc (apt-get install runc; scripts/test installs it)"))
    func strictProfileStopsRuncsOwnInitBeforeTheTask() throws {
        let profile = try Self.exportedProfile("strict")
        let bundle = try Bundle()
        defer { bundle.remove() }
        let run = try bundle.run([CLI.probe, "audit", "kern-bpf"], profile: profile, id: "bulkhead-oci-\(getpid())-strict")
        #expect(run.status != 0 && run.stdout.isEmpty, "\(run.stdout) \(run.stderr)")
    }
}

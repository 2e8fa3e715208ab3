import Foundation
import Testing

/// A directory for a test of `filesystem:` or `network:`, with a policy in it, run by root or by uid
/// 65534 (then everything in it is handed to that uid first, as a user's own files would be).
struct AccessFixture {
    let dir: String
    let asNobody: Bool

    init(asNobody: Bool) {
        self.asNobody = asNobody
        dir = CLI.temporaryPath("access")
        mkdir(dir, 0o755)
    }

    /// As root and as uid 65534 where the tests can drop to it; otherwise as whoever runs them.
    static var modes: [Bool] { CLI.canDropToNobody ? [false, true] : [false] }

    /// The task's uid in this fixture's runs.
    var taskUID: uid_t { asNobody ? 65534 : geteuid() }

    func path(_ name: String) -> String { dir + "/" + name }

    func makeDirectory(_ name: String) { mkdir(path(name), 0o755) }

    func write(_ name: String, _ text: String, mode: mode_t = 0o644) throws {
        try text.write(toFile: path(name), atomically: false, encoding: .utf8)
        chmod(path(name), mode)
    }

    /// Writes `policy.yaml` (extending the default policy) and returns its path. Its `filesystem:` section
    /// replaces default's (`inherit: false`, on the line after `filesystem:`): the task sees what the test
    /// grants, and no more.
    @discardableResult
    func policy(_ body: String, name: String = "policy.yaml") throws -> String {
        let own = body.contains("filesystem:\n") ? body.replacingOccurrences(of: "filesystem:\n", with: "filesystem:\n  inherit: false\n")
            : body.contains("filesystem: {") ? body.replacingOccurrences(of: "filesystem: {", with: "filesystem: { inherit: false,")
            : body + "\nfilesystem: { inherit: false }\n"
        try write(name, "version: 1\nextends: default\n" + own)
        return path(name)
    }

    /// `bulkhead arguments...` from this directory, as root or as uid 65534.
    func bulkhead(_ arguments: [String]) throws -> CLIResult {
        guard asNobody else { return try CLI.run(CLI.bulkhead, arguments, directory: dir) }
        try CLI.run("/bin/chown", ["-R", "65534:65534", dir])
        return try CLI.bulkheadAsNobody(arguments, directory: dir)
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }
}

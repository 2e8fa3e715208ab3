import Foundation
import TestSupport
import Testing

/// Runs the built `bulkhead` binary as a user would.
typealias CLIResult = CapturedRun

enum CLI {
    static var bulkhead: String { BuiltBinaries.bulkhead }
    static var probe: String { BuiltBinaries.probe }
    static var packageDirectory: String { BuiltBinaries.packageDirectory }

    /// Runs `executable arguments...`, optionally sending `signal` to it after `signalAfter` seconds.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                    signal: Int32? = nil, signalAfter: Double = 0.5, directory: String? = nil) throws -> CLIResult {
        try CapturedRun.run(executable, arguments, environment: environment, directory: directory,
                            signal: signal, signalAfter: signalAfter)
    }

    static func bulkhead(_ arguments: [String], signal: Int32? = nil, signalAfter: Double = 0.5) throws -> CLIResult {
        try run(bulkhead, arguments, signal: signal, signalAfter: signalAfter, directory: packageDirectory)
    }

    static var isRoot: Bool { geteuid() == 0 }

    /// The policies the binary embeds, in its order.
    static let shippedPolicies = ["default", "strict", "tasks", "network-client", "build"]

    /// The default policy's filter and limits without its namespaces, network namespace and file-system view:
    /// for tests about other layers whose tasks reach files under the host's /tmp, the host's network or
    /// processes outside the task. Every uid can read it.
    static let unisolatedDefault: String = {
        let path = temporaryPath("unisolated-default.yaml")
        try? "version: 1\nextends: default\nnamespaces: none\nnetwork: host\nfilesystem: { inherit: false }\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o644)
        return path
    }()

    static func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "bulkhead-cli-\(getpid())-\(UUID().uuidString.prefix(8))-\(name)"
    }

    /// Copies of the binaries in a directory every uid can read, for tests that drop to uid 65534
    /// (the build directory may sit under a home directory nobody else can enter).
    static let unprivilegedCopies: String? = {
        let directory = NSTemporaryDirectory() + "bulkhead-cli-bin-\(getpid())"
        let fm = FileManager.default
        try? fm.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        for name in ["bulkhead", "bulkhead-probe"] {
            guard ExecutableFile.copy(BuiltBinaries.directory + "/" + name, to: directory + "/" + name) else { return nil }
        }
        return directory
    }()

    static var canDropToNobody: Bool { isRoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") }

    /// `bulkhead arguments...` run as uid and gid 65534 without capabilities, from copies every uid can run.
    /// - Parameters:
    ///   - uid: another unprivileged uid (and gid) instead, for a run that would starve the others of 65534.
    ///   - environment: added to PATH and HOME (/nonexistent unless given: no cache).
    static func bulkheadAsNobody(_ arguments: [String], uid: uid_t = 65534, directory: String = "/",
                                 environment: [String: String] = [:]) throws -> CLIResult {
        let bin = try #require(unprivilegedCopies)
        return try run("/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "--inh-caps=-all",
                                            bin + "/bulkhead"] + arguments,
                       environment: ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent"].merging(environment) { $1 }, directory: directory)
    }

    /// The probe among the copies uid 65534 can run.
    static func unprivilegedProbe() throws -> String { try #require(unprivilegedCopies) + "/bulkhead-probe" }

    static func json(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}

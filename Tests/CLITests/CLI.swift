import Foundation
import TestSupport
import Testing

/// Runs the built `bulkhead` binary as a user would.
typealias CLIResult = CapturedRun

enum CLI {
    /// The `bulkhead` and `bulkhead-probe` executables built next to this test bundle, or those in
    /// $BULKHEAD_BIN_DIR (scripts/test points it at the static release build for a second pass).
    static let binDirectory: String = {
        if let directory = ProcessInfo.processInfo.environment["BULKHEAD_BIN_DIR"], !directory.isEmpty { return directory }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0..<4 {
            url = url.deletingLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("bulkhead").path) { return url.path }
        }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return package.appendingPathComponent(".build/debug").path
    }()

    static var bulkhead: String { binDirectory + "/bulkhead" }
    static var probe: String { binDirectory + "/bulkhead-probe" }
    static let packageDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

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
            guard ExecutableFile.copy(binDirectory + "/" + name, to: directory + "/" + name) else { return nil }
        }
        return directory
    }()

    static var canDropToNobody: Bool { isRoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") }

    /// `bulkhead arguments...` run as uid and gid 65534 without capabilities, from copies every uid can run.
    /// - Parameter environment: added to PATH and HOME (/nonexistent unless given: no cache).
    static func bulkheadAsNobody(_ arguments: [String], directory: String = "/", environment: [String: String] = [:]) throws -> CLIResult {
        let bin = try #require(unprivilegedCopies)
        return try run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                                            bin + "/bulkhead"] + arguments,
                       environment: ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent"].merging(environment) { $1 }, directory: directory)
    }

    /// The probe among the copies uid 65534 can run.
    static func unprivilegedProbe() throws -> String { try #require(unprivilegedCopies) + "/bulkhead-probe" }

    static func live(_ marker: String) -> Bool {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.contains { pid in
            guard Int(pid) != nil, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ").contains(marker)
        }
    }

    /// SIGKILLed processes need a moment to go away.
    static func gone(_ marker: String) -> Bool {
        for _ in 0..<200 {
            if !live(marker) { return true }
            usleep(10_000)
        }
        return false
    }

    static func json(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}

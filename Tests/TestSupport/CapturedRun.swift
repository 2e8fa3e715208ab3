import Foundation

/// A child process the tests ran to its end: its status (the exit code, or 128+N for a death by signal N)
/// and everything it wrote.
public struct CapturedRun {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    /// Runs `executable arguments...` with stdin from /dev/null, optionally sending `signal` to it after
    /// `signalAfter` seconds.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           directory: String? = nil, signal: Int32? = nil, signalAfter: Double = 0.5) throws -> CapturedRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        if let signal {
            Thread.sleep(forTimeInterval: signalAfter)
            kill(process.processIdentifier, signal)
        }
        // Read before waiting so a full pipe cannot stall the child.
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let status = process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
        return CapturedRun(status: status, stdout: String(decoding: stdoutData, as: UTF8.self),
                           stderr: String(decoding: stderrData, as: UTF8.self))
    }
}

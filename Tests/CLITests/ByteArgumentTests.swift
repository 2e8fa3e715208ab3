import Foundation
import TestSupport
import Testing

/// Arguments and environment values are bytes to the kernel, not text: `bulkhead run` must hand the task
/// exactly the bytes it was given, also those that are not UTF-8, which a Swift String would repair.
@Suite struct ByteArgumentTests {
    /// Not UTF-8 in three ways (a stray 0xFF, a lead byte followed by ASCII, a sequence cut short), with a
    /// backslash to show the escaping in reports is unambiguous.
    static let invalid: [UInt8] = Array("a".utf8) + [0xff] + Array("b\\x".utf8) + [0xc3, 0x28] + Array("c".utf8) + [0xe2, 0x82]
    /// What a String makes of `invalid`: every bad byte or cut sequence becomes U+FFFD.
    static var repaired: [UInt8] { Array(String(decoding: invalid, as: UTF8.self).utf8) }

    @Test func rmRemovesExactlyTheNamedFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let target = directory.path(Self.invalid), lookalike = directory.path(Self.repaired)
        #expect(createFile(target) && createFile(lookalike))
        // From that directory: default's view has the host's /tmp private, the working directory writable.
        let run = try RawCapturedRun.run(CLI.bulkhead, [bytes("run"), bytes("--quiet"), bytes("--"), bytes("rm"), target],
                                         directory: directory.path)
        #expect(run.status == 0, "\(run.stderrText)")
        #expect(!exists(target))
        #expect(exists(lookalike))
    }

    /// Through the hand parser (`--`) and through ArgumentParser (`--report -`, a value it alone accepts):
    /// the command is taken from the raw argv on both paths.
    @Test(arguments: [["--quiet", "--"], ["--quiet", "--report", "-", "--"], ["--quiet"]])
    func printfWritesTheExactBytes(options: [String]) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let arguments = ["run"] + options + ["printf", "%s"]
        let run = try RawCapturedRun.run(CLI.bulkhead, arguments.map(bytes) + [Self.invalid], directory: directory.path)
        #expect(run.status == 0, "\(run.stderrText)")
        #expect(run.stdout == Self.invalid)
    }

    @Test func aCommandNameThatIsNotUTF8IsFoundInPath() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let name = Array("tool".utf8) + [0xff]
        #expect(writeScript(directory.path(name), "echo found"))
        #expect(writeScript(directory.path(Array(String(decoding: name, as: UTF8.self).utf8)), "echo decoy"))
        let policy = directory.path + "/policy.yaml"
        try "version: 1\nextends: \(CLI.unisolatedDefault)\nenvironment:\n  set: { PATH: \"\(directory.path):/usr/bin:/bin\" }\n"
            .write(toFile: policy, atomically: true, encoding: .utf8)
        let run = try RawCapturedRun.run(CLI.bulkhead, ["run", "--quiet", "--policy", policy, "--"].map(bytes) + [name])
        #expect(run.status == 0, "\(run.stderrText)")
        #expect(run.stdout == Array("found\n".utf8))
    }

    /// A passed variable (the default policy's `pass: [LANG]`) and an inherited one (`clear: false`).
    @Test func environmentValuesReachTheTaskExactly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let inherit = directory.path + "/inherit.yaml"
        try "version: 1\nextends: \(CLI.unisolatedDefault)\nenvironment: { clear: false }\n"
            .write(toFile: inherit, atomically: true, encoding: .utf8)
        let environment = [bytes("PATH=/usr/bin:/bin"), bytes("LANG=") + Self.invalid, bytes("BULKHEAD_BYTES=") + Self.invalid]
        for (policy, variable) in [("default", "LANG"), (inherit, "BULKHEAD_BYTES")] {
            let run = try RawCapturedRun.run(CLI.bulkhead, ["run", "--quiet", "--policy", policy, "--", "printenv", variable].map(bytes),
                                             environment: environment)
            #expect(run.status == 0, "\(policy): \(run.stderrText)")
            #expect(run.stdout == Self.invalid + [0x0a], "\(policy)")
        }
    }

    @Test func reportShowsTheArgumentWithoutLoss() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let report = directory.path + "/report.json"
        let run = try RawCapturedRun.run(CLI.bulkhead,
                                         ["run", "--quiet", "--report", report, "--", "printf", "%s"].map(bytes) + [Self.invalid])
        #expect(run.status == 0, "\(run.stderrText)")
        let json = try CLI.json(report)
        // Invalid bytes as \xHH, and a real backslash doubled so the two cannot be confused.
        #expect(json["command"] as? [String] == ["printf", "%s", #"a\xffb\\x\xc3(c\xe2\x82"#])
        #expect(json["commandBytes"] as? [String] == ["7072696e7466", "2573", "61ff625c78c32863e282"])

        // Text that is UTF-8, non-ASCII and backslashes included, is written as it is, with no commandBytes.
        let plain = try RawCapturedRun.run(CLI.bulkhead, ["run", "--quiet", "--report", report, "--", "printf", "%s", "é\\xff"].map(bytes))
        #expect(plain.status == 0, "\(plain.stderrText)")
        let plainJSON = try CLI.json(report)
        #expect(plainJSON["command"] as? [String] == ["printf", "%s", "é\\xff"])
        #expect(plainJSON["commandBytes"] == nil)
    }

    @Test func messagesEscapeBytesThatAreNotUTF8() throws {
        let run = try RawCapturedRun.run(CLI.bulkhead, [bytes("run"), bytes("-") + [0xff]])
        #expect(run.status == 125)
        #expect(run.stderrText.contains(#"unknown option '-\xff'"#), "\(run.stderrText)")
    }
}

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

private func withCPath<T>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
    (path + [0]).withUnsafeBufferPointer { body(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self)) }
}

private func createFile(_ path: [UInt8]) -> Bool {
    withCPath(path) { path in
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        return fd >= 0 && close(fd) == 0
    }
}

/// Written under a UTF-8 name and renamed, as `ExecutableFile` does (see there why).
private func writeScript(_ path: [UInt8], _ body: String) -> Bool {
    let temporary = CLI.temporaryPath("script")
    guard ExecutableFile.write(Array("#!/bin/sh\n\(body)\n".utf8), to: temporary) else { return false }
    return withCPath(path) { rename(temporary, $0) == 0 }
}

private func exists(_ path: [UInt8]) -> Bool { withCPath(path) { access($0, F_OK) == 0 } }

/// A fresh directory, removed with everything in it (names that are not UTF-8 included, which
/// FileManager cannot name).
private struct TemporaryDirectory {
    let path: String

    init() throws {
        path = CLI.temporaryPath("bytes")
        guard mkdir(path, 0o755) == 0 else { throw POSIXError(.EEXIST) }
    }

    func path(_ name: [UInt8]) -> [UInt8] { Array((path + "/").utf8) + name }

    func remove() { _ = try? CapturedRun.run("/bin/rm", ["-rf", path]) }
}

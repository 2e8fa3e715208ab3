import BulkheadSystem
import Foundation
import Testing
import TestSupport
import SystemPackage

/// The caches' writer (`PrivateFiles.writeAtomically`, best effort) and the reports' (`AtomicFile`)
/// share one core: a random temporary name, fsync, rename, and only a regular file or nothing replaced.
@Suite struct AtomicReplacementTests {
    private func type(_ path: String) -> mode_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : nil
    }

    private func contents(_ path: String) -> String? {
        (try? FileContents.readFile(path, limit: 1 << 20)).map { String(decoding: $0, as: UTF8.self) }
    }

    private func names(in dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }

    @Test func replacesARegularFileWholeWithMode0600() throws {
        let dir = temporaryDirectory()
        let path = dir + "/entry"
        try? AtomicReplacement.write(Array("one".utf8), to: path, mode: 0o600)
        #expect(contents(path) == "one")
        try? AtomicReplacement.write(Array("two".utf8), to: path, mode: 0o600)
        #expect(contents(path) == "two")
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(names(in: dir) == ["entry"], "no temporary file left")
    }

    @Test func aNameTakenBeforehandDoesNotStopTheWrite() throws {
        let dir = temporaryDirectory()
        let path = dir + "/entry"
        // The names a pid-based writer would pick, taken in advance.
        for squat in ["\(path).\(getpid()).tmp", "\(dir)/.entry.\(getpid()).tmp"] { writeFile(squat, "squatter") }
        try? AtomicReplacement.write(Array("mine".utf8), to: path, mode: 0o600)
        #expect(contents(path) == "mine")
        try AtomicReplacement.write(Array("again".utf8), to: path, mode: 0o644)
        #expect(contents(path) == "again")
        #expect(names(in: dir).count == 3, "\(names(in: dir))")
    }

    @Test func neverReplacesWhatIsNotARegularFile() throws {
        let dir = temporaryDirectory()
        let target = dir + "/target"
        writeFile(target, "keep")
        let link = dir + "/link"
        #expect(symlink(target, link) == 0)
        let fifo = dir + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let sub = dir + "/sub"
        #expect(mkdir(sub, 0o700) == 0)
        for (path, kind) in [(link, S_IFLNK), (fifo, S_IFIFO), (sub, S_IFDIR)] {
            try? AtomicReplacement.write(Array("new".utf8), to: path, mode: 0o600)
            #expect(type(path) == kind, "\(path)")
            #expect(throws: FileWriteError.self) { try AtomicReplacement.write(Array("new".utf8), to: path, mode: 0o600) }
            #expect(type(path) == kind, "\(path)")
        }
        #expect(contents(target) == "keep")
        #expect(names(in: dir) == ["fifo", "link", "sub", "target"], "no temporary file left")
    }

    @Test func failuresNameThePathAndTheErrno() {
        do {
            try AtomicReplacement.write(Array("x".utf8), to: "/nonexistent-bulkhead-dir/entry", mode: 0o600)
            Issue.record("wrote into a directory that does not exist")
        } catch {
            #expect(error.errno == .noSuchFileOrDirectory)
            #expect(error.description == "/nonexistent-bulkhead-dir/entry: No such file or directory (ENOENT)")
        }
    }
}

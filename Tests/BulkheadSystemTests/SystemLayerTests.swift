import BulkheadSystem
import SystemPackage
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The OS layer on real files, pipes and processes.
@Suite struct SystemLayerTests {
    @Test func errnoReadsAsMessageAndName() {
        #expect(Errno.noSpace.text == "No space left on device (ENOSPC)")
        #expect(Errno.noSuchFileOrDirectory.name == "ENOENT")
        #expect(Errno(rawValue: 4000).text.hasSuffix("(errno 4000)"))
    }

    @Test func systemCallTurnsMinusOneIntoTheErrno() {
        #expect(throws: Errno.badFileDescriptor) { try SystemCall.retrying { close(-1) } }
        #expect((try? SystemCall.once { getpid() }) == getpid())
    }

    @Test func wholeFileReadsRespectTheLimit() throws {
        let dir = temporaryDirectory()
        defer { _ = try? HelperProcess(["/bin/rm", "-rf", dir]).run() }
        let path = dir + "/file"
        writeFile(path, String(repeating: "x", count: 100_000))
        #expect(try FileContents.readFile(path, limit: 100_000).count == 100_000)
        #expect(throws: FileReadError.tooLarge(limit: 99_999)) { try FileContents.readFile(path, limit: 99_999) }
        #expect(throws: FileReadError.notRegularFile(S_IFDIR | 0o700)) { try FileContents.readFile(dir, limit: 10) }
        #expect(throws: FileReadError.cannotOpen(.noSuchFileOrDirectory)) { try FileContents.readFile(dir + "/none", limit: 10) }
        chmod(path, 0o666)
        #expect(throws: FileReadError.notPrivate) { try FileContents.readFile(path, limit: 100_000, privateOnly: true) }
        symlink(path, dir + "/link")
        chmod(path, 0o600)
        #expect(throws: FileReadError.cannotOpen(.tooManySymbolicLinkLevels)) {
            try FileContents.readFile(dir + "/link", limit: 100_000, privateOnly: true)
        }
    }

    @Test func aPipeIsReadToItsEndAcrossManyWrites() throws {
        let pipe = try CloexecPipe()
        defer { close(pipe.readEnd) }
        #expect(fcntl(pipe.readEnd, F_GETFD) & FD_CLOEXEC != 0)
        #expect(fcntl(pipe.writeEnd, F_GETFD) & FD_CLOEXEC != 0)
        let chunk = Array("0123456789".utf8)
        for _ in 0..<100 { try FileContents.write(chunk, to: pipe.writeEnd) }
        close(pipe.writeEnd)
        let read = try FileContents.read(pipe.readEnd, limit: 1 << 20)
        #expect(read.count == 1000)
    }

    @Test func kernelFilesAreReadWhole() throws {
        let status = try KernelFile.text("/proc/self/status")
        #expect(status.contains("Pid:\t\(getpid())"))
        let fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC)
        defer { close(fd) }
        let first = try KernelFile.reread(fd), second = try KernelFile.reread(fd)
        #expect(!first.isEmpty && !second.isEmpty)
        #expect(throws: PathError.self) { try KernelFile.read("/proc/self/no-such-file") }
    }

    @Test func helperProcessesReportHowTheyEnded() throws {
        let printed = try HelperProcess(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], stdout: .capture, stderr: .capture).run()
        #expect(String(decoding: printed.stdout, as: UTF8.self) == "out\n")
        #expect(String(decoding: printed.stderr, as: UTF8.self) == "err\n")
        #expect(printed.exitCode == 3 && printed.signal == nil && !printed.succeeded)
        let killed = try HelperProcess(["/bin/sh", "-c", "kill -TERM $$"]).run()
        #expect(killed.signal == SIGTERM && killed.exitCode == nil)
        let slow = try HelperProcess(["/bin/sleep", "30"], stdout: .capture).run(timeout: 0.2)
        #expect(slow.timedOut && slow.signal == SIGKILL)
        #expect(throws: Errno.noSuchFileOrDirectory) { try HelperProcess(["/nonexistent/helper"]).run() }
    }

    @Test func pathsAreSplitAsDirnameDoes() {
        #expect(Paths.directory(of: "/usr/bin/env") == "/usr/bin")
        #expect(Paths.directory(of: "/env") == "/")
        #expect(Paths.directory(of: "env") == ".")
        #expect(Paths.directory(of: "a/b/") == "a")
        #expect(Paths.directory(of: "a//b") == "a")
        #expect(Paths.absolute("/x") == "/x")
        #expect(Paths.absolute("x") == (Paths.currentDirectory() ?? "?") + "/x")
        #expect(Paths.resolved("/proc/self/root") == "/")
        #expect(Paths.resolved("/nonexistent-bulkhead") == nil)
    }

    @Test func theMonotonicClockMovesForward() {
        let before = MonotonicClock.seconds()
        MonotonicClock.sleep(0.01)
        #expect(MonotonicClock.seconds() - before >= 0.01)
        let at = MonotonicClock.timespec(at: 12.25)
        #expect(at.tv_sec == 12 && at.tv_nsec == 250_000_000)
    }

    @Test func aDescriptorAboveTheStandardStreamsStaysAsItIs() throws {
        let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
        try #require(fd >= 3)
        defer { close(fd) }
        #expect(try Descriptors.aboveStandardStreams(fd) == fd)
        #expect(throws: Errno.badFileDescriptor) { try Descriptors.aboveStandardStreams(-1) }
    }
}

import Foundation
import Testing

/// What `--report PATH` does with what is at PATH: a regular file or nothing is replaced atomically; a
/// FIFO or character device is written into and stays what it was; a symlink is never replaced and is
/// followed only to a FIFO or bulkhead's own stdout/stderr; anything else is refused.
/// Device nodes are private copies made with mknod (root only): the real /dev/null must not be at risk.
@Suite struct ReportTargetTests {
    private func directory() throws -> String {
        let path = CLI.temporaryPath("targets")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    private func fileType(_ path: String) -> mode_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : nil
    }

    private func rdev(_ path: String) -> dev_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_rdev : nil
    }

    /// makedev(3) is a macro Swift cannot import; this is its value for major < 4096 and minor < 256.
    private func device(_ major: UInt64, _ minor: UInt64) -> dev_t { dev_t(major << 8 | minor) }

    private func report(_ path: String, _ task: [String] = ["true"], in directory: String? = nil) throws -> CLIResult {
        try CLI.run(CLI.bulkhead, ["run", "--report", path, "--"] + task, directory: directory ?? CLI.packageDirectory)
    }

    /// The JSON object in `text` (after any lines the task wrote first).
    private func reportObject(in text: String) -> [String: Any]? {
        guard let start = text.firstIndex(of: "{") else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(text[start...].utf8)) as? [String: Any]
    }

    @Test(.enabled(if: CLI.isRoot)) func aCharacterDeviceIsWrittenIntoNotReplaced() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let null = dir + "/null"
        #expect(mknod(null, S_IFCHR | 0o666, device(1, 3)) == 0)
        let run = try report(null)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(fileType(null) == S_IFCHR)
        #expect(rdev(null) == device(1, 3))
    }

    @Test(.enabled(if: CLI.isRoot)) func aFullDeviceIsAClearErrorAfterTheSummary() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let full = dir + "/full"
        #expect(mknod(full, S_IFCHR | 0o666, device(1, 7)) == 0)
        let run = try report(full)
        #expect(run.status == 125)
        #expect(run.stderr.contains("bulkhead: error: cannot write report \(full): No space left on device (ENOSPC)"), "\(run.stderr)")
        let summary = try #require(run.stderr.range(of: "exited with code 0"), "\(run.stderr)")
        let error = try #require(run.stderr.range(of: "cannot write report"))
        #expect(summary.lowerBound < error.lowerBound, "the task's outcome comes first")
        #expect(fileType(full) == S_IFCHR)
        #expect(rdev(full) == device(1, 7))
    }

    @Test func aFIFOWithAReaderReceivesTheReportAndStaysAFIFO() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        // The reader is there before bulkhead opens the FIFO; the report fits the pipe buffer.
        let reader = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        #expect(reader >= 0)
        defer { close(reader) }
        let run = try report(fifo, ["sh", "-c", "exit 4"])
        #expect(run.status == 4, "\(run.stderr)")
        var bytes = [UInt8](repeating: 0, count: 65536)
        let n = read(reader, &bytes, bytes.count)
        #expect(n > 0)
        let object = reportObject(in: String(decoding: bytes.prefix(max(n, 0)), as: UTF8.self))
        #expect(object?["bulkheadExitCode"] as? Int == 4)
        #expect(fileType(fifo) == S_IFIFO)
    }

    @Test func aFIFOWithoutAReaderFailsAtOnce() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        // timeout(1) kills a bulkhead that waits for a reader: status 137.
        let start = Date()
        let run = try CLI.run("/usr/bin/timeout", ["-s", "KILL", "20", CLI.bulkhead, "run", "--report", fifo, "--", "true"])
        #expect(run.status == 125, "\(run.stderr)")
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(run.stderr.contains("cannot write report \(fifo): a FIFO without a reader"), "\(run.stderr)")
        #expect(run.stderr.contains("ENXIO"))
        #expect(fileType(fifo) == S_IFIFO)
    }

    @Test func symlinksAreFollowedOnlyToFIFOsAndBulkheadsOwnOutput() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }

        // To a regular file: refused; neither the link nor the file changes.
        let target = dir + "/precious"
        try "keep me\n".write(toFile: target, atomically: false, encoding: .utf8)
        let link = dir + "/r.json"
        #expect(symlink(target, link) == 0)
        let refused = try report(link)
        #expect(refused.status == 125)
        #expect(refused.stderr.contains("cannot write report \(link): a symbolic link to a regular file: refused"), "\(refused.stderr)")
        #expect(fileType(link) == S_IFLNK)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep me\n")

        // To nothing: refused, nothing created.
        let dangling = dir + "/dangling.json"
        #expect(symlink(dir + "/nowhere", dangling) == 0)
        let nothing = try report(dangling)
        #expect(nothing.status == 125)
        #expect(nothing.stderr.contains("a symbolic link to nothing"), "\(nothing.stderr)")
        #expect(fileType(dir + "/nowhere") == nil)
        #expect(fileType(dangling) == S_IFLNK)

        // To a directory: refused.
        let toDirectory = dir + "/to-dir"
        #expect(symlink(dir, toDirectory) == 0)
        #expect(try report(toDirectory).status == 125)
        #expect(fileType(toDirectory) == S_IFLNK)

        // To a device: refused, as a task could point a link at /dev/port or /dev/mem, which bulkhead as
        // root may write and the task may not. (Its own stdout, a terminal, is tested below.)
        if CLI.isRoot {
            let null = dir + "/null"
            #expect(mknod(null, S_IFCHR | 0o666, device(1, 3)) == 0)
            let deviceLink = dir + "/device-link"
            #expect(symlink(null, deviceLink) == 0)
            let toDevice = try report(deviceLink)
            #expect(toDevice.status == 125)
            #expect(toDevice.stderr.contains("a symbolic link to a character device: refused"), "\(toDevice.stderr)")
            #expect(fileType(deviceLink) == S_IFLNK)
            #expect(fileType(null) == S_IFCHR)
        }

        // To a FIFO with a reader: written through.
        let fifo = dir + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let fifoLink = dir + "/fifo-link"
        #expect(symlink(fifo, fifoLink) == 0)
        let reader = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        defer { close(reader) }
        let through = try report(fifoLink)
        #expect(through.status == 0, "\(through.stderr)")
        var bytes = [UInt8](repeating: 0, count: 65536)
        let n = read(reader, &bytes, bytes.count)
        #expect(reportObject(in: String(decoding: bytes.prefix(max(n, 0)), as: UTF8.self)) != nil)
        #expect(fileType(fifoLink) == S_IFLNK)
        #expect(fileType(fifo) == S_IFIFO)
    }

    @Test func otherKindsOfFileAreRefused() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sub = dir + "/sub"
        #expect(mkdir(sub, 0o700) == 0)
        let run = try report(sub)
        #expect(run.status == 125)
        #expect(run.stderr.contains("cannot write report \(sub): a directory: refused"), "\(run.stderr)")
        #expect(fileType(sub) == S_IFDIR)
        if CLI.isRoot {
            let block = dir + "/loop"
            #expect(mknod(block, S_IFBLK | 0o600, device(7, 0)) == 0)
            let blockRun = try report(block)
            #expect(blockRun.status == 125)
            #expect(blockRun.stderr.contains("a block device: refused"), "\(blockRun.stderr)")
            #expect(fileType(block) == S_IFBLK)
        }
    }

    @Test func aTemporaryNameTakenBeforehandDoesNotStopTheReport() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The task knows bulkhead's pid ($PPID) and writes to the report's directory (the default policy
        // as root, or as anyone in a directory the task may write): it takes every name it can predict.
        let squat = "for n in .r.json.$PPID.tmp r.json.$PPID.tmp .r.json.tmp r.json.tmp; do echo x > \(dir)/$n; done"
        let run = try report("r.json", ["sh", "-c", squat], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(reportObject(in: (try? String(contentsOfFile: dir + "/r.json", encoding: .utf8)) ?? "")?["bulkheadExitCode"] as? Int == 0)
        // Only the report and the task's own files are left: no temporary file of bulkhead's.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0 != "r.json" }
        #expect(names.allSatisfy { $0.contains("tmp") && (try? String(contentsOfFile: dir + "/" + $0, encoding: .utf8)) == "x\n" },
                "\(names)")
        #expect(names.count == 4)

        // An existing report is replaced.
        let again = try report("r.json", ["sh", "-c", "exit 2"], in: dir)
        #expect(again.status == 2)
        #expect(reportObject(in: try String(contentsOfFile: dir + "/r.json", encoding: .utf8))?["bulkheadExitCode"] as? Int == 2)
        #expect(fileType(dir + "/r.json") == S_IFREG)
    }

    /// `/dev/stdout` is a symlink to `/proc/self/fd/1`. The cases run through a private link of the same
    /// shape: a bulkhead that replaced the link would otherwise replace the machine's /dev/stdout with a
    /// regular file, for every process. The real one is used last, once the private link survived.
    @Test func devStdoutWorksForAPipeAFileAndATerminal() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let stdout = dir + "/stdout"
        #expect(symlink("/proc/self/fd/1", stdout) == 0)

        // A pipe (CapturedRun's stdout).
        let piped = try CLI.bulkhead(["run", "--quiet", "--report", stdout, "--", "echo", "from-task"])
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stdout.hasPrefix("from-task\n"))
        #expect(reportObject(in: piped.stdout)?["bulkheadExitCode"] as? Int == 0)
        #expect(fileType(stdout) == S_IFLNK)

        // A regular file: the report is appended after what the task wrote.
        let out = dir + "/out"
        let shell = try CLI.run("/bin/sh", ["-c", "\"$0\" run --quiet --report \(stdout) -- echo from-task > \(out)", CLI.bulkhead])
        #expect(shell.status == 0, "\(shell.stderr)")
        let written = try String(contentsOfFile: out, encoding: .utf8)
        #expect(written.hasPrefix("from-task\n"), "\(written)")
        #expect(reportObject(in: written)?["bulkheadExitCode"] as? Int == 0)
        #expect(fileType(out) == S_IFREG)
        #expect(fileType(stdout) == S_IFLNK)

        // A terminal: script(1) gives bulkhead a pseudo-terminal as stdout and copies what it shows.
        if access("/usr/bin/script", X_OK) == 0 {
            let command = "\(CLI.bulkhead) run --quiet --report \(stdout) -- sh -c 'test -t 1 && echo on-a-tty'"
            let terminal = try CLI.run("/usr/bin/script", ["-q", "-e", "-c", command, "/dev/null"])
            #expect(terminal.status == 0, "\(terminal.stderr)")
            let shown = terminal.stdout.replacingOccurrences(of: "\r\n", with: "\n")
            #expect(shown.hasPrefix("on-a-tty\n"), "\(shown)")
            #expect(reportObject(in: shown)?["bulkheadExitCode"] as? Int == 0, "\(shown)")
            #expect(fileType(stdout) == S_IFLNK)
        }

        // The real /dev/stdout, into a pipe.
        guard fileType(stdout) == S_IFLNK, fileType("/dev/stdout") == S_IFLNK, piped.status == 0 else { return }
        let real = try CLI.bulkhead(["run", "--quiet", "--report", "/dev/stdout", "--", "true"])
        #expect(real.status == 0, "\(real.stderr)")
        #expect(reportObject(in: real.stdout)?["bulkheadExitCode"] as? Int == 0)
        #expect(fileType("/dev/stdout") == S_IFLNK)
    }
}

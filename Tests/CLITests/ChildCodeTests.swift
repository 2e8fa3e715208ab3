import Foundation
import TestSupport
import Testing

/// The child code between clone and execve (CLaunch/child.c) must read no memory but its stack, the block
/// the parent prepared and the result page: the launcher leaves its data segments out of the child's copy
/// of memory (CLaunch/spawn.c). A string literal, a global or a call into libc there would make every
/// launch die with SIGSEGV before execve, so the compiled objects are checked for them directly: child.c
/// and the stages it calls in files of their own: mount_view.c (the file-system view), namespace_setup.c
/// (private mounts, /proc, host name, loopback) pid_one.c (a pid namespace's init, which never execs) and notify_child.c (the
/// seccomp listener's hand-off).
@Suite struct ChildCodeTests {
    static let objects = ["child.c.o", "mount_view.c.o", "namespace_setup.c.o", "pid_one.c.o", "notify_child.c.o"]
    /// The only symbols one child object may refer to: functions of the others, hidden (called directly).
    static let childFunctions = ["bh_child_mount_view", "bh_enter_namespaces", "bh_become_init", "bh_child_load_filter",
                                  "bh_init_send_listener", "bh_init_close_all_but"]
    /// The function each object is there for.
    static let entryPoints = ["child.c.o": "bh_child_main", "mount_view.c.o": "bh_child_mount_view",
                              "namespace_setup.c.o": "bh_enter_namespaces", "pid_one.c.o": "bh_become_init",
                              "notify_child.c.o": "bh_child_load_filter"]

    private func path(_ name: String) -> String { BuiltBinaries.directory + "/CLaunch.build/" + name }

    private func objdump(_ arguments: [String], _ object: String) throws -> String {
        let result = try CLI.run("/usr/bin/objdump", arguments + [object])
        try #require(result.status == 0, "objdump \(arguments): \(result.stderr)")
        return result.stdout
    }

    @Test(arguments: objects) func childCodeHasNoDataOfItsOwn(name: String) throws {
        let object = path(name)
        try #require(FileManager.default.fileExists(atPath: object), "no \(object)")
        // Section lines: "  1 .text  000004d2  0000000000000000 ..."; name and size are fields 2 and 3.
        let sections = try objdump(["-h"], object).split(separator: "\n").map { $0.split(separator: " ") }
            .filter { $0.count > 3 && Int($0[0]) != nil }
        #expect(sections.contains { $0[1] == ".text" })
        for fields in sections {
            let name = String(fields[1]), size = Int(fields[2], radix: 16) ?? -1
            let isData = name.hasPrefix(".data") || name.hasPrefix(".rodata") || name.hasPrefix(".bss")
                || name.hasPrefix(".tdata") || name.hasPrefix(".tbss")
            #expect(!isData || size == 0, "\(object) has \(size) bytes in \(name)")
        }
    }

    @Test(arguments: objects) func childCodeRefersToNothingOutsideItself(name: String) throws {
        let object = path(name)
        try #require(FileManager.default.fileExists(atPath: object), "no \(object)")
        // Every relocation in the code would be a reference to another symbol: libc, a global, a literal;
        // a call to a function of the other child object is the one exception.
        let code = try objdump(["-dr", "--no-show-raw-insn"], object)
        #expect(code.contains(Self.entryPoints[name] ?? name))
        let relocations = code.split(separator: "\n").filter { $0.contains("R_X86_64_") || $0.contains("R_AARCH64_") }
            .filter { line in !Self.childFunctions.contains { line.hasSuffix("\t" + $0 + "-0x4") || line.hasSuffix("\t" + $0) } }
        #expect(relocations.isEmpty, "\(name) refers outside the child code:\n\(relocations.joined(separator: "\n"))")
    }

    @Test(arguments: ["mount_view.c.o": "bh_child_mount_view", "namespace_setup.c.o": "bh_enter_namespaces",
                      "pid_one.c.o": "bh_become_init", "notify_child.c.o": "bh_init_send_listener"].sorted { $0.key < $1.key })
    func theStagesInOtherFilesAreHiddenSoTheyAreCalledDirectly(object: String, function: String) throws {
        // A default-visibility function may be called through the PLT and the GOT, a data segment.
        let symbols = try objdump(["-t"], path(object))
        let line = symbols.split(separator: "\n").first { $0.hasSuffix(" " + function) }
        #expect(line?.contains(".hidden") == true, "\(line.map(String.init) ?? "no \(function)")")
    }

    @Test func setupFailuresAreStillReportedThroughTheChildCopy() throws {
        // The CLI is single-threaded, so its launches take the path that leaves the data segments out.
        let policy = CLI.temporaryPath("workdir.yaml")
        defer { unlink(policy) }
        try "version: 1\nextends: \(CLI.unisolatedDefault)\nworkdir: /nonexistent-bulkhead-dir\n"
            .write(toFile: policy, atomically: true, encoding: .utf8)
        let failed = try CLI.bulkhead(["run", "--policy", policy, "--", "true"])
        #expect(failed.status == 125)
        #expect(failed.stderr.contains("setup failed at stage workdir: No such file or directory (ENOENT)"), "\(failed.stderr)")
        let notExecutable = try CLI.bulkhead(["run", "--quiet", "--", "/etc/passwd"])
        #expect(notExecutable.status == 126)
        let ran = try CLI.bulkhead(["run", "--quiet", "--policy", "strict", "--", "sh", "-c", "echo \"$0 $*\"", "a", "b c"])
        #expect(ran.status == 0)
        #expect(ran.stdout == "a b c\n")
    }
}

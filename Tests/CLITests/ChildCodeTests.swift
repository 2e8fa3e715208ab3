import Foundation
import TestSupport
import Testing

/// The child code between clone and execve (CLaunch/child.c) must read no memory but its stack, the block
/// the parent prepared and the result page: the launcher leaves its data segments out of the child's copy
/// of memory (CLaunch/spawn.c). A string literal, a global or a call into libc there would make every
/// launch die with SIGSEGV before execve, so the compiled object is checked for them directly.
@Suite struct ChildCodeTests {
    private var object: String { BuiltBinaries.directory + "/CLaunch.build/child.c.o" }

    private func objdump(_ arguments: [String]) throws -> String {
        let result = try CLI.run("/usr/bin/objdump", arguments + [object])
        try #require(result.status == 0, "objdump \(arguments): \(result.stderr)")
        return result.stdout
    }

    @Test func childCodeHasNoDataOfItsOwn() throws {
        try #require(FileManager.default.fileExists(atPath: object), "no \(object)")
        // Section lines: "  1 .text  000004d2  0000000000000000 ..."; name and size are fields 2 and 3.
        let sections = try objdump(["-h"]).split(separator: "\n").map { $0.split(separator: " ") }
            .filter { $0.count > 3 && Int($0[0]) != nil }
        #expect(sections.contains { $0[1] == ".text" })
        for fields in sections {
            let name = String(fields[1]), size = Int(fields[2], radix: 16) ?? -1
            let isData = name.hasPrefix(".data") || name.hasPrefix(".rodata") || name.hasPrefix(".bss")
                || name.hasPrefix(".tdata") || name.hasPrefix(".tbss")
            #expect(!isData || size == 0, "child.c has \(size) bytes in \(name)")
        }
    }

    @Test func childCodeRefersToNothingOutsideItself() throws {
        try #require(FileManager.default.fileExists(atPath: object), "no \(object)")
        // Every relocation in the code would be a reference to another symbol: libc, a global, a literal.
        let code = try objdump(["-dr", "--no-show-raw-insn"])
        #expect(code.contains("bh_child_main"))
        let relocations = code.split(separator: "\n").filter { $0.contains("R_X86_64_") || $0.contains("R_AARCH64_") }
        #expect(relocations.isEmpty, "child.c refers outside itself:\n\(relocations.joined(separator: "\n"))")
    }

    @Test func setupFailuresAreStillReportedThroughTheChildCopy() throws {
        // The CLI is single-threaded, so its launches take the path that leaves the data segments out.
        let policy = CLI.temporaryPath("workdir.yaml")
        defer { unlink(policy) }
        try "version: 1\nextends: default\nworkdir: /nonexistent-bulkhead-dir\n".write(toFile: policy, atomically: true, encoding: .utf8)
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

import Foundation
import TestSupport
import Testing

/// The child code between clone and execve (CLaunch/child.c) must read no memory but its stack, the block
/// the parent prepared and the result page: the launcher leaves its data segments out of the child's copy
/// of memory (CLaunch/spawn.c). A string literal, a global or a call into libc there would make every
/// launch die with SIGSEGV before execve, so the compiled object is checked for them directly.
/// The same holds for the other files of child code: the namespace steps and the pid namespace's init.
@Suite struct ChildCodeTests {
    /// Every file of code that runs between clone and execve (and init, which never execs).
    static let childFiles = ["child.c", "namespace_setup.c", "pid_one.c"]

    private func path(_ file: String) -> String { BuiltBinaries.directory + "/CLaunch.build/\(file).o" }

    private func objdump(_ arguments: [String], _ file: String = "child.c") throws -> String {
        let result = try CLI.run("/usr/bin/objdump", arguments + [path(file)])
        try #require(result.status == 0, "objdump \(arguments): \(result.stderr)")
        return result.stdout
    }

    @Test(arguments: childFiles) func childCodeHasNoDataOfItsOwn(file: String) throws {
        let object = path(file)
        try #require(FileManager.default.fileExists(atPath: object), "no \(object)")
        // Section lines: "  1 .text  000004d2  0000000000000000 ..."; name and size are fields 2 and 3.
        let sections = try objdump(["-h"], file).split(separator: "\n").map { $0.split(separator: " ") }
            .filter { $0.count > 3 && Int($0[0]) != nil }
        #expect(sections.contains { $0[1] == ".text" })
        for fields in sections {
            let name = String(fields[1]), size = Int(fields[2], radix: 16) ?? -1
            let isData = name.hasPrefix(".data") || name.hasPrefix(".rodata") || name.hasPrefix(".bss")
                || name.hasPrefix(".tdata") || name.hasPrefix(".tbss")
            #expect(!isData || size == 0, "\(file) has \(size) bytes in \(name)")
        }
    }

    /// Every relocation in the code is a reference to another symbol: libc, a global, a literal. The only
    /// ones allowed are calls from one file of child code to a function another one defines.
    @Test func childCodeRefersToNothingOutsideItself() throws {
        var defined: Set<String> = []
        var references: [(file: String, line: String, symbol: String)] = []
        for file in Self.childFiles {
            try #require(FileManager.default.fileExists(atPath: path(file)), "no \(path(file))")
            // Defined functions: "0000000000000000 g     F .text  00000000000000a2 .hidden bh_become_init"
            for line in try objdump(["-t"], file).split(separator: "\n") where line.contains(" F .text") {
                if let name = line.split(separator: " ").last { defined.insert(String(name)) }
            }
            let code = try objdump(["-dr", "--no-show-raw-insn"], file)
            for line in code.split(separator: "\n") where line.contains("R_X86_64_") || line.contains("R_AARCH64_") {
                let target = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).last.map(String.init) ?? ""
                references.append((file, String(line), String(target.prefix { $0 != "-" && $0 != "+" })))
            }
        }
        #expect(defined.contains("bh_child_main") && defined.contains("bh_become_init"))
        let outside = references.filter { !defined.contains($0.symbol) }
        #expect(outside.isEmpty, "child code refers outside itself:\n\(outside.map { "\($0.file): \($0.line)" }.joined(separator: "\n"))")
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

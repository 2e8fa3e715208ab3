#if canImport(Glibc)
    import Glibc
#endif

/// The program the kernel runs to start an executable, read the way execve(2) reads it: the ELF
/// program interpreter (PT_INTERP, the dynamic loader) or the `#!` line of a script. Under a
/// file-system view the kernel opens it for execution too, so without an exec grant for it a launch
/// fails with a bare EACCES; the launcher names it instead. Best effort: nil when the file cannot be
/// read or is neither (a static binary has no interpreter).
enum ExecutableInterpreter {
    static func of(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 256)
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 4 else { return nil }
        if head[0] == UInt8(ascii: "#"), head[1] == UInt8(ascii: "!") {
            let line = head[2..<n].prefix { $0 != UInt8(ascii: "\n") }
            let word = line.drop { $0 == 32 || $0 == 9 }.prefix { $0 != 32 && $0 != 9 }
            return word.isEmpty ? nil : String(decoding: word, as: UTF8.self)
        }
        // ELF, 64-bit, little-endian (ELFCLASS64, ELFDATA2LSB): what this launcher runs on.
        guard n >= 64, head[0] == 0x7f, head[1] == UInt8(ascii: "E"), head[2] == UInt8(ascii: "L"), head[3] == UInt8(ascii: "F"),
            head[4] == 2, head[5] == 1
        else { return nil }
        func field(_ bytes: [UInt8], _ offset: Int, _ size: Int) -> UInt64 {
            (0..<size).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
        }
        let phoff = field(head, 32, 8), phentsize = Int(field(head, 54, 2)), phnum = Int(field(head, 56, 2))
        guard phentsize >= 56, phnum <= 256 else { return nil }
        var header = [UInt8](repeating: 0, count: phentsize)
        for index in 0..<phnum {
            let at = off_t(phoff) + off_t(index * phentsize)
            guard header.withUnsafeMutableBytes({ pread(fd, $0.baseAddress, $0.count, at) }) == phentsize else { return nil }
            guard field(header, 0, 4) == 3 else { continue }  // PT_INTERP
            let offset = field(header, 8, 8), size = Int(field(header, 32, 8))
            guard size > 1, size <= 4096 else { return nil }
            var name = [UInt8](repeating: 0, count: size)
            guard name.withUnsafeMutableBytes({ pread(fd, $0.baseAddress, $0.count, off_t(offset)) }) == size else { return nil }
            return String(decoding: name.prefix { $0 != 0 }, as: UTF8.self)
        }
        return nil
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// bulkhead's own argv as the bytes the kernel passed. `CommandLine.arguments` repairs bytes that are
/// not UTF-8 (each becomes U+FFFD), and a command run with those would get different arguments: `rm`
/// of a file named `a\xffb` would delete `a\u{FFFD}b` instead.
enum RawArguments {
    /// argv[1...], byte for byte.
    static func current() -> [[UInt8]] {
        let argv = CommandLine.unsafeArgv
        var result: [[UInt8]] = []
        result.reserveCapacity(Int(CommandLine.argc))
        for index in 1..<max(Int(CommandLine.argc), 1) {
            guard let argument = argv[index] else { break }
            result.append(Array(UnsafeBufferPointer(start: UnsafeRawPointer(argument).assumingMemoryBound(to: UInt8.self),
                                                    count: strlen(argument))))
        }
        return result
    }
}

import CLaunch

/// Landlock's access bits (include/uapi/linux/landlock.h) and the ABI version that brought each.
///
/// How the policy's grants map onto them (documented in docs/design.md, "File-system view"):
/// - `read`: READ_FILE | READ_DIR.
/// - `exec`: `read` | EXECUTE.
/// - `write`: `read` | WRITE_FILE | TRUNCATE (ABI 3) | REMOVE_FILE | REMOVE_DIR | MAKE_REG | MAKE_DIR |
///   MAKE_SYM | MAKE_SOCK | MAKE_FIFO | REFER (ABI 2, renames and links between directories of write
///   grants) | IOCTL_DEV (ABI 5, ioctls on device files opened beneath it, such as a granted /dev/tty).
/// - never granted: MAKE_CHAR and MAKE_BLOCK (device nodes), and RESOLVE_UNIX (ABI 9) except on
///   `network.unix` sockets.
/// Every right the kernel's ABI knows is handled, so a right no grant names is denied everywhere.
enum LandlockAccess {
    static let execute: UInt64 = 1 << 0
    static let writeFile: UInt64 = 1 << 1
    static let readFile: UInt64 = 1 << 2
    static let readDir: UInt64 = 1 << 3
    static let removeDir: UInt64 = 1 << 4
    static let removeFile: UInt64 = 1 << 5
    static let makeChar: UInt64 = 1 << 6
    static let makeDir: UInt64 = 1 << 7
    static let makeReg: UInt64 = 1 << 8
    static let makeSock: UInt64 = 1 << 9
    static let makeFifo: UInt64 = 1 << 10
    static let makeBlock: UInt64 = 1 << 11
    static let makeSym: UInt64 = 1 << 12
    /// ABI 2 (Linux 5.19).
    static let refer: UInt64 = 1 << 13
    /// ABI 3 (Linux 6.2).
    static let truncate: UInt64 = 1 << 14
    /// ABI 5 (Linux 6.10).
    static let ioctlDev: UInt64 = 1 << 15
    /// ABI 9: connect(2) and sendmsg(2) to a named unix socket.
    static let resolveUnix: UInt64 = 1 << 16

    /// ABI 4 (Linux 6.7).
    static let bindTCP: UInt64 = 1 << 0
    static let connectTCP: UInt64 = 1 << 1

    /// ABI 6 (Linux 6.12).
    static let scopeAbstractUnixSocket: UInt64 = 1 << 0
    static let scopeSignal: UInt64 = 1 << 1

    static let read = readFile | readDir
    static let exec = read | execute
    static let write =
        read | writeFile | truncate | removeFile | removeDir | makeReg | makeDir | makeSym | makeSock
        | makeFifo | refer | ioctlDev
    /// The rights a rule on a file that is not a directory may carry (the kernel refuses the others there).
    static let onFile = execute | writeFile | readFile | truncate | ioctlDev | resolveUnix

    /// The ABI this kernel offers, asked once: below 1 without Landlock.
    static let kernelABI = Int(bh_landlock_abi())

    /// Every file-system right ABI `abi` knows; 0 without Landlock.
    static func filesystem(abi: Int) -> UInt64 {
        guard abi >= 1 else { return 0 }
        var rights: UInt64 = (1 << 13) - 1
        if abi >= 2 { rights |= refer }
        if abi >= 3 { rights |= truncate }
        if abi >= 5 { rights |= ioctlDev }
        if abi >= 9 { rights |= resolveUnix }
        return rights
    }

    /// The rights in `access` by name, for messages: "read-file, read-dir".
    static func describe(_ access: UInt64) -> String {
        let names = ["execute", "write-file", "read-file", "read-dir", "remove-dir", "remove-file", "make-char", "make-dir",
                     "make-reg", "make-sock", "make-fifo", "make-block", "make-sym", "refer", "truncate", "ioctl-dev", "resolve-unix"]
        let set = names.indices.filter { access & (1 << UInt64($0)) != 0 }.map { names[$0] }
        return set.isEmpty ? "nothing" : set.joined(separator: ", ")
    }

    /// Every TCP right ABI `abi` knows.
    static func network(abi: Int) -> UInt64 { abi >= 4 ? bindTCP | connectTCP : 0 }
}

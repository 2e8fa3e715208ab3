import Testing

@testable import Bulkhead

/// How a refused call's arguments read on the terminal line and in the report.
@Suite struct SyscallArgumentTextTests {
    private func decode(_ syscall: String, _ arguments: [UInt64], memory: [UInt64: String] = [:]) -> [String] {
        SyscallArgumentText.decode(syscall: syscall, arguments: arguments + Array(repeating: 0, count: 6 - arguments.count)) {
            memory[$0]
        }
    }

    @Test func namesWhatIsCheapToName() {
        #expect(decode("socket", [2, 0x80801, 0]) == ["AF_INET", "SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC", "0"])
        // The kernel reads the domain as an int: high bits set by the task do not hide the family.
        #expect(decode("socket", [0xdead_0000_0000_000a, 2, 0]).first == "AF_INET6")
        #expect(decode("clone", [0x1000_0011]).first == "CLONE_NEWUSER|SIGCHLD")
        #expect(decode("unshare", [0x2002_0000]) == ["CLONE_NEWNS|CLONE_NEWPID"])
        #expect(decode("ioctl", [0, 0x5412, 0x7ffd_0000]) == ["0", "TIOCSTI", "0x7ffd0000"])
        #expect(decode("ptrace", [16, 1234]) == ["PTRACE_ATTACH", "1234", "0", "0"])
        #expect(decode("getppid", [0x4000_0027, 99]) == [])
    }

    @Test func pathsComeFromMemoryWhenTheyCanBeRead() {
        let at: UInt64 = 0xffff_ff9c // AT_FDCWD as the low 32 bits of the register
        #expect(decode("openat", [at, 0x1000, 0o1101, 0o644], memory: [0x1000: "/etc/\"x\""])
                == ["AT_FDCWD", "\"/etc/\\\"x\\\"\"", "O_WRONLY|O_CREAT|O_TRUNC", "420"])
        // Unreadable: the address, never a guess.
        #expect(decode("openat", [3, 0x2000, 0]) == ["3", "0x2000", "O_RDONLY", "0"])
        #expect(decode("mount", [0, 0x1000], memory: [0x1000: "/mnt"]).prefix(2) == ["NULL", "\"/mnt\""])
    }

    @Test func unknownCallsShowTheirArgumentsUpToTheLastNonZero() {
        #expect(decode("io_uring_setup", [8, 0x7fff_1000]) == ["8", "0x7fff1000"])
        #expect(decode("io_uring_setup", []) == [])
        #expect(decode("lseek", [3, UInt64(bitPattern: -1), 1]) == ["3", "-1", "1"])
    }
}

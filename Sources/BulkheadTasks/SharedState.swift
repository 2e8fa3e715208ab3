#if canImport(Glibc)
import Glibc
#endif

/// The process-wide prime table `compute` divides by and `scribble` overwrites. It is deliberately an
/// unsynchronised global: in thread mode every task sees the same memory, which is the point of the demo;
/// in process mode each task has its own copy.
enum PrimeTable {
    /// Primes below 1000: enough trial divisors for every number below 1_000_000.
    static let limit = 1000
    static let count = 168
    nonisolated(unsafe) static let entries: UnsafeMutablePointer<Int> = {
        let table = UnsafeMutablePointer<Int>.allocate(capacity: count)
        var n = 0
        for candidate in 2..<limit where (2..<candidate).allSatisfy({ candidate % $0 != 0 }) {
            table[n] = candidate
            n += 1
        }
        return table
    }()
}

/// A scratch directory for `file-roundtrip`, made the working directory and named by
/// `$BULKHEAD_TASK_SCRATCH`, with umask 022: three pieces of process-wide state the workload relies on
/// and the `chdir`, `setenv` and `umask` faults change.
enum TaskWorkspace {
    static let variable = "BULKHEAD_TASK_SCRATCH"

    /// Returns the directory, or nil when it cannot be made (file-roundtrip then fails with a message).
    static func prepare() -> String? {
        var template = Array("/tmp/bulkhead-tasks-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { return nil }
        let directory = String(cString: made)
        guard chdir(directory) == 0 else { rmdir(directory); return nil }
        setenv(variable, directory, 1)
        umask(0o022)
        return directory
    }

    /// Removes the directory when the tasks left it empty (they remove their own files).
    static func remove(_ directory: String) {
        rmdir(directory)
    }
}

/// Crash signals back to their default action: a crashing task must end the process with its own signal
/// (so the shell sees 139 for SIGSEGV), not run a handler such as the Swift runtime's backtracer.
enum CrashSignals {
    static func restoreDefaults() {
        for signal in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT] {
            Glibc.signal(signal, SIG_DFL)
        }
    }
}

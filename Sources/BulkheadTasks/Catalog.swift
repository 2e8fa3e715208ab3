/// What a built-in task is for: a workload computes something checkable, a fault misbehaves on purpose,
/// a shared-state fault changes process-wide state that other tasks depend on.
public enum TaskKind: String, Sendable {
    case workload, fault, sharedState = "shared-state"
}

/// How a task runs: as a thread of the bulkhead process (shared everything, deliberately unsafe) or as
/// its own sandboxed process.
public enum TaskMode: String, Sendable {
    case thread, process
}

/// One entry of the catalog.
public struct TaskDefinition: Sendable {
    public let name: String
    public let kind: TaskKind
    public let summary: String

    public init(name: String, kind: TaskKind, summary: String) {
        self.name = name; self.kind = kind; self.summary = summary
    }
}

/// Every built-in task. The bodies live in Workloads.swift, Faults.swift and SharedStateFaults.swift;
/// `TaskBody.run` dispatches on the name, so a name here without a body is caught by the tests.
public enum TaskCatalog {
    public static let all: [TaskDefinition] = [
        TaskDefinition(name: "compute", kind: .workload,
                       summary: "count primes below N (default 200000) using the shared prime table; checked against a known count"),
        TaskDefinition(name: "hash-file", kind: .workload,
                       summary: "FNV-1a hash of a file (default: the bulkhead executable) read twice through one descriptor; "
                           + "both passes must agree"),
        TaskDefinition(name: "sleep", kind: .workload, summary: "sleep N seconds (default 1)"),
        TaskDefinition(name: "allocate", kind: .workload, summary: "allocate N MiB (default 64), touch every page, check the pattern"),
        TaskDefinition(name: "file-roundtrip", kind: .workload,
                       summary: "write files by relative path and read them back through $BULKHEAD_TASK_SCRATCH; "
                           + "checks cwd, environment and umask (mode 0644)"),
        TaskDefinition(name: "crash-segv", kind: .fault, summary: "write through an invalid pointer (SIGSEGV)"),
        TaskDefinition(name: "crash-abort", kind: .fault, summary: "call abort() (SIGABRT)"),
        TaskDefinition(name: "crash-trap", kind: .fault,
                       summary: "Swift runtime trap: array index out of range (SIGILL on x86_64, SIGTRAP on arm64)"),
        TaskDefinition(name: "stack-overflow", kind: .fault, summary: "unbounded recursion into the stack guard page (SIGSEGV)"),
        TaskDefinition(name: "exit-early", kind: .fault, summary: "call exit(3) from inside the task"),
        TaskDefinition(name: "hang", kind: .fault, summary: "spin forever; only a timeout or a CPU limit ends it"),
        TaskDefinition(name: "memory-hog", kind: .fault,
                       summary: "allocate and touch memory until stopped (safety cap N MiB, default 1024)"),
        TaskDefinition(name: "fork-bomb", kind: .fault,
                       summary: "start processes (sleep 30) until refused (safety cap N, default 256); then kills them"),
        TaskDefinition(name: "fd-leak", kind: .fault,
                       summary: "open descriptors until refused (cap N, default 131072); holds them 1s, then closes them"),
        TaskDefinition(name: "scribble", kind: .sharedState, summary: "overwrite the process-wide prime table that compute reads"),
        TaskDefinition(name: "chdir", kind: .sharedState, summary: "change the working directory to /proc (process-wide)"),
        TaskDefinition(name: "setenv", kind: .sharedState, summary: "point $BULKHEAD_TASK_SCRATCH elsewhere (process-wide environment)"),
        TaskDefinition(name: "umask", kind: .sharedState, summary: "set the umask to 077 (process-wide)"),
        TaskDefinition(name: "close-fds", kind: .sharedState, summary: "close descriptors 3-1023, which it does not own"),
    ]

    public static func named(_ name: String) -> TaskDefinition? {
        all.first { $0.name == name }
    }

    /// The closest catalog name to a mistyped one, for "did you mean" hints.
    public static func suggestion(for name: String) -> String? {
        var best: (name: String, distance: Int)?
        for candidate in all {
            let d = editDistance(name, candidate.name)
            if d <= max(2, candidate.name.count / 3), d < (best?.distance ?? Int.max) { best = (candidate.name, d) }
        }
        return best?.name
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

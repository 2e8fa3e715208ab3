import BulkheadSystem
import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

extension SandboxPlan {
    /// Runs one command under this plan and waits for it: the library form of `bulkhead run`.
    /// Throws only when bulkhead refuses or cannot start the task; every ending of a task that started
    /// (including a failed execve) is an `Outcome`.
    public func run(_ arguments: [String], options: RunOptions = .init()) throws(LaunchError) -> RunResult {
        try run(arguments.map { Array($0.utf8) }, options: options)
    }

    /// The same with each argument as the exact bytes the task receives; they need not be UTF-8 (a
    /// file name may hold any byte but NUL), and no String ever repairs them on the way.
    public func run(_ arguments: [[UInt8]], options: RunOptions = .init()) throws(LaunchError) -> RunResult {
        // A task that may call keyctl could read the key sealing the caches and forge entries for later
        // runs: the key goes before the task starts (it finds none) and again once its tree is gone
        // (whatever key another run made meanwhile, and every entry sealed with it, is worthless then).
        if taskReachesTheKeyring { try Self.invalidateCacheSeal() }
        let scratch = try policy.filesystem?.scratch == true
            ? ScratchDirectory.create(uid: identity?.uid ?? geteuid(), gid: identity?.gid ?? getegid()) : nil
        let attempt: LaunchAttempt
        do throws(LaunchError) {
            attempt = try Launcher.launch(self, arguments: arguments, options: options, scratch: scratch?.path)
        } catch {
            _ = scratch?.remove()
            throw error
        }
        var result: RunResult
        switch attempt {
        case .failedBeforeExec(let stage, let err, let started):
            result = RunResult(outcome: .setupFailed(stage: stage, errno: err),
                               usage: Usage(wallSeconds: MonotonicClock.seconds() - started), warnings: warnings)
            result.access = AppliedAccess(plan: self, rules: 0)
        case .running(let task, let launchWarnings):
            result = Supervisor.supervise(task, plan: self, options: options)
            result.warnings = warnings + launchWarnings
            result.access = AppliedAccess(plan: self, rules: task.landlockRules)
            if taskReachesTheKeyring, !CacheSeal.invalidate() {
                result.cleanupError = (result.cleanupError.map { $0 + "; " } ?? "")
                    + "cannot invalidate the key sealing bulkhead's caches, which the task could read"
            }
        }
        if let scratch {
            // After the task tree is gone (the supervisor killed it), so nothing refills the directory.
            let problem = options.keepScratch ? nil : scratch.remove()
            result.access?.scratch = AppliedAccess.Scratch(path: scratch.path, kept: options.keepScratch, removalError: problem)
            if let problem { result.warnings.append("filesystem.scratch: \(scratch.path) was not removed: \(problem)") }
        }
        return result
    }

    private static func invalidateCacheSeal() throws(LaunchError) {
        guard CacheSeal.invalidate() else {
            throw LaunchError(stage: .plan, errno: .current,
                              message: "the policy lets the task reach the kernel keyring, and the key sealing bulkhead's caches "
                                  + "cannot be invalidated before it starts",
                              hint: "refuse add_key, keyctl and request_key in the policy, or remove the key: "
                                  + "keyctl purge user bulkhead:cache-seal:1")
        }
    }
}

/// Convenience entry points.
public enum Sandbox {
    /// Loads nothing and caches nothing: compiles `policy` and runs `arguments` once.
    public static func run(_ arguments: [String], policy: Policy, environment: [String: String] = ProcessEnvironment.current(),
                           options: RunOptions = .init()) throws(LaunchError) -> RunResult {
        try SandboxPlan(policy: policy, launcherEnvironment: environment).run(arguments, options: options)
    }
}

/// The launcher's environment, read from `environ` without Foundation.
public enum ProcessEnvironment {
    /// As a dictionary; where a name repeats, the first entry counts (as for getenv). Bytes that are not
    /// UTF-8 are repaired (U+FFFD) here: `entries()` has them exactly, as a task should get them.
    public static func current() -> [String: String] {
        var result: [String: String] = [:]
        for entry in entries().reversed() {
            let name = EnvironmentBuilder.variableName(entry)
            result[String(decoding: name, as: UTF8.self)] = String(decoding: entry[name.endIndex...].dropFirst(), as: UTF8.self)
        }
        return result
    }

    /// As "NAME=value" entries in `environ` order, each exactly the bytes `environ` holds: what
    /// `SandboxPlan` reads, without building a dictionary.
    public static func entries() -> [[UInt8]] {
        var result: [[UInt8]] = []
        var cursor = environ
        while let entry = cursor.pointee {
            result.append(Array(bytes(of: entry)))
            cursor += 1
        }
        return result
    }

    /// Only the entries `policy` can take: all of them when it inherits the environment, otherwise those
    /// its `pass` list names. The others are never copied (a launch made and freed dozens of them).
    public static func entries(for policy: EnvironmentPolicy) -> [[UInt8]] {
        if !policy.clear { return entries() }
        guard !policy.pass.isEmpty else { return [] }
        var result: [[UInt8]] = []
        var cursor = environ
        while let entry = cursor.pointee {
            let bytes = bytes(of: entry)
            let name = UnsafeBufferPointer(rebasing: bytes[..<(bytes.firstIndex(of: UInt8(ascii: "=")) ?? bytes.endIndex)])
            if policy.pass.contains(where: { EnvironmentBuilder.pattern($0, matches: name) }) { result.append(Array(bytes)) }
            cursor += 1
        }
        return result
    }

    /// One variable, as getenv(3) finds it.
    public static func value(of name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    private static func bytes(of entry: UnsafeMutablePointer<CChar>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: UnsafeRawPointer(entry).assumingMemoryBound(to: UInt8.self), count: strlen(entry))
    }
}

import BulkheadPolicy
import BulkheadSystem
import SystemPackage
import CLaunch
#if canImport(Glibc)
    import Glibc
#endif

/// The one Landlock ruleset a task enters when its policy has `filesystem:` or `network:` rules: the
/// `LandlockPlan` with `$CWD` and `$SCRATCH` resolved for this launch, the cgroup shield folded in where
/// the task needs it, and the signal scope. Made in the parent for each launch (the working directory
/// and the scratch directory differ between runs); the child enters it (child.c, enter_prepared_ruleset).
///
/// One domain, not two: a second layer handling file rights would refuse what the first grants (renames
/// between directories need REFER in every layer), and the shield alone grants writes everywhere.
struct TaskRuleset {
    /// The ruleset descriptor, 3 or above, close-on-exec; the launcher closes it after the clone.
    let fd: Int32
    /// Path and port rules added.
    let rules: Int
    /// Grants the cgroup shield narrowed (a write grant beneath a cgroup mount keeps its read rights only).
    let warnings: [String]

    /// O_PATH (asm-generic/fcntl.h): Swift's Glibc module does not import it.
    private static let openPath: Int32 = 0o10000000

    /// - Parameters:
    ///   - run: what `$CWD`, `$SCRATCH` and `$COMMAND` mean for this run.
    ///   - shieldRoots: the cgroup mount points to keep a task out of (`CgroupShield`), when it needs that.
    static func make(_ plan: LandlockPlan, run: RunPaths, shieldRoots: [String]?) throws(LaunchError)
        -> TaskRuleset
    {
        let shieldWrites = shieldRoots == nil ? 0 : CgroupShield.handled
        let created = bh_landlock_ruleset(plan.handledFilesystem | shieldWrites, plan.handledNetwork, plan.scoped)
        guard created >= 0 else {
            throw LaunchError(stage: .landlock, errno: .current, message: "cannot make the Landlock ruleset for filesystem and network")
        }
        let fd: Int32
        do throws(Errno) { fd = try Descriptors.aboveStandardStreams(created) } catch {
            throw LaunchError(stage: .landlock, errno: error, message: "cannot keep the Landlock ruleset open")
        }
        do throws(LaunchError) {
            var rules = 0
            var warnings: [String] = []
            for rule in plan.paths {
                let path = rule.grant.resolved(run)
                rules += try add(rule, path: path, ruleset: fd, shieldRoots: shieldRoots, warnings: &warnings)
            }
            if let shieldRoots, plan.handledFilesystem == 0 {
                try CgroupShield.grant(beneathAllBut: shieldRoots, in: "/", ruleset: fd, access: CgroupShield.handled)
            }
            for port in Set(plan.connectPorts + plan.bindPorts).sorted() {
                let access =
                    (plan.connectPorts.contains(port) ? LandlockAccess.connectTCP : 0)
                    | (plan.bindPorts.contains(port) ? LandlockAccess.bindTCP : 0)
                guard bh_landlock_allow_port(fd, UInt64(port), access) == 0 else {
                    throw LaunchError(stage: .landlock, errno: .current, message: "cannot add TCP port \(port) to the Landlock ruleset")
                }
                rules += 1
            }
            return TaskRuleset(fd: fd, rules: rules, warnings: warnings)
        } catch {
            close(fd)
            throw error
        }
    }

    /// Adds one grant; returns how many rules that made. A grant that cannot be opened is the policy's
    /// error, reported where the grant was written.
    private static func add(
        _ rule: LandlockPlan.PathRule, path: String, ruleset: Int32, shieldRoots: [String]?,
        warnings: inout [String]
    ) throws(LaunchError) -> Int {
        let where_ = rule.grant.location.map { "\($0): " } ?? ""
        // Followed: a grant of /lib on a merged-/usr system means /usr/lib, as it does for the task.
        let fd = open(path, openPath | O_CLOEXEC)
        guard fd >= 0 else {
            let err = Errno.current
            // An optional grant ("/lib64?") of what this machine lacks grants nothing.
            if rule.grant.optional, err == .noSuchFileOrDirectory || err == .notDirectory { return 0 }
            throw LaunchError(
                stage: .landlock, errno: err, message: "\(where_)\(rule.key) grants \(path), which cannot be opened",
                hint: err == .noSuchFileOrDirectory ? "create it, or remove it from \(rule.key)" : nil)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw LaunchError(stage: .landlock, errno: .current, message: "\(where_)cannot stat \(path), granted by \(rule.key)")
        }
        let isDirectory = info.st_mode & S_IFMT == S_IFDIR
        var access = isDirectory ? rule.access : rule.access & LandlockAccess.onFile
        var count = 0
        if let shieldRoots, access & CgroupShield.handled != 0 {
            // Writes must not reach a cgroup file system: not beneath a root, and above one only beside it.
            let real = realPath(path) ?? path
            let beneathARoot = shieldRoots.contains { real == $0 || real.hasPrefix($0 + "/") }
            let aboveARoot = shieldRoots.contains { $0.hasPrefix(real == "/" ? "/" : real + "/") }
            if beneathARoot || aboveARoot { access &= ~CgroupShield.handled }
            if beneathARoot {
                warnings.append(
                    "\(where_)\(rule.key): \(path) is in a cgroup file system, which this task may not write "
                        + "(it could leave its cgroup slot): granted for reading only"
                )
            }
            if aboveARoot && !beneathARoot {
                try CgroupShield.grant(beneathAllBut: shieldRoots, in: real, ruleset: ruleset, access: rule.access)
                count += 1
            }
        }
        guard access != 0 else { return count }
        guard bh_landlock_allow_beneath(ruleset, fd, access) == 0 else {
            throw LaunchError(
                stage: .landlock, errno: .current, message: "\(where_)cannot add \(path), granted by \(rule.key), to the Landlock ruleset")
        }
        return count + 1
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether `executable` lies beneath a grant with the EXECUTE right: otherwise the kernel refuses
    /// its execve with EACCES, which the launcher says more plainly before the fork.
    static func grantsExecution(of executable: String, _ plan: LandlockPlan, run: RunPaths) -> Bool {
        guard let real = realPath(executable) else { return true }  // execve reports what is wrong with it
        return plan.paths.contains { rule in
            guard rule.access & LandlockAccess.execute != 0,
                let granted = realPath(rule.grant.resolved(run))
            else { return false }
            return real == granted || real.hasPrefix(granted == "/" ? "/" : granted + "/")
        }
    }
}

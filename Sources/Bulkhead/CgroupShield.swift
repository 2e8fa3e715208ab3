import SystemPackage
import BulkheadSystem
import CLaunch
#if canImport(Glibc)
import Glibc
#endif

/// Keeps a task from writing into the cgroup file systems, for a task whose uid owns cgroup files.
///
/// cgroup files are owned by root (or, with delegation, by the user bulkhead runs as), and ownership is
/// all the kernel asks of a writer: a task running as root without capabilities wrote its pid into a
/// parent cgroup's `cgroup.procs` and left its memory limit behind, or wrote a host process's pid into
/// its own slot, which bulkhead's clean-up then killed. So a task in a slot whose uid could write
/// there enters a Landlock domain (ABI 1, Linux 5.13; no privilege needed) in which writing files,
/// making and removing directories is allowed everywhere except beneath the cgroup mount points.
/// Landlock grants rights beneath directories and has no "everywhere but", so the ruleset grants them
/// beneath every sibling along the way instead: each entry of `/` but `sys`, each of `/sys` but `fs`,
/// each of `/sys/fs` but `cgroup`. What does not exist when the ruleset is made (a new top-level
/// directory) is not writable for the task.
enum CgroupShield {
    static let writeFile: UInt64 = 1 << 1, removeDir: UInt64 = 1 << 4, makeDir: UInt64 = 1 << 7, refer: UInt64 = 1 << 13
    /// Reparenting a file (a rename or link into another directory) is denied by any ruleset unless it
    /// handles and grants LANDLOCK_ACCESS_FS_REFER (ABI 2): without it, `mv a/f b/` would fail with EXDEV.
    /// On ABI 1 it cannot be granted, and such renames fail there (mv falls back to copying).
    static let handled: UInt64 = writeFile | removeDir | makeDir | (bh_landlock_abi() >= 2 ? refer : 0)
    /// O_PATH (asm-generic/fcntl.h): Swift's Glibc module does not import it.
    private static let openPath: Int32 = 0o10000000

    /// Whether a task running as `taskUID` needs the shield: it owns the cgroup files, as root or as
    /// the uid that owns the delegated tree bulkhead created its slots in.
    static func isNeeded(taskUID: uid_t) -> Bool { taskUID == 0 || taskUID == geteuid() }

    /// The cgroup mount points to keep the task out of: /sys/fs/cgroup, and every cgroup file system
    /// mounted anywhere else (a bind mount of a hierarchy at /mnt/cg would otherwise lie beneath the rule
    /// for /mnt).
    static func deniedRoots() -> [String] {
        ["/sys/fs/cgroup"] + CgroupLayout.cgroupMountPoints().filter { !$0.hasPrefix("/sys/fs/cgroup/") && $0 != "/sys/fs/cgroup" }
    }

    /// A ruleset descriptor (3 or above, close-on-exec) for the child to enter.
    /// - Parameter scopeSignals: the ruleset also keeps signals inside the task's tree (`SignalScope`):
    ///   the child enters this one domain instead of the signal-only one.
    static func ruleset(denying roots: [String], scopeSignals: Bool) throws(LaunchError) -> Int32 {
        let created = bh_landlock_fs_ruleset(handled, scopeSignals ? 1 : 0)
        guard created >= 0 else {
            throw LaunchError(stage: .landlock, errno: .current,
                              message: "cannot make a Landlock ruleset that keeps the task out of its cgroup",
                              hint: "run the task as another user (user:), or add memory and processes to limits.best-effort")
        }
        let fd: Int32
        do throws(Errno) { fd = try Descriptors.aboveStandardStreams(created) } catch {
            throw LaunchError(stage: .landlock, errno: error, message: "cannot keep the Landlock ruleset open")
        }
        do throws(LaunchError) {
            try grant(beneathAllBut: roots, in: "/", ruleset: fd, access: handled)
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// Grants `access` beneath every entry of `directory` that is not one of `roots` and holds none of
    /// them, descending into those that do; a file that is not a directory gets the part of `access` a
    /// file can carry. Also how a `filesystem.write` grant above a cgroup mount is granted (`TaskRuleset`).
    static func grant(beneathAllBut roots: [String], in directory: String, ruleset: Int32, access: UInt64) throws(LaunchError) {
        guard let dir = opendir(directory) else {
            // Gone since its parent was listed: nothing beneath it to grant.
            if Errno.current == .noSuchFileOrDirectory && directory != "/" { return }
            throw LaunchError(stage: .landlock, errno: .current, message: "cannot list \(directory) for the Landlock ruleset")
        }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            let path = (directory == "/" ? "" : directory) + "/" + name
            if roots.contains(path) { continue }
            if roots.contains(where: { $0.hasPrefix(path + "/") }) {
                try grant(beneathAllBut: roots, in: path, ruleset: ruleset, access: access)
                continue
            }
            // A symbolic link leads to what its target's own rule says; directory rights only go on
            // directories. The entry's type comes with it, except on file systems that leave it unknown.
            var type = UInt8(entry.pointee.d_type)
            if type == UInt8(DT_LNK) { continue }
            let fd = openat(dirfd(dir), name, openPath | O_NOFOLLOW | O_CLOEXEC)
            if fd < 0 {
                if Errno.current == .noSuchFileOrDirectory { continue }   // gone since it was listed
                throw LaunchError(stage: .landlock, errno: .current, message: "cannot open \(path) for the Landlock ruleset")
            }
            defer { close(fd) }
            if type == UInt8(DT_UNKNOWN) {
                var info = stat()
                guard fstat(fd, &info) == 0 else {
                    throw LaunchError(stage: .landlock, errno: .current, message: "cannot stat \(path) for the Landlock ruleset")
                }
                let mode = info.st_mode & S_IFMT
                if mode == S_IFLNK { continue }
                type = mode == S_IFDIR ? UInt8(DT_DIR) : UInt8(DT_REG)
            }
            let granted = type == UInt8(DT_DIR) ? access : access & LandlockAccess.onFile
            if granted == 0 { continue }
            guard bh_landlock_allow_beneath(ruleset, fd, granted) == 0 else {
                throw LaunchError(stage: .landlock, errno: .current, message: "cannot add \(path) to the Landlock ruleset")
            }
        }
    }
}

import CLaunch
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// A `MountView` as the child reads it (`struct bh_mount_view`, made in `CLaunch/mount_view.c`), owned
/// until `free()`; with a description of every op, so that a failure the child reports by index names
/// what failed.
final class MountViewCData {
    private(set) var view = bh_mount_view()
    private var ops: UnsafeMutablePointer<bh_mount_op>?
    private var strings: [UnsafeMutablePointer<CChar>] = []
    /// Per op, what it does: "bind /usr read-only at /usr".
    private(set) var descriptions: [String] = []
    /// False when a copy failed (out of memory).
    private(set) var complete = true

    private static let newRoot = "/newroot", oldRoot = "/oldroot", hiddenFile = "/hidden-file"
    private static let baseAttributes = UInt64(BH_MOUNT_ATTR_NOSUID.rawValue | BH_MOUNT_ATTR_NODEV.rawValue)

    /// - Parameters:
    ///   - extra: ops made after the view's own mounts and before the seals (the working directory's).
    ///   - freshProc: mount a new proc rather than bind the host's (see `MountView.Operation.proc`).
    ///   - staging: a host directory the staging tmpfs may cover for a moment (in the child's namespace).
    ///   - landlock: rules for the view's own file systems (paths of the view) and the ruleset they go into.
    init(_ view: MountView, extra: [MountView.Operation], freshProc: Bool, staging: String,
         landlock: (rules: [(path: String, access: UInt64)], ruleset: Int32) = ([], -1)) {
        var list: [(bh_mount_op, String)] = []
        var madeHiddenFile = false
        func op(_ kind: bh_mount_kind, source: String? = nil, target: String, data: String? = nil, attr: UInt64 = 0, mode: UInt32 = 0,
                _ what: String) {
            let made = bh_mount_op(kind: Int32(kind.rawValue), source: copy(source), target: copy(target), data: copy(data),
                                   attr: attr, mode: mode)
            list.append((made, what))
        }
        func place(_ operation: MountView.Operation) {
            switch operation {
            case .bind(let source, let target, let writable, let executable):
                var attr = Self.baseAttributes
                if !writable { attr |= UInt64(BH_MOUNT_ATTR_RDONLY.rawValue) }
                if !executable { attr |= UInt64(BH_MOUNT_ATTR_NOEXEC.rawValue) }
                op(BH_MOUNT_BIND, source: Self.oldRoot + source, target: Self.newRoot + target, attr: attr,
                   "bind \(source) \(writable ? "writable" : "read-only")\(executable ? "" : ", noexec") at \(target)")
            case .tmpfs(let path, let size, let mode):
                let data = (size.map { "size=\($0)," } ?? "") + "mode=\(String(mode, radix: 8))"
                op(BH_MOUNT_FS, source: "tmpfs", target: Self.newRoot + path, data: data,
                   attr: Self.baseAttributes | UInt64(BH_MOUNT_ATTR_NOEXEC.rawValue), "mount a tmpfs at \(path)")
            case .devices(let path, let tty):
                op(BH_MOUNT_FS, source: "tmpfs", target: Self.newRoot + path, data: "size=64k,mode=755",
                   attr: UInt64(BH_MOUNT_ATTR_NOSUID.rawValue | BH_MOUNT_ATTR_NOEXEC.rawValue), "mount a tmpfs at \(path)")
                for name in ["null", "zero", "full", "random", "urandom"] + (tty ? ["tty"] : []) {
                    op(BH_MOUNT_FILE, target: Self.newRoot + path + "/" + name, mode: 0o644, "make \(path)/\(name)")
                    // The host's flags, no more: nodev would break the node, and nosuid and noexec mean nothing
                    // for a file that is not regular (execve refuses it anyway). One call fewer per node.
                    op(BH_MOUNT_BIND, source: Self.oldRoot + "/dev/" + name, target: Self.newRoot + path + "/" + name,
                       "bind /dev/\(name) at \(path)/\(name)")
                }
                let links = [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                             ("stderr", "/proc/self/fd/2")]
                for (name, target) in links {
                    op(BH_MOUNT_SYMLINK, source: target, target: Self.newRoot + path + "/" + name, "make the symbolic link \(path)/\(name)")
                }
            case .proc(let path):
                if freshProc {
                    let attr = Self.baseAttributes | UInt64(BH_MOUNT_ATTR_NOEXEC.rawValue)
                    op(BH_MOUNT_FS, source: "proc", target: Self.newRoot + path, attr: attr, "mount proc at \(path)")
                } else {
                    op(BH_MOUNT_BIND, source: Self.oldRoot + "/proc", target: Self.newRoot + path,
                       attr: Self.baseAttributes | UInt64(BH_MOUNT_ATTR_NOEXEC.rawValue), "bind /proc at \(path)")
                }
            case .directory(let path):
                op(BH_MOUNT_DIRECTORY, target: Self.newRoot + path, mode: 0o755, "make the directory \(path)")
            case .emptyFile(let path):
                op(BH_MOUNT_FILE, target: Self.newRoot + path, mode: 0o444, "make the file \(path) to bind over")
            case .symlink(let path, let target):
                op(BH_MOUNT_SYMLINK, source: target, target: Self.newRoot + path, "make the symbolic link \(path) -> \(target)")
            case .hide(let path, let isDirectory):
                let sealed = Self.baseAttributes | UInt64(BH_MOUNT_ATTR_RDONLY.rawValue | BH_MOUNT_ATTR_NOEXEC.rawValue)
                if isDirectory {
                    // Sealed read-only at the end (MountView places a seal): a grant may lie beneath.
                    // Mode 0111: a grant beneath stays reachable, the directory itself cannot be listed.
                    op(BH_MOUNT_FS, source: "tmpfs", target: Self.newRoot + path, data: "size=4k,mode=111",
                       attr: Self.baseAttributes | UInt64(BH_MOUNT_ATTR_NOEXEC.rawValue), "hide \(path)")
                } else {
                    if !madeHiddenFile {
                        op(BH_MOUNT_FILE, target: Self.hiddenFile, mode: 0, "make the empty file that hides files")
                        madeHiddenFile = true
                    }
                    op(BH_MOUNT_BIND, source: Self.hiddenFile, target: Self.newRoot + path, attr: sealed, "hide \(path)")
                }
            case .seal(let path):
                op(BH_MOUNT_SET_ATTR, target: Self.newRoot + path, attr: UInt64(BH_MOUNT_ATTR_RDONLY.rawValue), "make \(path) read-only")
            }
        }
        let all = view.operations
        let firstSeal = all.firstIndex { if case .seal = $0 { true } else { false } } ?? all.endIndex
        for operation in all[..<firstSeal] + extra + all[firstSeal...] { place(operation) }
        if landlock.ruleset >= 0 {
            for rule in landlock.rules {
                op(BH_MOUNT_LANDLOCK, target: rule.path == "/" ? Self.newRoot : Self.newRoot + rule.path, attr: rule.access,
                   "grant \(LandlockAccess.describe(rule.access)) beneath \(rule.path) in the Landlock ruleset")
            }
        }

        let pointer = UnsafeMutablePointer<bh_mount_op>.allocate(capacity: max(list.count, 1))
        for (index, entry) in list.enumerated() { pointer[index] = entry.0 }
        ops = pointer
        descriptions = list.map(\.1)
        self.view = bh_mount_view(
            staging: copy(staging), staging_new_root: copy(staging + Self.newRoot), staging_old_root: copy(staging + Self.oldRoot),
            new_root: copy(Self.newRoot), old_root: copy(Self.oldRoot), tmpfs: copy("tmpfs"),
            staging_data: copy("size=64k,mode=700"), root_data: copy("size=1m,mode=755"), slash: copy("/"), dot: copy("."),
            ops: UnsafePointer(pointer), op_count: Int32(list.count), landlock_ruleset: landlock.ruleset,
            seal_root: view.rootIsOwn ? 1 : 0)
    }

    /// The view of a launch: its working directory made where it lies on a tmpfs of the view, proc as the
    /// namespaces allow, and the staging tmpfs over /tmp (or /mnt where there is no /tmp).
    convenience init(for view: MountView, workdir: String?, namespaces: TaskNamespaces,
                     landlock: (rules: [(path: String, access: UInt64)], ruleset: Int32) = ([], -1)) {
        let candidates: [String] = ["/tmp", "/mnt", "/run"]
        let staging = candidates.first { (path: String) -> Bool in
            var info = stat()
            return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
        } ?? "/tmp"
        self.init(view, extra: workdir.map(view.directories(making:)) ?? [], freshProc: namespaces.mayMountFreshProc, staging: staging,
                  landlock: landlock)
    }

    /// What to do about a view the kernel refused.
    static func hint(errno: Errno) -> String? {
        switch errno {
        case .notPermitted, .permissionDenied:
            "a security module, a seccomp filter bulkhead runs under, or a locked mount refused it; "
                + "run bulkhead as root, or leave that path out of the view"
        case .noSuchFileOrDirectory, .notDirectory: "the host's file system changed since the view was made: make the view again"
        case .noFunction: "this kernel lacks a call the view needs (pivot_root, mount_setattr from Linux 5.12)"
        default: nil
        }
    }

    private func copy(_ text: String?) -> UnsafePointer<CChar>? {
        guard let text else { return nil }
        guard let copy = strdup(text) else { complete = false; return nil }
        strings.append(copy)
        return UnsafePointer(copy)
    }

    /// What the child was doing when it reported `detail` (an op's index or a `bh_view_step`).
    func describe(detail: Int32) -> String {
        if detail >= 0, Int(detail) < descriptions.count { return descriptions[Int(detail)] }
        switch detail {
        case BH_VIEW_STEP_PRIVATE.rawValue: return "make every mount private"
        case BH_VIEW_STEP_STAGING.rawValue: return "mount the staging tmpfs"
        case BH_VIEW_STEP_FIRST_PIVOT.rawValue: return "pivot_root onto the staging tmpfs"
        case BH_VIEW_STEP_NEW_ROOT.rawValue: return "mount the tmpfs of the new root"
        case BH_VIEW_STEP_DETACH_OLD.rawValue: return "detach the staging root and the old root"
        case BH_VIEW_STEP_SECOND_PIVOT.rawValue: return "pivot_root into the new root"
        case BH_VIEW_STEP_SEAL_ROOT.rawValue: return "make the new root read-only"
        default: return "build the view (step \(detail))"
        }
    }

    func free() {
        for string in strings { Glibc.free(string) }
        strings = []
        ops?.deallocate()
        ops = nil
    }
}

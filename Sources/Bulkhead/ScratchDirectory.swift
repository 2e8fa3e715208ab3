import BulkheadPolicy
import BulkheadSystem
import SystemPackage
import CLaunch
#if canImport(Glibc)
    import Glibc
#endif

/// A run's private writable directory (`filesystem.scratch`): made by bulkhead before the task starts,
/// mode 0700 and owned by the task's uid, exported as `BULKHEAD_SCRATCH`, and removed after the run.
///
/// It lives in /tmp, where anyone may create names: it is made with mkdtemp (an unpredictable name,
/// mkdir(2) follows no symbolic link and fails on any existing name), then opened with O_NOFOLLOW and
/// checked to be the directory just made before it is handed to the task's uid. Removal never follows
/// a link the task planted: every directory is entered with openat(O_DIRECTORY|O_NOFOLLOW) relative to
/// its parent's descriptor and every entry removed with unlinkat, so a link to a file outside removes
/// the link, never the file. What cannot be removed is said, never skipped in silence.
public struct ScratchDirectory: Sendable {
    public let path: String
    /// The variable the task finds the path in.
    public static let variable = "BULKHEAD_SCRATCH"
    static let parent = "/tmp"
    /// O_PATH (asm-generic/fcntl.h): Swift's Glibc module does not import it.
    private static let openPath: Int32 = 0o10000000
    /// Deeper trees are left in place (and said so): each level holds a descriptor.
    static let maxDepth = 128

    /// Makes the directory for a task running as `uid`/`gid`.
    static func create(uid: uid_t, gid: gid_t) throws(LaunchError) -> ScratchDirectory {
        var template = Array((parent + "/bulkhead-scratch-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else {
            throw LaunchError(stage: .plan, errno: .current, message: "filesystem.scratch: cannot make a scratch directory in \(parent)")
        }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let scratch = ScratchDirectory(path: path)
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        var info = stat()
        guard fd >= 0, fstat(fd, &info) == 0, info.st_uid == geteuid(), info.st_mode & 0o7777 == 0o700 else {
            let err = Errno.current
            if fd >= 0 { close(fd) }
            _ = scratch.remove()
            throw LaunchError(
                stage: .plan, errno: err, message: "filesystem.scratch: the scratch directory \(path) is not the one bulkhead made")
        }
        defer { close(fd) }
        if uid != info.st_uid || gid != info.st_gid {
            guard fchown(fd, uid, gid) == 0 else {
                let err = Errno.current
                _ = scratch.remove()
                throw LaunchError(stage: .plan, errno: err, message: "filesystem.scratch: cannot give the scratch directory to uid \(uid)")
            }
        }
        return scratch
    }

    /// Removes the directory and everything in it. Returns nil, or why something is left.
    public func remove() -> String? {
        let parentFD = open(Self.parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard parentFD >= 0 else { return "cannot open \(Self.parent): \(Errno.current.text)" }
        defer { close(parentFD) }
        let name = Array(String(path.dropFirst(Self.parent.count + 1)).utf8CString)
        var info = stat()
        if fstatat(parentFD, name, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mode & S_IFMT != S_IFDIR {
            // The task moved the directory away and left something in its place: that goes, the
            // directory cannot be found any more.
            _ = unlinkat(parentFD, name, 0)
            return "it was moved away and replaced by something else (removed); the directory itself was not found"
        }
        return Self.removeTree(name, in: parentFD, shown: path, depth: 0)
    }

    /// Removes the entry `name` of the directory open as `directory`: a directory with what is in it,
    /// anything else (a symbolic link included) by unlinking the name.
    /// - Parameter name: NUL-terminated bytes: a name the task made need not be UTF-8.
    private static func removeTree(_ name: [CChar], in directory: Int32, shown: String, depth: Int) -> String? {
        var info = stat()
        guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            return errno == ENOENT ? nil : "cannot look at \(shown): \(Errno.current.text)"
        }
        if info.st_mode & S_IFMT != S_IFDIR {
            guard unlinkat(directory, name, 0) == 0 || errno == ENOENT else { return "cannot remove \(shown): \(Errno.current.text)" }
            return nil
        }
        guard depth < maxDepth else { return "\(shown) is nested deeper than \(maxDepth) directories" }
        var fd = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 && errno == EACCES {
            // The task took its own rights away (chmod 0): give them back through a descriptor of this
            // very directory, never through its name, which the task could have replaced with a link.
            let pinned = openat(directory, name, openPath | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if pinned >= 0 {
                _ = chmod("/proc/self/fd/\(pinned)", 0o700)
                close(pinned)
                fd = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
        }
        guard fd >= 0 else {
            // ELOOP or ENOTDIR: it became a link since fstatat; unlink that name.
            if errno == ELOOP || errno == ENOTDIR, unlinkat(directory, name, 0) == 0 { return nil }
            return "cannot open \(shown): \(Errno.current.text)"
        }
        // Entries are removed while the listing goes on; list again until nothing is left (a bounded
        // number of times: the task's processes are gone, but a library caller's may not be).
        for pass in 0... {
            if pass == 1000 { close(fd); return "\(shown) keeps being refilled" }
            // A fresh listing from the start each pass: the copy shares the offset the last pass left at
            // the end. Close-on-exec, as no other thread's child may inherit it.
            let listing = lseek(fd, 0, SEEK_SET) == 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1
            guard listing >= 0, let stream = fdopendir(listing) else {
                let err = Errno.current
                if listing >= 0 { close(listing) }
                close(fd)
                return "cannot list \(shown): \(err.text)"
            }
            var names: [[CChar]] = []
            while let entry = readdir(stream) {
                let entryName = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }.map { CChar(bitPattern: $0) }) }
                if entryName != [46] && entryName != [46, 46] { names.append(entryName + [0]) }
            }
            closedir(stream)
            if names.isEmpty { break }
            for entryName in names {
                let shownName = String(decoding: entryName.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if let problem = removeTree(entryName, in: fd, shown: shown + "/" + shownName, depth: depth + 1) {
                    close(fd)
                    return problem
                }
            }
        }
        close(fd)
        guard unlinkat(directory, name, AT_REMOVEDIR) == 0 || errno == ENOENT else {
            return "cannot remove \(shown): \(Errno.current.text)"
        }
        return nil
    }
}

import BulkheadPolicy
import BulkheadSystem
import CLaunch
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// The file system a task sees: in a mount namespace of its own, a root holding exactly what is granted,
/// entered with pivot_root (the child builds it, `CLaunch/mount_view.c`). Everything is resolved here, in
/// the parent, when the view is made; the child only replays `operations`.
///
/// A grant binds the real path of what it names at that same path: read-only unless it is in `write`,
/// always nosuid and nodev, and noexec unless it is in `exec` (which implies read). A grant under a
/// symlinked directory (`/lib` → `usr/lib` on merged-/usr systems) gets the symlink in the view and the
/// real path bound, so both names work. Binds are recursive, and the flags hold for every mount beneath
/// the granted one (a read-only `/usr` has no writable submount). What is not granted does not exist:
/// the root is an otherwise empty tmpfs, made read-only once the view is built.
public struct MountView: Sendable, Equatable {
    /// A tmpfs at `path`, private to the task.
    public struct Tmpfs: Sendable, Equatable {
        public var path: String
        /// nil: the kernel's default, half the machine's memory (tmpfs(5)); what the task writes there is
        /// charged to its memory cgroup, so `limits.memory` bounds it too.
        public var sizeBytes: UInt64?
        public var mode: UInt32
        public init(_ path: String, sizeBytes: UInt64? = 64 << 20, mode: UInt32 = 0o1777) {
            self.path = path; self.sizeBytes = sizeBytes; self.mode = mode
        }
    }

    /// A host directory mounted writable (noexec) at another path: the task's scratch space.
    public struct Scratch: Sendable, Equatable {
        public var source: String
        public var path: String
        public init(source: String, at path: String) { self.source = source; self.path = path }
    }

    /// One step of building the view, in order. Paths are those of the view; `source` is the host's.
    public enum Operation: Sendable, Equatable {
        case bind(source: String, target: String, writable: Bool, executable: Bool)
        case tmpfs(path: String, sizeBytes: UInt64?, mode: UInt32)
        /// A tmpfs holding bind mounts of the host's null, zero, full, random, urandom (and tty) and the
        /// fd, stdin, stdout and stderr symlinks into /proc/self.
        case devices(path: String, tty: Bool)
        /// A proc file system: a fresh one when the task has a pid namespace or bulkhead is root, else the
        /// host's, bound (an unprivileged user namespace may mount proc only for a pid namespace it owns).
        case proc(path: String)
        case directory(path: String)
        /// What a bind of a file lands on.
        case emptyFile(path: String)
        case symlink(path: String, target: String)
        /// A directory hidden under an empty read-only tmpfs, or a file under an empty read-only file.
        case hide(path: String, isDirectory: Bool)
        /// A mount made read-only once everything beneath it is in place.
        case seal(path: String)
    }

    public let operations: [Operation]
    /// Mount points in `operations` order: a working directory is placed against them at launch.
    let mounts: [(path: [String], isBind: Bool, hostPath: String?)]

    public static func == (a: MountView, b: MountView) -> Bool { a.operations == b.operations }

    /// - Parameters:
    ///   - read, write, exec: paths granted; each must exist. `exec` and `write` imply `read`.
    ///   - tmpfs: private tmpfs mounts (their path need not exist on the host unless under a grant).
    ///   - hide: paths that must not be reachable inside; a path that does not exist is already hidden.
    ///   - devices: a minimal /dev (null, zero, full, random, urandom; tty only with `tty`).
    ///   - proc: a /proc.
    public init(read: [String] = [], write: [String] = [], exec: [String] = [], tmpfs: [Tmpfs] = [],
                hide: [String] = [], scratch: Scratch? = nil, devices: Bool = true, tty: Bool = false,
                proc: Bool = true) throws(LaunchError) {
        try self.init(grants: read.map { Grant($0, "read") }, write.map { Grant($0, "write") }, exec.map { Grant($0, "exec") },
                      tmpfs: tmpfs, hide: hide, scratch: scratch, devices: devices, tty: tty, proc: proc)
    }

    /// A path granted, with the key an error about it names ("read", or "filesystem.read (policy.yaml:4:9)"),
    /// and whether a path that does not exist grants nothing rather than failing.
    struct Grant {
        var path: String
        var key: String
        var optional = false
        /// Where a policy wrote it ("FILE:LINE:COL"), for the error about it.
        var location: String?
        init(_ path: String, _ key: String, optional: Bool = false, location: String? = nil) {
            self.path = path; self.key = key; self.optional = optional; self.location = location
        }
    }

    init(grants read: [Grant], _ write: [Grant], _ exec: [Grant],
         tmpfs: [Tmpfs], hide: [String], scratch: Scratch?, devices: Bool, tty: Bool, proc: Bool) throws(LaunchError) {
        var nodes: [Node] = []
        var grants: [String: (writable: Bool, executable: Bool, isDirectory: Bool)] = [:]
        var order: [String] = []
        var links: Set<String> = []
        for (paths, writable, executable) in [(read, false, false), (write, true, false), (exec, false, true)] {
            for grant in paths {
                let resolved: (path: String, isDirectory: Bool, symlinks: [(path: String, target: String)])
                do throws(LaunchError) { resolved = try Self.resolve(grant.path, key: grant.key) } catch {
                    if grant.optional, error.errno == .noSuchFileOrDirectory || error.errno == .notDirectory { continue }
                    guard let location = grant.location else { throw error }
                    // As Landlock's check says it, at the line that needs the fix.
                    throw LaunchError(stage: .mountView, errno: error.errno ?? .noSuchFileOrDirectory,
                                      message: "\(location): \(grant.key) grants \(grant.path), which cannot be opened",
                                      hint: "create it, or remove it from \(grant.key) (\(grant.path)? skips it where it is missing)")
                }
                // A symlink on the way of several grants (/bin of /bin/true and /bin?) is made once.
                for link in resolved.symlinks where !links.contains(link.path) {
                    links.insert(link.path)
                    nodes.append(Node(path: link.path, kind: .symlink(target: link.target)))
                }
                if let old = grants[resolved.path] {
                    grants[resolved.path] = (old.writable || writable, old.executable || executable, old.isDirectory)
                } else {
                    grants[resolved.path] = (writable, executable, resolved.isDirectory)
                    order.append(resolved.path)
                }
            }
        }
        // A merged-/usr system's links at the root (/bin -> usr/bin, /lib64 -> usr/lib64) into a grant come
        // along: the kernel looks for the dynamic loader at /lib64/ld-linux-x86-64.so.2 whatever was granted.
        for link in Self.rootSymlinks() where !links.contains(link.path) {
            let target = link.target.hasPrefix("/") ? link.target : "/" + link.target
            let intoAGrant = grants.contains { key, value in
                value.isDirectory && (key == "/" || target.hasPrefix(key + "/") || target == key)
            }
            guard intoAGrant else { continue }
            links.insert(link.path)
            nodes.append(Node(path: link.path, kind: .symlink(target: link.target)))
        }
        // Landlock gives a path the rights of every grant above it: a bind beneath an exec or write grant
        // (a writable working directory under `exec: [/]`) gets them too, so a grant means the same with
        // or without the view.
        func covered(_ path: String, by granted: [String: (writable: Bool, executable: Bool, isDirectory: Bool)],
                     _ right: KeyPath<(writable: Bool, executable: Bool, isDirectory: Bool), Bool>) -> Bool {
            granted.contains { key, value in value[keyPath: right] && (key == "/" || path == key || path.hasPrefix(key + "/")) }
        }
        let original = grants
        for path in order {
            let old = grants[path]!
            grants[path] = (old.writable || covered(path, by: original, \.writable),
                            old.executable || covered(path, by: original, \.executable), old.isDirectory)
        }
        for path in order {
            let grant = grants[path]!
            let bind = Node.Kind.bind(source: path, writable: grant.writable, executable: grant.executable, isDirectory: grant.isDirectory)
            nodes.append(Node(path: path, kind: bind))
        }
        if let scratch {
            let source = try Self.resolve(scratch.source, key: "scratch")
            guard source.isDirectory else {
                throw LaunchError(stage: .mountView, errno: .notDirectory, message: "scratch: \(scratch.source) is not a directory")
            }
            let target = try Self.mountPoint(scratch.path, key: "scratch")
            nodes.append(Node(path: target, kind: .bind(source: source.path, writable: true, executable: false, isDirectory: true)))
        }
        for mount in tmpfs {
            let point = try Self.mountPoint(mount.path, key: "tmpfs")
            nodes.append(Node(path: point, kind: .tmpfs(sizeBytes: mount.sizeBytes, mode: mount.mode)))
        }
        if devices { nodes.append(Node(path: "/dev", kind: .devices(tty: tty))) }
        if proc { nodes.append(Node(path: "/proc", kind: .proc)) }
        for path in hide {
            // A path that is not there, or not reachable, is hidden already.
            guard let resolved = try? Self.resolve(path, key: "hide") else { continue }
            nodes.append(Node(path: resolved.path, kind: .hide(isDirectory: resolved.isDirectory)))
        }
        // A file system of the view's own takes the place of a grant at its path (a grant of /proc with a
        // fresh /proc, of /tmp with a private tmpfs there); beneath /proc and /dev only what the view makes
        // exists. Landlock still gives the grant's rights there (`LandlockPlan.rules(for:run:)`).
        let own = nodes.compactMap { node -> (path: [String], closed: Bool)? in
            switch node.kind {
            case .tmpfs: (node.components, false)
            case .devices, .proc: (node.components, true)
            default: nil
            }
        }
        nodes.removeAll { node in
            guard case .bind = node.kind else { return false }
            let path = node.components
            return own.contains { $0.path == path || ($0.closed && Self.isPrefix($0.path, of: path)) }
        }
        (operations, mounts) = try Self.place(nodes)
        if bh_mount_setattr_available() == 0 { try Self.refuseSubmounts(of: operations) }
    }

    /// The symbolic links in the host's root directory, with their text.
    static func rootSymlinks() -> [(path: String, target: String)] {
        guard let stream = opendir("/") else { return [] }
        defer { closedir(stream) }
        var found: [(path: String, target: String)] = []
        while let entry = readdir(stream) {
            guard entry.pointee.d_type == UInt8(DT_LNK) else { continue }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink("/" + name, &buffer, buffer.count - 1)
            guard n > 0 else { continue }
            found.append(("/" + name, String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)))
        }
        return found
    }

    /// Without mount_setattr(2) the child can only remount the top mount of a recursive bind: the mounts
    /// beneath would keep their own flags (writable, exec, suid), so a grant with any is refused.
    static func refuseSubmounts(of operations: [Operation]) throws(LaunchError) {
        guard let table = try? KernelFile.text("/proc/self/mountinfo") else { return }
        // mountinfo(5): the fifth field is the mount point, with space, tab, newline and backslash in octal.
        let points = table.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            return fields.count > 4 ? String(fields[4]).replacingOctalEscapes() : nil
        }
        for case .bind(let source, let target, _, _) in operations {
            let prefix = source == "/" ? "/" : source + "/"
            if let beneath = points.first(where: { $0.hasPrefix(prefix) && $0 != source }) {
                throw LaunchError(stage: .mountView, errno: .noFunction,
                                  message: "the grant of \(target) holds the mount \(beneath), "
                                      + "which this kernel cannot restrict with it (mount_setattr needs Linux 5.12)",
                                  hint: "grant what lies beside \(beneath) instead, or run on Linux 5.12 or later")
            }
        }
    }

    // MARK: - Resolution

    private struct Node {
        enum Kind {
            case bind(source: String, writable: Bool, executable: Bool, isDirectory: Bool)
            case tmpfs(sizeBytes: UInt64?, mode: UInt32)
            case devices(tty: Bool)
            case proc
            case symlink(target: String)
            case hide(isDirectory: Bool)

            /// At one path: file systems first, then what is bound over them, then what is hidden.
            var rank: Int {
                switch self {
                case .symlink: 0
                case .tmpfs, .devices, .proc: 1
                case .bind: 2
                case .hide: 3
                }
            }
        }
        let path: String
        let kind: Kind
        /// Split once: placement sorts and compares them many times.
        let components: [String]
        init(path: String, kind: Kind) { self.path = path; self.kind = kind; components = Self.components(path) }
        static func components(_ path: String) -> [String] { path.split(separator: "/").map(String.init) }
    }

    /// The real path of `path`, following every symlink on the way as the kernel would, and the symlinks
    /// met (each at its own real location, with its text), so that the view can hold them too.
    static func resolve(_ path: String, key: String) throws(LaunchError)
        -> (path: String, isDirectory: Bool, symlinks: [(path: String, target: String)]) {
        guard path.hasPrefix("/") else {
            throw LaunchError(stage: .mountView, errno: .invalidArgument, message: "\(key): \(path) is not an absolute path",
                              hint: "name it from the root, e.g. /\(path)")
        }
        var current: [String] = []
        var pending = Array(Node.components(path).reversed())
        var symlinks: [(path: String, target: String)] = []
        var info = stat()
        var isDirectory = true
        while let component = pending.popLast() {
            if component == "." { continue }
            if component == ".." { _ = current.popLast(); continue }
            let candidate = "/" + (current + [component]).joined(separator: "/")
            guard lstat(candidate, &info) == 0 else {
                let err = Errno.current
                throw LaunchError(stage: .mountView, errno: err,
                                  message: "\(key): \(path) cannot be granted: \(candidate) does not exist or cannot be reached",
                                  hint: "create it, or remove \(path) from \(key)")
            }
            if info.st_mode & S_IFMT == S_IFLNK {
                guard symlinks.count < 40 else {
                    throw LaunchError(stage: .mountView, errno: .tooManySymbolicLinkLevels,
                                      message: "\(key): \(path) has too many symbolic links")
                }
                var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let n = readlink(candidate, &buffer, buffer.count - 1)
                guard n > 0 else {
                    throw LaunchError(stage: .mountView, errno: .current, message: "\(key): cannot read the symbolic link \(candidate)")
                }
                let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                symlinks.append((candidate, target))
                if target.hasPrefix("/") { current = [] }
                pending.append(contentsOf: Node.components(target).reversed())
                continue
            }
            current.append(component)
            isDirectory = info.st_mode & S_IFMT == S_IFDIR
        }
        return ("/" + current.joined(separator: "/"), isDirectory, symlinks)
    }

    /// Where a mount of the view's own goes: its real path when it exists, else its parent's real path
    /// (which need not exist either) and its name.
    static func mountPoint(_ path: String, key: String) throws(LaunchError) -> String {
        guard path.hasPrefix("/") else {
            throw LaunchError(stage: .mountView, errno: .invalidArgument, message: "\(key): \(path) is not an absolute path")
        }
        if let resolved = try? resolve(path, key: key) { return resolved.path }
        var components = Node.components(path).filter { $0 != "." }
        guard let last = components.popLast(), last != ".." else { return "/" }
        let parent = try mountPoint("/" + components.joined(separator: "/"), key: key)
        return parent == "/" ? "/" + last : parent + "/" + last
    }

    // MARK: - Placement

    private static func isPrefix(_ a: [String], of b: [String]) -> Bool { a.count < b.count && b.starts(with: a) }

    /// Orders the nodes (parents before children) and makes each one's mount point: on a tmpfs of the
    /// view it is created; inside a bind it must already exist on the host.
    private static func place(_ unordered: [Node]) throws(LaunchError)
        -> ([Operation], [(path: [String], isBind: Bool, hostPath: String?)]) {
        let nodes = unordered.sorted { a, b in
            let x = a.components, y = b.components
            return x == y ? a.kind.rank < b.kind.rank : x.lexicographicallyPrecedes(y)
        }
        var operations: [Operation] = []
        var seals: [Operation] = []
        var mounts: [(path: [String], isBind: Bool, hostPath: String?)] = []
        var grantsOfBinds: [[String]: (writable: Bool, executable: Bool)] = [:]
        var made: Set<[String]> = [[]]
        for node in nodes {
            let path = node.components
            let enclosing = mounts.last { isPrefix($0.path, of: path) }
            if let enclosing, enclosing.isBind, let host = enclosing.hostPath {
                let hostPath = host + "/" + path[enclosing.path.count...].joined(separator: "/")
                switch node.kind {
                case .symlink:
                    continue // the bind holds it already
                case .bind(let source, let writable, let executable, _):
                    // Covered by an enclosing bind with the same rights and the same files: one mount fewer.
                    if grantsOfBinds[enclosing.path].map({ $0 == (writable, executable) }) == true, source == hostPath { continue }
                case .hide:
                    break
                case .tmpfs, .devices, .proc:
                    var info = stat()
                    guard stat(hostPath, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                        let bind = "/" + enclosing.path.joined(separator: "/")
                        throw LaunchError(stage: .mountView, errno: .noSuchFileOrDirectory,
                                          message: "\(node.path) cannot be mounted: it lies in the bind of \(bind), "
                                              + "where no directory \(node.path) exists",
                                          hint: "create \(hostPath) on the host, or mount it elsewhere")
                    }
                }
            } else {
                switch node.kind {
                case .hide: continue // not under any grant: it does not exist in the view
                default: break
                }
                // On a tmpfs of the view (or its root): make what leads to the mount point, then the point.
                for depth in 1..<max(path.count, 1) where !made.contains(Array(path[0..<depth])) {
                    made.insert(Array(path[0..<depth]))
                    operations.append(.directory(path: "/" + path[0..<depth].joined(separator: "/")))
                }
                if !made.contains(path) {
                    switch node.kind {
                    case .symlink: break
                    case .bind(_, _, _, let isDirectory) where !isDirectory: operations.append(.emptyFile(path: node.path))
                    default: operations.append(.directory(path: node.path))
                    }
                    made.insert(path)
                }
            }
            switch node.kind {
            case .symlink(let target):
                operations.append(.symlink(path: node.path, target: target))
            case .bind(let source, let writable, let executable, _):
                operations.append(.bind(source: source, target: node.path, writable: writable, executable: executable))
                mounts.append((path, true, source))
                grantsOfBinds[path] = (writable, executable)
            case .tmpfs(let size, let mode):
                operations.append(.tmpfs(path: node.path, sizeBytes: size, mode: mode))
                mounts.append((path, false, nil))
            case .devices(let tty):
                operations.append(.devices(path: node.path, tty: tty))
                mounts.append((path, false, nil))
                seals.append(.seal(path: node.path))
            case .proc:
                operations.append(.proc(path: node.path))
                mounts.append((path, true, nil))
            case .hide(let isDirectory):
                operations.append(.hide(path: node.path, isDirectory: isDirectory))
                // A hidden directory is an empty tmpfs, on which a grant beneath it (a working directory in a
                // hidden home) gets its mount point; read-only once that is in place.
                mounts.append((path, !isDirectory, nil))
                if isDirectory { seals.append(.seal(path: node.path)) }
            }
        }
        return (operations + seals, mounts)
    }

    /// The file systems the view mounts of its own, which hold none of the host's files: Landlock rules
    /// made in the parent (on the host's files) do not reach them, so the child adds theirs once they exist.
    public enum OwnMount: Sendable, Equatable {
        case tmpfs(String), devices(String), proc(String)
        public var path: String {
            switch self {
            case .tmpfs(let path), .devices(let path), .proc(let path): path
            }
        }
    }

    public var ownMounts: [OwnMount] {
        operations.compactMap {
            switch $0 {
            case .tmpfs(let path, _, _): .tmpfs(path)
            case .devices(let path, _): .devices(path)
            case .proc(let path): .proc(path)
            default: nil
            }
        }
    }

    /// True when the view's root is a tmpfs of its own (nothing binds the host's `/` there).
    public var rootIsOwn: Bool {
        !operations.contains { if case .bind(_, "/", _, _) = $0 { true } else { false } }
    }

    /// The directories that make `directory` (a path of the view) exist, when it lies on a tmpfs of the
    /// view rather than in a bind (where it exists, or not, as on the host).
    func directories(making directory: String) -> [Operation] {
        let path = Node.components(directory).filter { $0 != "." }
        guard !path.isEmpty, path.allSatisfy({ $0 != ".." }) else { return [] }
        if let enclosing = mounts.last(where: { $0.path == path || Self.isPrefix($0.path, of: path) }), enclosing.isBind { return [] }
        if mounts.contains(where: { $0.path == path }) { return [] }
        return (1...path.count).map { .directory(path: "/" + path[0..<$0].joined(separator: "/")) }
    }
}

private extension String {
    /// "\040" and the like, as mountinfo(5) writes unusual bytes of a path, back to those bytes.
    func replacingOctalEscapes() -> String {
        guard contains("\\") else { return self }
        return ByteEscapes.decode(self, marker: UInt8(ascii: "\\"), digits: 3, radix: 8)
    }
}

import BulkheadPolicy
#if canImport(Glibc)
import Glibc
#endif

extension MountView {
    /// The view a `filesystem:` policy describes, for one run: `$CWD`, `$SCRATCH` and `$COMMAND` in its grants
    /// become that run's working directory, scratch directory and executable, and the scratch directory is
    /// granted writable as Landlock grants it. A grant that does not exist is an error naming its key and where
    /// the policy wrote it, unless it is optional (`/lib64?`).
    /// - Parameters:
    ///   - tmpfsSize: the size of each `tmpfs` mount; nil: the kernel's default.
    ///   - devices, tty, proc: as in `init(read:write:exec:tmpfs:hide:scratch:devices:tty:proc:)`.
    public init(filesystem: FilesystemPolicy, run: RunPaths, tmpfsSize: UInt64? = nil, devices: Bool = true, tty: Bool = false,
                proc: Bool = true) throws(LaunchError) {
        func grants(_ list: [PathGrant], _ key: String) -> [Grant] {
            list.map { grant in
                let at = grant.location.map { " (\($0))" } ?? ""
                return Grant(grant.resolved(run), "filesystem.\(key)\(at)", optional: grant.optional)
            }
        }
        var write = grants(filesystem.write, "write")
        if let scratch = run.scratch { write.append(Grant(scratch, "scratch")) }
        let tmpfs = filesystem.tmpfs.map { Tmpfs($0.path, sizeBytes: tmpfsSize) }
        try self.init(grants: grants(filesystem.read, "read"), write, grants(filesystem.exec, "exec"), tmpfs: tmpfs,
                      hide: filesystem.hide.flatMap { Self.expand($0.path) }, scratch: nil, devices: devices, tty: tty, proc: proc)
    }

    /// The same, with only a working and a scratch directory known.
    public init(filesystem: FilesystemPolicy, workingDirectory: String, scratch: String?) throws(LaunchError) {
        try self.init(filesystem: filesystem, run: RunPaths(workingDirectory: workingDirectory, scratch: scratch))
    }

    /// The paths a `hide` entry names: itself, or with a `*` in its last component, every entry of its
    /// directory that matches (fnmatch(3), a leading dot matched only by a pattern that starts with one).
    static func expand(_ pattern: String) -> [String] {
        guard pattern.contains("*") else { return [pattern] }
        let slash = pattern.lastIndex(of: "/") ?? pattern.startIndex
        let directory = slash == pattern.startIndex ? "/" : String(pattern[..<slash])
        let name = String(pattern[pattern.index(after: slash)...])
        guard let stream = opendir(directory) else { return [] }
        defer { closedir(stream) }
        var found: [String] = []
        while let entry = readdir(stream) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard entryName != ".", entryName != "..", fnmatch(name, entryName, FNM_PERIOD) == 0 else { continue }
            found.append(directory == "/" ? "/" + entryName : directory + "/" + entryName)
        }
        return found.sorted()
    }
}

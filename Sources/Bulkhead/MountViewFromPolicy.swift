import BulkheadPolicy

extension MountView {
    /// The view a `filesystem:` policy describes, for one run: `$CWD` and `$SCRATCH` in its grants become that
    /// run's working and scratch directories, and the scratch directory is granted writable as Landlock grants
    /// it. A grant that does not exist is an error naming its key and where the policy wrote it.
    /// - Parameters:
    ///   - tmpfs, hide, devices, tty, proc: as in `init(read:write:exec:tmpfs:hide:scratch:devices:tty:proc:)`.
    public init(filesystem: FilesystemPolicy, workingDirectory: String, scratch: String?, tmpfs: [Tmpfs] = [], hide: [String] = [],
                devices: Bool = true, tty: Bool = false, proc: Bool = true) throws(LaunchError) {
        func paths(_ grants: [PathGrant], _ key: String) -> [(path: String, key: String)] {
            grants.map { grant in
                let at = grant.location.map { " (\($0))" } ?? ""
                return (grant.resolved(workingDirectory: workingDirectory, scratch: scratch), "filesystem.\(key)\(at)")
            }
        }
        var write = paths(filesystem.write, "write")
        if let scratch { write.append((scratch, "scratch")) }
        try self.init(grants: paths(filesystem.read, "read"), write, paths(filesystem.exec, "exec"), tmpfs: tmpfs, hide: hide,
                      scratch: nil, devices: devices, tty: tty, proc: proc)
    }
}

import BulkheadPolicy

extension LandlockPlan {
    /// The Landlock rules a file-system view needs for the file systems it mounts itself (`MountView.OwnMount`),
    /// which hold none of the host's files that the parent's rules name. A grant means the same with or without
    /// the view, so each gets the rights of the grants that cover its path (a fresh /proc is readable where the
    /// policy grants /proc, or /), and:
    /// - a `tmpfs` is the task's own, empty at start and gone with it: writable (not executable: it is mounted
    ///   noexec anyway);
    /// - the minimal /dev holds only null, zero, full, random, urandom (and tty): readable and writable, as any
    ///   shell expects of /dev/null;
    /// - the view's root, where it is a tmpfs holding only the mount points of the grants: listable, so `ls /`
    ///   works. It gives no right to files: each is reached through a grant or a mount of the view's own.
    /// Rights are those this ABI handles; a mount no grant covers and no rule above names gets no rule.
    func rules(for view: MountView, run: RunPaths) -> [(path: String, access: UInt64)] {
        func covering(_ path: String) -> UInt64 {
            paths.reduce(0) { access, rule in
                let granted = rule.grant.resolved(run)
                let covers = granted == "/" || path == granted || path.hasPrefix(granted + "/")
                return covers ? access | rule.access : access
            }
        }
        var rules: [(path: String, access: UInt64)] = []
        if view.rootIsOwn { rules.append(("/", LandlockAccess.readDir & handledFilesystem)) }
        for mount in view.ownMounts {
            var access = covering(mount.path)
            switch mount {
            case .tmpfs: access |= LandlockAccess.write
            case .devices: access |= LandlockAccess.read | LandlockAccess.writeFile
            case .proc: break
            }
            access &= handledFilesystem
            if access != 0 { rules.append((mount.path, access)) }
        }
        return rules
    }
}

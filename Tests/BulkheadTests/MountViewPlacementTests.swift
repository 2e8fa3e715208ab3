@testable import Bulkhead
import BulkheadPolicy
import Foundation
import SystemPackage
import Testing

/// How a `MountView` turns grants into operations, before any child runs them (MountViewTests in
/// CLITests runs them).
@Suite struct MountViewPlacementTests {
    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "bulkhead-placement-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return try #require(realpath(path, nil).map { pointer in defer { free(pointer) }; return String(cString: pointer) })
    }

    @Test func aGrantThroughASymlinkGetsTheSymlinkAndItsRealPathBound() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/usr/lib", withIntermediateDirectories: true)
        symlink("usr/lib", directory + "/lib")
        let view = try MountView(exec: [directory + "/lib"], devices: false, proc: false)
        #expect(view.operations.contains(.symlink(path: directory + "/lib", target: "usr/lib")))
        let lib = directory + "/usr/lib"
        #expect(view.operations.contains(.bind(source: lib, target: lib, writable: false, executable: true)))
        // The symlink's directory and the bind's mount point are made on the root tmpfs, before they are used.
        let link = try #require(view.operations.firstIndex(of: .symlink(path: directory + "/lib", target: "usr/lib")))
        let made = try #require(view.operations.firstIndex(of: .directory(path: directory)))
        #expect(made < link)
    }

    @Test func aGrantUnderAnEqualGrantIsNotBoundTwiceButADifferentOneIs() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/a/b", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory + "/a/c", withIntermediateDirectories: true)
        let view = try MountView(read: [directory + "/a", directory + "/a/b"], write: [directory + "/a/c"], devices: false, proc: false)
        let binds = view.operations.filter { if case .bind = $0 { true } else { false } }
        #expect(binds == [.bind(source: directory + "/a", target: directory + "/a", writable: false, executable: false),
                          .bind(source: directory + "/a/c", target: directory + "/a/c", writable: true, executable: false)])
    }

    @Test func aGrantInTwoListsHasBothRights() throws {
        let view = try MountView(read: ["/etc"], exec: ["/etc"], devices: false, proc: false)
        #expect(view.operations.contains(.bind(source: "/etc", target: "/etc", writable: false, executable: true)))
    }

    @Test func aMissingOrRelativeGrantIsAnErrorNamingItsKey() {
        #expect(throws: LaunchError.self) { try MountView(write: ["/nonexistent-bulkhead/x"]) }
        do { _ = try MountView(write: ["/nonexistent-bulkhead/x"]) } catch {
            #expect(error.stage == .mountView)
            #expect(error.message.contains("write: /nonexistent-bulkhead/x cannot be granted"), "\(error.message)")
        }
        do { _ = try MountView(read: ["etc"]) } catch {
            #expect(error.message.contains("read: etc is not an absolute path"), "\(error.message)")
        }
    }

    @Test func aFilesystemPolicyGivesTheSameViewWithItsPlaceholdersFilledIn() throws {
        let scratch = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let policy = FilesystemPolicy(read: [PathGrant("$CWD")], write: [PathGrant("$SCRATCH/")], exec: [PathGrant("/usr")],
                                      restricts: true, scratch: true)
        let view = try MountView(filesystem: policy, run: RunPaths(workingDirectory: "/etc", scratch: scratch), devices: false, proc: false)
        let direct = try MountView(read: ["/etc"], write: [scratch], exec: ["/usr"], devices: false, proc: false)
        #expect(view == direct)
        #expect(view.operations.contains(.bind(source: scratch, target: scratch, writable: true, executable: false)))
    }

    @Test func aMissingPolicyGrantNamesWhereThePolicyWroteIt() {
        let location = PolicyLocation(file: "job.yaml", line: 4, column: 11)
        let policy = FilesystemPolicy(read: [PathGrant("/nonexistent-bulkhead", location: location)], restricts: true)
        do {
            _ = try MountView(filesystem: policy, workingDirectory: "/", scratch: nil)
            Issue.record("a missing grant was accepted")
        } catch {
            let expected = "filesystem.read (job.yaml:4:11): /nonexistent-bulkhead cannot be granted"
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test func aWorkingDirectoryOnATmpfsIsMadeAndOneInAGrantIsNot() throws {
        let view = try MountView(read: ["/etc"], tmpfs: [MountView.Tmpfs("/tmp")], devices: false, proc: false)
        #expect(view.directories(making: "/tmp/job") == [.directory(path: "/tmp"), .directory(path: "/tmp/job")])
        #expect(view.directories(making: "/etc/ssl").isEmpty)
        #expect(view.directories(making: "/tmp").isEmpty)
    }

    @Test func aHiddenPathOutsideEveryGrantNeedsNoMount() throws {
        let view = try MountView(read: ["/etc"], hide: ["/root", "/etc/passwd", "/nonexistent-bulkhead"], devices: false, proc: false)
        let hidden = view.operations.filter { if case .hide = $0 { true } else { false } }
        #expect(hidden == [.hide(path: "/etc/passwd", isDirectory: false)])
    }

    @Test func withoutMountSetattrAGrantHoldingMountsIsRefused() throws {
        // What the view does on a kernel before 5.12; /proc has /proc/sys/fs/binfmt_misc or not, /sys here has
        // /sys/fs/cgroup beneath it on most machines, so a bind of / is the one sure to hold a mount.
        #expect(throws: LaunchError.self) {
            try MountView.refuseSubmounts(of: [.bind(source: "/", target: "/", writable: false, executable: true)])
        }
        try MountView.refuseSubmounts(of: [.bind(source: "/nonexistent-bulkhead", target: "/x", writable: false, executable: false)])
    }
}

/// What the child does when the host changed after the view was made.
@Suite(.enabled(if: geteuid() == 0, "the tests start as root")) struct MountViewLaunchTests {
    @Test func aGrantSwappedForASymlinkAfterTheViewWasMadeIsRefused() throws {
        let base = NSTemporaryDirectory() + "bulkhead-swap-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: base + "/grant/sub", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: base + "/secret", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let real = try #require(realpath(base, nil).map { pointer in defer { free(pointer) }; return String(cString: pointer) })
        let system = ["/usr", "/bin", "/lib"].filter { FileManager.default.fileExists(atPath: $0) }
        let view = try MountView(read: [real + "/grant/sub"], exec: system)
        // After the view was made, the granted directory's parent becomes a symlink to somewhere else
        // (relative: an absolute one would resolve in the child's staging root, and miss).
        try FileManager.default.moveItem(atPath: real + "/grant", toPath: real + "/old-grant")
        symlink("secret", real + "/grant")
        try FileManager.default.createDirectory(atPath: real + "/secret/sub", withIntermediateDirectories: true)
        let plan = try SandboxPlan(policy: TaskRunner.bare(), launcherEnvironment: [[UInt8]](), mountView: view)
        do {
            let result = try plan.run(["/bin/true"] as [String])
            Issue.record("the task ran: \(result.outcome)")
        } catch {
            #expect(error.stage == .mountView)
            #expect(error.errno == .tooManySymbolicLinkLevels, "\(error)")
            #expect(error.message.contains("bind \(real)/grant/sub read-only"), "\(error)")
        }
    }
}

/// The namespaces a view adds to a task's.
@Suite struct MountNamespaceTests {
    @Test func aViewAddsAMountNamespaceAndWithoutSysAdminAUserNamespace() {
        let privileged = TaskNamespaces().addingMountNamespace(holdsSysAdmin: true)
        #expect(privileged.flags == TaskNamespaces.cloneNewNS)
        #expect(privileged.procWrites.isEmpty)
        #expect(privileged.mayMountFreshProc)

        let unprivileged = TaskNamespaces().addingMountNamespace(holdsSysAdmin: false)
        #expect(unprivileged.flags == TaskNamespaces.cloneNewNS | TaskNamespaces.newUser)
        #expect(unprivileged.procWrites.map(\.path) == ["/proc/self/setgroups", "/proc/self/uid_map", "/proc/self/gid_map"])
        #expect(unprivileged.procWrites[1].text == "\(geteuid()) \(geteuid()) 1\n")
        // A user namespace may mount proc only for a pid namespace it owns.
        #expect(!unprivileged.mayMountFreshProc)
        var withPID = unprivileged
        withPID.flags |= TaskNamespaces.cloneNewPID
        #expect(withPID.mayMountFreshProc)
    }

    @Test func aTaskKeepingSysAdminIsRefusedAView() throws {
        var policy = TaskRunner.bare()
        policy.capabilities.keep = ["CAP_SYS_ADMIN"]
        let view = try MountView(read: ["/etc"])
        #expect(throws: LaunchError.self) { try MountView.refuseUndoing(keepCaps: 1 << UInt64(CapabilityNames.sysAdmin)) }
        try MountView.refuseUndoing(keepCaps: 1 << 10) // CAP_NET_BIND_SERVICE: nothing to do with mounts
        if geteuid() == 0 {
            do {
                _ = try SandboxPlan(policy: policy, launcherEnvironment: [[UInt8]](), mountView: view)
                Issue.record("a plan keeping CAP_SYS_ADMIN took a view")
            } catch {
                #expect(error.stage == .capabilities)
                #expect(error.message.contains("CAP_SYS_ADMIN"))
            }
        }
    }

    @Test func aUserNamespaceAlreadyPlannedIsKept() {
        let ipc = TaskNamespaces(flags: TaskNamespaces.newIPC | TaskNamespaces.newUser, procWrites: [("/proc/self/uid_map", "0 0 1\n")])
        let both = ipc.addingMountNamespace(holdsSysAdmin: false)
        #expect(both.flags == TaskNamespaces.newIPC | TaskNamespaces.newUser | TaskNamespaces.cloneNewNS)
        #expect(both.procWrites.count == 1)
    }
}

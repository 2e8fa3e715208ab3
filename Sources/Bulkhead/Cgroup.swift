import BulkheadPolicy
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A cgroup holding one task tree, so that `memory` and `processes` bind the whole tree (rlimits bind
/// single processes, and RLIMIT_NPROC not at all for root), and so that every descendant can be found
/// and killed at the end. cgroup v2 when it has the controllers delegated to us; otherwise the v1
/// `memory` and `pids` hierarchies.
/// Used by one task at a time (the pool hands it out and takes it back), hence unchecked Sendable.
final class TaskCgroup: @unchecked Sendable {
    enum Version: String { case v1, v2 }

    struct Directory {
        let controller: String   // "memory", "pids", or "" for the single v2 directory
        let path: String
    }

    let version: Version
    let directories: [Directory]
    /// cgroup.procs of each directory, opened write-only and close-on-exec; the child writes "0" to join.
    let procsFDs: [Int32]

    private init(version: Version, directories: [Directory], procsFDs: [Int32]) {
        self.version = version; self.directories = directories; self.procsFDs = procsFDs
    }

    deinit { procsFDs.forEach { close($0) } }

    /// Creates the cgroup with the limits set, or explains why it cannot.
    static func create(memory: UInt64?, processes: UInt64?, layout: CgroupLayout) -> Result<TaskCgroup, CgroupUnavailable> {
        let name = "bulkhead-\(getpid())-\(nextSerial())"
        if let v2 = layout.v2Directory, let cgroup = try? createV2(base: v2, name: name, memory: memory, processes: processes).get() {
            return .success(cgroup)
        }
        var needed: [(String, String?)] = []
        if memory != nil { needed.append(("memory", layout.v1Directories["memory"])) }
        if processes != nil { needed.append(("pids", layout.v1Directories["pids"])) }
        var made: [Directory] = []
        func undo() { made.reversed().forEach { rmdir($0.path) } }
        for (controller, base) in needed {
            guard let base else {
                undo()
                let v2Reason = layout.v2Directory.map { v2 in (try? createV2(base: v2, name: name, memory: memory, processes: processes).get()) == nil ? " (cgroup v2 at \(v2) lacks delegated controllers)" : "" } ?? ""
                return .failure(CgroupUnavailable(reason: "no cgroup \(controller) controller is mounted\(v2Reason)"))
            }
            let path = base + "/" + name
            guard mkdir(path, 0o755) == 0 else {
                let err = errno
                undo()
                return .failure(CgroupUnavailable(reason: "cannot create \(path): \(ErrnoText.describe(err))"))
            }
            made.append(Directory(controller: controller, path: path))
            do {
                if controller == "memory", let memory {
                    try writeSmallFile(path + "/memory.limit_in_bytes", String(memory))
                    // Without this, swap would let the tree exceed the limit where swap accounting is on.
                    if access(path + "/memory.memsw.limit_in_bytes", F_OK) == 0 {
                        try writeSmallFile(path + "/memory.memsw.limit_in_bytes", String(memory))
                    }
                }
                if controller == "pids", let processes {
                    try writeSmallFile(path + "/pids.max", String(processes))
                }
            } catch {
                undo()
                return .failure(CgroupUnavailable(reason: "cannot set \(controller) limit in \(path): \(ErrnoText.describe(error.errno))"))
            }
        }
        return openProcs(version: .v1, directories: made)
    }

    private static func createV2(base: String, name: String, memory: UInt64?, processes: UInt64?) -> Result<TaskCgroup, CgroupUnavailable> {
        var wanted: [String] = []
        if memory != nil { wanted.append("memory") }
        if processes != nil { wanted.append("pids") }
        let available = (try? readSmallFile(base + "/cgroup.controllers"))?.split(separator: " ").map { $0.trimmed } ?? []
        guard wanted.allSatisfy(available.contains) else {
            return .failure(CgroupUnavailable(reason: "cgroup v2 at \(base) offers [\(available.joined(separator: " "))], not \(wanted.joined(separator: " "))"))
        }
        let enabled = (try? readSmallFile(base + "/cgroup.subtree_control"))?.split(separator: " ").map { $0.trimmed } ?? []
        for controller in wanted where !enabled.contains(controller) {
            // Fails with EBUSY when bulkhead itself lives in `base` (the no-internal-processes rule).
            do { try writeSmallFile(base + "/cgroup.subtree_control", "+" + controller) } catch {
                return .failure(CgroupUnavailable(reason: "cannot enable \(controller) in \(base): \(ErrnoText.describe(error.errno))"))
            }
        }
        let path = base + "/" + name
        guard mkdir(path, 0o755) == 0 else {
            return .failure(CgroupUnavailable(reason: "cannot create \(path): \(ErrnoText.describe(errno))"))
        }
        do {
            if let memory {
                try writeSmallFile(path + "/memory.max", String(memory))
                if access(path + "/memory.swap.max", F_OK) == 0 { try writeSmallFile(path + "/memory.swap.max", "0") }
            }
            if let processes { try writeSmallFile(path + "/pids.max", String(processes)) }
        } catch {
            rmdir(path)
            return .failure(CgroupUnavailable(reason: "cannot set limits in \(path): \(ErrnoText.describe(error.errno))"))
        }
        return openProcs(version: .v2, directories: [Directory(controller: "", path: path)])
    }

    private static func openProcs(version: Version, directories: [Directory]) -> Result<TaskCgroup, CgroupUnavailable> {
        var fds: [Int32] = []
        for directory in directories {
            let fd = open(directory.path + "/cgroup.procs", O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else {
                let err = errno
                fds.forEach { close($0) }
                directories.reversed().forEach { rmdir($0.path) }
                return .failure(CgroupUnavailable(reason: "cannot open \(directory.path)/cgroup.procs: \(ErrnoText.describe(err))"))
            }
            fds.append(fd)
        }
        return .success(TaskCgroup(version: version, directories: directories, procsFDs: fds))
    }

    /// SIGKILLs every process in the cgroup until none is left. Members that fork meanwhile are bounded
    /// by pids.max, so the loop ends.
    /// Returns true once every directory was seen empty.
    @discardableResult
    func killAll() -> Bool {
        var emptied = true
        for directory in directories {
            if version == .v2 { _ = try? writeSmallFile(directory.path + "/cgroup.kill", "1") }
            var empty = false
            for _ in 0..<1000 {
                let members = pids(in: directory)
                if members.isEmpty { empty = true; break }
                members.forEach { kill($0, SIGKILL) }
                usleep(200)
            }
            emptied = emptied && empty
        }
        return emptied
    }

    func pids(in directory: Directory) -> [pid_t] {
        guard let text = try? readSmallFile(directory.path + "/cgroup.procs") else { return [] }
        return Array(text.utf8).split(separator: UInt8(ascii: "\n")).compactMap { pid_t(String(decoding: $0, as: UTF8.self)) }
    }


    /// The kernel's counters only grow; a cgroup used again counts from where the last task left them.
    private var oomBaseline = 0
    private var processLimitBaseline = 0

    /// Makes the counters start from zero for the next task, given what they said at the end of this
    /// one (the supervisor reads them anyway; reading them again costs a launch two file reads).
    func resetCounters(oomKills: Int, processLimitHits: Int) {
        oomBaseline += oomKills
        processLimitBaseline += processLimitHits
    }

    /// Processes the kernel's OOM killer ended inside this cgroup during the current task.
    var oomKills: Int {
        for directory in directories where directory.controller == "memory" || version == .v2 {
            let file = version == .v1 ? "/memory.oom_control" : "/memory.events"
            if let count = keyedCounter(directory.path + file, key: "oom_kill") { return count - oomBaseline }
        }
        return 0
    }

    /// Forks refused because pids.max was reached during the current task.
    var processLimitHits: Int {
        for directory in directories where directory.controller == "pids" || version == .v2 {
            if let count = keyedCounter(directory.path + "/pids.events", key: "max") { return count - processLimitBaseline }
        }
        return 0
    }

    private func keyedCounter(_ path: String, key: String) -> Int? {
        guard let text = try? readSmallFile(path) else { return nil }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == key { return Int(parts[1]) }
        }
        return nil
    }

    /// Removes the directories, killing whatever is still inside first. rmdir fails with EBUSY while a
    /// member remains or is still exiting; the supervisor has usually emptied the cgroup already.
    func destroy() {
        for directory in directories.reversed() {
            for attempt in 0..<200 {
                if rmdir(directory.path) == 0 || errno == ENOENT { break }
                if attempt == 0 { killAll() } else { usleep(500) }
            }
        }
    }

    private static let serial = Mutex(0)
    private static func nextSerial() -> Int { serial.withLock { $0 += 1; return $0 } }
}

struct CgroupUnavailable: Error { let reason: String }

/// Where this process's cgroups are: its own directory in each v1 hierarchy, and in the v2 tree.
struct CgroupLayout {
    var v1Directories: [String: String] = [:]
    var v2Directory: String?

    static func current() -> CgroupLayout {
        var layout = CgroupLayout()
        guard let mountinfo = try? readSmallFile("/proc/self/mountinfo"),
              let membership = try? readSmallFile("/proc/self/cgroup") else { return layout }
        var v1Mounts: [String: (root: String, point: String)] = [:]
        var v2Mount: (root: String, point: String)?
        // mountinfo: "ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS".
        // Parsed as bytes: Character-by-Character splitting cost more than the whole cgroup set-up.
        let space = UInt8(ascii: " ")
        for line in Array(mountinfo.utf8).split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: space)
            guard let dash = fields.firstIndex(where: { $0.elementsEqual("-".utf8) }), dash >= 5, dash + 3 < fields.count
            else { continue }
            let isV2 = fields[dash + 1].elementsEqual("cgroup2".utf8)
            guard isV2 || fields[dash + 1].elementsEqual("cgroup".utf8) else { continue }
            let mount = (root: String(decoding: fields[3], as: UTF8.self), point: String(decoding: fields[4], as: UTF8.self))
            if isV2 { v2Mount = mount; continue }
            for option in fields[dash + 3].split(separator: UInt8(ascii: ",")) {
                if option.elementsEqual("memory".utf8) { v1Mounts["memory"] = mount }
                if option.elementsEqual("pids".utf8) { v1Mounts["pids"] = mount }
            }
        }
        for line in Array(membership.utf8).split(separator: UInt8(ascii: "\n")) {
            let parts = line.split(separator: UInt8(ascii: ":"), maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let path = String(decoding: parts[2], as: UTF8.self)
            if parts[0].elementsEqual("0".utf8), parts[1].isEmpty, let mount = v2Mount {
                layout.v2Directory = join(mount, path)
            }
            for controller in parts[1].split(separator: UInt8(ascii: ",")) {
                let name = String(decoding: controller, as: UTF8.self)
                if let mount = v1Mounts[name] { layout.v1Directories[name] = join(mount, path) }
            }
        }
        return layout
    }

    private static func join(_ mount: (root: String, point: String), _ path: String) -> String {
        var relative = path
        if mount.root != "/", relative.hasPrefix(mount.root) { relative.removeFirst(mount.root.count) }
        if relative == "/" { relative = "" }
        return mount.point + relative
    }
}

import BulkheadSystem
import SystemPackage
import BulkheadPolicy
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A cgroup holding one task tree, so that `memory` and `processes` bind the whole tree (rlimits bind
/// single processes, and RLIMIT_NPROC not at all for root), and so that every descendant can be found
/// and killed at the end. cgroup v2 when it has the controllers delegated to us; otherwise the v1
/// `memory` and `pids` hierarchies.
///
/// The directories are reusable slots, `bulkhead-slot-N` beside bulkhead's own cgroup, each held with
/// flock(2) for as long as one bulkhead uses it. Creating and removing a memory cgroup cost a launch
/// more than everything else bulkhead does in the parent; an empty slot is as good as a new one once
/// its limits are written and its counters read. The lock goes with the holder, even one killed with
/// SIGKILL, and whoever takes a slot next first kills anything its last holder left inside.
/// Used by one task at a time (the pool hands it out and takes it back), hence unchecked Sendable.
final class TaskCgroup: @unchecked Sendable {
    enum Version: String { case v1, v2 }

    /// A held slot and the files a launch reads, kept open: a re-read from offset 0 is one pread(2)
    /// instead of open, read and close on every launch of a plan.
    struct Directory {
        let controller: String   // "memory", "pids", or "" for the single v2 directory
        let path: String
        /// The slot's directory, open and flock-ed while this process holds it.
        let lock: Int32
        /// cgroup.procs, read-only: who is inside (v2; v1 is opened afresh for each read, see `pids`), or -1.
        let members: Int32
        /// The file counting OOM kills (memory.oom_control, or memory.events in v2), or -1.
        let oomEvents: Int32
        /// pids.events, counting forks refused at pids.max, or -1.
        let pidsEvents: Int32
        /// pids.current of a v1 pids slot, or -1: a counter, read afresh on every pread, where the v1
        /// member list is not (see `pids`).
        let taskCount: Int32

        /// Closes every file, which also gives up the slot.
        func close() {
            for fd in [members, oomEvents, pidsEvents, taskCount, lock] where fd >= 0 { Glibc.close(fd) }
        }
    }

    /// How many slots a parent cgroup gets: as many bulkheads may run side by side under it.
    static let slotCount = 256

    let version: Version
    let directories: [Directory]
    /// The file of each directory the child joins through, opened write-only and close-on-exec; the child
    /// writes "0" (itself) to it. v2: cgroup.procs. v1: `tasks`, which moves only the writing thread: a
    /// cgroup.procs write moves a whole thread group under the global cgroup_threadgroup_rwsem, whose
    /// write side waits for an RCU grace period (rcu_sync_enter) unless the hierarchy was mounted with
    /// favordynmods, 2-15 ms on the test VM whenever another sandbox's namespace teardown had just queued
    /// RCU work. A thread that moves itself takes no such lock (kernel commit 9a3284fad42f, Linux 5.17),
    /// and the child is its process's only thread, so the whole process moves.
    let procsFDs: [Int32]

    private init(version: Version, directories: [Directory], procsFDs: [Int32]) {
        self.version = version; self.directories = directories; self.procsFDs = procsFDs
        oomBaseline = oomKills
        processLimitBaseline = processLimitHits
    }

    /// Closing the slot directories releases their locks; the slots stay for the next launch.
    deinit {
        procsFDs.forEach { close($0) }
        directories.forEach { $0.close() }
    }

    /// Takes free slots and writes the limits into them, or explains why it cannot.
    /// (Typed throws rather than `Result`: each generic type used costs a launch its run-time set-up.)
    static func create(memory: UInt64?, processes: UInt64?, layout: CgroupLayout) throws(CgroupUnavailable) -> TaskCgroup {
        let wanted = (memory == nil ? [] : ["memory"]) + (processes == nil ? [] : ["pids"])
        var v2Problem = ""
        if let v2 = layout.v2Directory {
            let available = CgroupLayout.words(in: (try? KernelFile.read(v2 + "/cgroup.controllers")) ?? [])
            if wanted.allSatisfy(available.contains) {
                do { return try createV2(base: v2, wanted: wanted, memory: memory, processes: processes) } catch {
                    v2Problem = " (\(error.reason))"
                }
            } else if layout.memory == nil || layout.pids == nil {
                // Said only when v1 cannot help either, and built only then: it is the rare path.
                v2Problem = " (cgroup v2 at \(v2) offers [\(available.joined(separator: " "))], not \(wanted.joined(separator: " ")))"
            }
        }
        var held: [Directory] = []
        for controller in wanted {
            guard let base = layout.v1Directory(controller) else {
                held.forEach { $0.close() }
                throw CgroupUnavailable(reason: "no cgroup \(controller) controller is mounted\(v2Problem)")
            }
            do {
                held.append(try claimSlot(in: base, controller: controller) { slot throws(PathError) in
                    if controller == "memory", let memory { try setMemoryLimitV1(slot, memory) }
                    if controller == "pids", let processes { try KernelFile.write("pids.max", in: slot, Digits.decimal(processes)) }
                })
            } catch {
                held.forEach { $0.close() }
                throw error
            }
        }
        return try openProcs(version: .v1, directories: held)
    }

    /// A slot in the v2 tree at `base`, which offers every controller in `wanted`.
    private static func createV2(base: String, wanted: [String], memory: UInt64?,
                                 processes: UInt64?) throws(CgroupUnavailable) -> TaskCgroup {
        let enabled = CgroupLayout.words(in: (try? KernelFile.read(base + "/cgroup.subtree_control")) ?? [])
        for controller in wanted where !enabled.contains(controller) {
            // Fails with EBUSY when bulkhead itself lives in `base` (the no-internal-processes rule).
            do { try KernelFile.write(base + "/cgroup.subtree_control", "+" + controller) } catch {
                throw CgroupUnavailable(reason: "cannot enable \(controller) in \(base): \(error.errno.text)")
            }
        }
        let slot = try claimSlot(in: base, controller: "") { slot throws(PathError) in
            if let memory {
                try KernelFile.write("memory.max", in: slot, Digits.decimal(memory))
                do throws(PathError) { try KernelFile.write("memory.swap.max", in: slot, "0") } catch {
                    if error.errno != .noSuchFileOrDirectory { throw error }   // no swap accounting: nothing to limit
                }
            }
            if let processes { try KernelFile.write("pids.max", in: slot, Digits.decimal(processes)) }
        }
        return try openProcs(version: .v2, directories: [slot])
    }

    /// The first slot under `base` that no one holds, emptied and configured by `configure` (given the
    /// slot's open directory).
    private static func claimSlot(in base: String, controller: String,
                                  configure: (Int32) throws(PathError) -> Void) throws(CgroupUnavailable) -> Directory {
        var lastProblem = "all \(slotCount) slots are in use"
        for index in 0..<slotCount {
            let path = base + "/bulkhead-slot-" + Digits.decimal(UInt64(index))
            var fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
            if fd < 0 && Errno.current == .noSuchFileOrDirectory {
                // 0700: a user who could open the slot could also hold its lock forever and starve bulkhead.
                guard mkdir(path, 0o700) == 0 || Errno.current == .fileExists else {
                    throw CgroupUnavailable(reason: "cannot create \(path): \(Errno.current.text)")
                }
                fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
            }
            guard fd >= 0 else {
                throw CgroupUnavailable(reason: "cannot open \(path): \(Errno.current.text)")
            }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                close(fd)
                continue
            }
            func file(_ name: String) -> Int32 { openat(fd, name, O_RDONLY | O_CLOEXEC) }
            let oomEventsFile = controller.isEmpty ? "memory.events" : "memory.oom_control"
            let directory = Directory(controller: controller, path: path, lock: fd, members: controller.isEmpty ? file("cgroup.procs") : -1,
                                      oomEvents: controller == "pids" ? -1 : file(oomEventsFile),
                                      pidsEvents: controller == "memory" ? -1 : file("pids.events"),
                                      taskCount: controller == "pids" ? file("pids.current") : -1)
            guard directory.members >= 0 || !controller.isEmpty else {
                let err = Errno.current
                directory.close()
                throw CgroupUnavailable(reason: "cannot open \(path)/cgroup.procs: \(err.text)")
            }
            // Free but not empty: its last holder died with the task tree still inside.
            guard emptied(directory, version: controller.isEmpty ? .v2 : .v1) else {
                directory.close()
                lastProblem = "\(path) cannot be emptied"
                continue
            }
            do throws(PathError) {
                try configure(fd)
            } catch {
                directory.close()
                lastProblem = "cannot set the \(controller.isEmpty ? "" : controller + " ")limit in \(path): \(error.errno.text)"
                continue
            }
            return directory
        }
        throw CgroupUnavailable(reason: "no usable cgroup slot under \(base): \(lastProblem)")
    }

    /// memory.memsw.limit_in_bytes (memory plus swap) may never be below memory.limit_in_bytes, so a
    /// slot used with another limit before must be changed in the right order.
    private static func setMemoryLimitV1(_ slot: Int32, _ bytes: UInt64) throws(PathError) {
        let limit = "memory.limit_in_bytes", memsw = "memory.memsw.limit_in_bytes", value = Digits.decimal(bytes)
        do throws(PathError) {
            // Without memsw, swap would let the tree exceed the limit where swap accounting is on.
            try KernelFile.write(memsw, in: slot, value)         // raising, or unchanged
        } catch {
            try KernelFile.write(limit, in: slot, value)         // lowering: the limit first
            if error.errno != .noSuchFileOrDirectory { try KernelFile.write(memsw, in: slot, value) }   // ENOENT: no swap accounting
            return
        }
        try KernelFile.write(limit, in: slot, value)
    }

    private static func openProcs(version: Version, directories: [Directory]) throws(CgroupUnavailable) -> TaskCgroup {
        var fds: [Int32] = []
        let joinFile = version == .v1 ? "tasks" : "cgroup.procs"
        for directory in directories {
            let fd = openat(directory.lock, joinFile, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else {
                let err = Errno.current
                fds.forEach { close($0) }
                directories.forEach { $0.close() }
                throw CgroupUnavailable(reason: "cannot open \(directory.path)/\(joinFile): \(err.text)")
            }
            fds.append(fd)
        }
        return TaskCgroup(version: version, directories: directories, procsFDs: fds)
    }

    /// SIGKILLs every process in the cgroup until none is left. Members that fork meanwhile are bounded
    /// by pids.max, so the loop ends.
    /// Returns true once every directory was seen empty.
    @discardableResult
    func killAll() -> Bool {
        directories.allSatisfy { Self.emptied($0, version: version) }
    }

    /// True once the directory was seen empty; false when it could not be emptied or not be read (a
    /// slot that cannot be seen into is never taken for an empty one).
    private static func emptied(_ directory: Directory, version: Version) -> Bool {
        guard var members = pids(in: directory, version: version) else { return false }
        if members.isEmpty { return true }
        if version == .v2 { _ = try? KernelFile.write("cgroup.kill", in: directory.lock, "1") }
        for _ in 0..<1000 {
            members.forEach { kill($0, SIGKILL) }
            usleep(200)
            guard let now = pids(in: directory, version: version) else { return false }
            members = now
            if members.isEmpty { return true }
        }
        return false
    }

    /// Who is inside, or nil when that cannot be read. cgroup v1 keeps the list it built for an open
    /// cgroup.procs and hands it out again on every read from the start of that same descriptor for about
    /// a second (cgroup_pidlist_start in kernel/cgroup/cgroup-v1.c), so a slot that was empty when it was
    /// claimed looked empty at the end of a short task while a descendant sat in it: v1 is read through a
    /// descriptor of its own each time. v2 walks the members afresh on every read from offset 0.
    private static func pids(in directory: Directory, version: Version) -> [pid_t]? {
        // A v1 pids slot that counts no task is empty: one pread instead of open, read and close.
        if directory.taskCount >= 0, let count = (try? KernelFile.reread(directory.taskCount)),
           Digits.number(count.prefix { $0 != UInt8(ascii: "\n") }) == 0 { return [] }
        let bytes: [UInt8]?
        if version == .v1 {
            bytes = try? KernelFile.read("cgroup.procs", in: directory.lock)
        } else {
            bytes = (try? KernelFile.reread(directory.members))
        }
        guard let bytes else { return nil }
        var result: [pid_t] = []
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard let pid = Digits.number(line).flatMap(pid_t.init(exactly:)) else { return nil }
            result.append(pid)
        }
        return result
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
            if let count = keyedCounter(directory.oomEvents, key: "oom_kill") { return count - oomBaseline }
        }
        return 0
    }

    /// Forks refused because pids.max was reached during the current task.
    var processLimitHits: Int {
        for directory in directories where directory.controller == "pids" || version == .v2 {
            if let count = keyedCounter(directory.pidsEvents, key: "max") { return count - processLimitBaseline }
        }
        return 0
    }

    /// The number after `key` in a "key value" per line file.
    private func keyedCounter(_ fd: Int32, key: String) -> Int? {
        guard fd >= 0, let bytes = (try? KernelFile.reread(fd)) else { return nil }
        let prefix = Array(key.utf8) + [UInt8(ascii: " ")]
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            let line = bytes[start..<end]
            if line.starts(with: prefix) { return Digits.number(line.dropFirst(prefix.count)).flatMap(Int.init(exactly:)) }
            start = end + 1
        }
        return nil
    }

}

struct CgroupUnavailable: Error { let reason: String }

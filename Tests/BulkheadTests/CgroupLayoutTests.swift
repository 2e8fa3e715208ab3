@testable import Bulkhead
import Foundation
import Testing

@Suite struct CgroupLayoutTests {
    @Test func findsOwnDirectoriesInV1AndV2() {
        let mountinfo = """
        22 27 0:21 / /proc rw,relatime - proc proc rw
        30 25 0:26 / /sys/fs/cgroup/unified rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate
        31 25 0:27 / /sys/fs/cgroup/memory rw,nosuid shared:10 - cgroup cgroup rw,memory
        32 25 0:28 /outer /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids
        33 25 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct

        """
        let membership = """
        9:name=systemd:/
        8:pids:/outer/job
        4:memory:/process_api/abc
        2:cpu,cpuacct:/x
        0::/session
        """
        let layout = CgroupLayout.parse(mountinfo: Array(mountinfo.utf8), membership: Array(membership.utf8))
        #expect(layout.memory == "/sys/fs/cgroup/memory/process_api/abc")
        // The pids hierarchy is mounted from /outer: the path is relative to that root.
        #expect(layout.pids == "/sys/fs/cgroup/pids/job")
        #expect(layout.v2Directory == "/sys/fs/cgroup/unified/session")
        #expect(layout.v1Directory("memory") == layout.memory && layout.v1Directory("cpu") == nil)
    }

    @Test func rootCgroupAndMissingControllers() {
        let mountinfo = "40 1 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
        let layout = CgroupLayout.parse(mountinfo: Array(mountinfo.utf8), membership: Array("0::/\n".utf8))
        #expect(layout.v2Directory == "/sys/fs/cgroup")
        #expect(layout.memory == nil && layout.pids == nil)
        #expect(CgroupLayout.parse(mountinfo: [], membership: []).v2Directory == nil)
    }

    @Test func controllerWords() {
        #expect(CgroupLayout.words(in: Array("cpu  memory pids\n".utf8)) == ["cpu", "memory", "pids"])
        #expect(CgroupLayout.words(in: []) == [])
    }

    @Test func theUsualMountsGiveWhatMountinfoGives() throws {
        let membership = Array(try String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8).utf8)
        let mountinfo = Array(try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8).utf8)
        let parsed = CgroupLayout.parse(mountinfo: mountinfo, membership: membership)
        if let usual = CgroupLayout.conventional(membership: membership) { #expect(usual == parsed) }
        #expect(CgroupLayout.current() == parsed)
        // A path that is not where the usual mounts say: mountinfo decides.
        #expect(CgroupLayout.conventional(membership: Array("4:memory:/no/such/bulkhead/cgroup\n".utf8)) == nil)
    }
}

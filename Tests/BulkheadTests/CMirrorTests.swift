@testable import Bulkhead
import BulkheadPolicy
import CLaunch
import Testing

/// Facts written down twice, once in C and once in Swift, must agree: the C side is what the child
/// reports, the Swift side what the report says.
@Suite struct CMirrorTests {
    /// Every setup stage the child can report (`enum bh_stage` in launch.h).
    static let childStages: [bh_stage] = [
        BH_STAGE_SIGNALS, BH_STAGE_SESSION, BH_STAGE_PARENT_DEATH, BH_STAGE_CGROUP, BH_STAGE_STDIO,
        BH_STAGE_CLOSE_FDS, BH_STAGE_RLIMITS, BH_STAGE_WORKDIR, BH_STAGE_BOUNDING_SET, BH_STAGE_IDENTITY,
        BH_STAGE_CAPABILITIES, BH_STAGE_NO_NEW_PRIVS, BH_STAGE_SECCOMP, BH_STAGE_EXEC, BH_STAGE_CLONE,
        BH_STAGE_LANDLOCK, BH_STAGE_NAMESPACES, BH_STAGE_MOUNT_VIEW,
    ]

    @Test func everyChildStageHasItsOwnName() {
        let names = Self.childStages.map { LaunchStage(childStage: Int32(bitPattern: $0.rawValue)) }
        #expect(!names.contains(nil))
        #expect(Set(names.compactMap { $0 }).count == Self.childStages.count)
        // Only `plan` happens in the parent before there is a child; every other name is one of the child's.
        #expect(LaunchStage.allCases.count == Self.childStages.count + 1)
        #expect(LaunchStage(childStage: Int32(BH_STAGE_NONE.rawValue)) == nil)
        let beyond = (Self.childStages.map(\.rawValue).max() ?? 0) + 1
        #expect(LaunchStage(childStage: Int32(bitPattern: beyond)) == nil, "a stage in launch.h that LaunchStage does not know")
    }

    @Test func capabilityNumbersAreTheTables() {
        #expect(CapabilityNames.all[CapabilityNames.setgid] == "CAP_SETGID")
        #expect(CapabilityNames.all[CapabilityNames.setuid] == "CAP_SETUID")
        #expect(CapabilityNames.all[CapabilityNames.setpcap] == "CAP_SETPCAP")
        #expect(CapabilityNames.all[CapabilityNames.sysAdmin] == "CAP_SYS_ADMIN")
        #expect(CapabilityNames.all[CapabilityNames.sysResource] == "CAP_SYS_RESOURCE")
        #expect(Capabilities.names(in: 1 << 10 | 1 << 21) == ["CAP_NET_BIND_SERVICE", "CAP_SYS_ADMIN"])
        #expect((try? Capabilities.mask(for: ["CAP_NET_BIND_SERVICE", "sys_admin"])) == 1 << 10 | 1 << 21)
    }
}

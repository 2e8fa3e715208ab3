import CLaunch

/// Where a launch failed before the task's first instruction ran. Mirrors `enum bh_stage` in launch.h.
public enum LaunchStage: String, Sendable, CaseIterable {
    case plan, clone, signals, session, parentDeath = "parent-death", cgroup, stdio, closeFDs = "close-fds"
    case rlimits, workdir, boundingSet = "bounding-set", identity, capabilities
    case noNewPrivs = "no-new-privs", landlock, seccomp, exec, namespaces
    case mountView = "mount-view"

    init?(childStage: Int32) {
        switch UInt32(bitPattern: childStage) {
        case BH_STAGE_SIGNALS.rawValue: self = .signals
        case BH_STAGE_SESSION.rawValue: self = .session
        case BH_STAGE_PARENT_DEATH.rawValue: self = .parentDeath
        case BH_STAGE_CGROUP.rawValue: self = .cgroup
        case BH_STAGE_STDIO.rawValue: self = .stdio
        case BH_STAGE_CLOSE_FDS.rawValue: self = .closeFDs
        case BH_STAGE_RLIMITS.rawValue: self = .rlimits
        case BH_STAGE_WORKDIR.rawValue: self = .workdir
        case BH_STAGE_BOUNDING_SET.rawValue: self = .boundingSet
        case BH_STAGE_IDENTITY.rawValue: self = .identity
        case BH_STAGE_CAPABILITIES.rawValue: self = .capabilities
        case BH_STAGE_NO_NEW_PRIVS.rawValue: self = .noNewPrivs
        case BH_STAGE_LANDLOCK.rawValue: self = .landlock
        case BH_STAGE_SECCOMP.rawValue: self = .seccomp
        case BH_STAGE_EXEC.rawValue: self = .exec
        case BH_STAGE_CLONE.rawValue: self = .clone
        case BH_STAGE_NAMESPACES.rawValue: self = .namespaces
        case BH_STAGE_MOUNT_VIEW.rawValue: self = .mountView
        default: return nil
        }
    }
}

import BulkheadPolicy
import CSeccomp

/// Which of a policy's refusals the task's filter hands to the supervisor (SECCOMP_RET_USER_NOTIF)
/// instead of applying them itself. The supervisor then applies them: it kills for `kill`, answers with
/// the errno for a reported `errno`, and lets the call through in watch mode (`ViolationListener`).
struct NotifiedRefusals: Hashable, Sendable {
    /// `kill` actions, the default's included, and calls through another architecture's entry point.
    var kills = false
    /// `errno` rules with `report: true`.
    var reportedErrnos = false
    /// Every refusal (`kill`, `errno`, `trap`): watch mode.
    var everyRefusal = false

    static let none = NotifiedRefusals()

    var isEmpty: Bool { self == .none }

    /// The SECCOMP_RET_* action the task's filter takes for a call the policy answers with `action`.
    func action(for action: SeccompAction, report: Bool) -> UInt32 {
        switch action {
        case .allow, .log: return SeccompContextActions.plain(action)
        case .kill where kills || everyRefusal: return bh_act_notify()
        case .errno where everyRefusal || (report && reportedErrnos): return bh_act_notify()
        case .trap where everyRefusal: return bh_act_notify()
        default: return SeccompContextActions.plain(action)
        }
    }
}

/// The libseccomp action of each policy action, as the filter applies it itself.
enum SeccompContextActions {
    static func plain(_ action: SeccompAction) -> UInt32 {
        switch action {
        case .allow: return bh_act_allow()
        case .kill: return bh_act_kill_process()
        // Validated to 1...4095 by the planner.
        case .errno(let e): return bh_act_errno(UInt16(truncatingIfNeeded: e))
        case .trap: return bh_act_trap()
        case .log: return bh_act_log()
        }
    }
}

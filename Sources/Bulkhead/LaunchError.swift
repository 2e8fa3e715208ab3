import BulkheadSystem
import BulkheadPolicy
import SystemPackage

/// Bulkhead refused to start a task, or could not: the policy asks for something this machine or this
/// user cannot provide, or a system call of the launcher failed. Always names the stage.
public struct LaunchError: Error, CustomStringConvertible, Equatable {
    public var stage: LaunchStage
    public var errno: Errno?
    public var message: String
    public var hint: String?

    public init(stage: LaunchStage, errno: Errno? = nil, message: String, hint: String? = nil) {
        self.stage = stage; self.errno = errno; self.message = message; self.hint = hint
    }

    public var description: String {
        var text = "error: \(stage.rawValue): \(message)"
        if let errno { text += ": \(errno.text)" }
        if let hint { text += "\nhint: \(hint)" }
        return text
    }
}

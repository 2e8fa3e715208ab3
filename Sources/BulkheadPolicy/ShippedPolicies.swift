/// The policies under `policies/`, embedded so the binary works from anywhere.
public enum ShippedPolicies {
    public static let names = ["default", "strict", "tasks"]

    /// The YAML text of a shipped policy, or nil for an unknown name.
    public static func text(named name: String) -> String? {
        switch name {
        case "default": return String(decoding: PackageResources.default_yaml, as: UTF8.self)
        case "strict": return String(decoding: PackageResources.strict_yaml, as: UTF8.self)
        case "tasks": return String(decoding: PackageResources.tasks_yaml, as: UTF8.self)
        default: return nil
        }
    }
}

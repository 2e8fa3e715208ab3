/// The policies under `policies/`, embedded so the binary works from anywhere.
public enum ShippedPolicies {
    public static let names = ["default", "strict", "tasks", "network-client", "build"]

    /// The YAML text of a shipped policy, or nil for an unknown name.
    public static func text(named name: String) -> String? {
        bytes(named: name).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The same text as bytes, as embedded in the binary.
    public static func bytes(named name: String) -> [UInt8]? {
        switch name {
        case "default": return PackageResources.default_yaml
        case "strict": return PackageResources.strict_yaml
        case "tasks": return PackageResources.tasks_yaml
        case "network-client": return PackageResources.network_client_yaml
        case "build": return PackageResources.build_yaml
        default: return nil
        }
    }
}

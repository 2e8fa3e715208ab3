import BulkheadPolicy

/// The task's environment, built from the policy only: nothing of the launcher's leaks in unless
/// `clear: false` or `pass` asks for it.
enum EnvironmentBuilder {
    static func build(_ policy: EnvironmentPolicy, from launcher: [String: String]) -> [String] {
        var values: [String: String] = policy.clear ? [:] : launcher
        for pattern in policy.pass {
            if pattern.hasSuffix("*") {
                let prefix = pattern.dropLast()
                for (name, value) in launcher where name.hasPrefix(prefix) { values[name] = value }
            } else if let value = launcher[pattern] {
                values[pattern] = value
            }
        }
        for variable in policy.set { values[variable.name] = variable.value }
        return values.keys.sorted().map { "\($0)=\(values[$0] ?? "")" }
    }
}

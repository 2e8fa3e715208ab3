/// A task as written on the command line: `name` or `name:argument` (`allocate:64`, `sleep:0.5`).
public struct TaskSpec: Sendable, Equatable {
    public var name: String
    public var argument: String?

    /// The spec as it is passed to `bulkhead __task`.
    public var text: String { argument.map { "\(name):\($0)" } ?? name }

    /// Parses and checks the name against the catalog (the argument is checked by the task itself,
    /// where its meaning lives).
    public static func parse(_ text: String) throws(TaskSpecError) -> TaskSpec {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        guard TaskCatalog.named(name) != nil else {
            throw TaskSpecError(spec: text, message: "unknown task '\(name)'", suggestion: TaskCatalog.suggestion(for: name))
        }
        let argument = parts.count > 1 ? String(parts[1]) : nil
        return TaskSpec(name: name, argument: argument)
    }

    public init(name: String, argument: String? = nil) { self.name = name; self.argument = argument }
}

/// A task name that is not in the catalog, or an argument the task cannot use.
public struct TaskSpecError: Error, CustomStringConvertible, Equatable {
    public var spec: String
    public var message: String
    public var suggestion: String?

    public var description: String {
        message + (suggestion.map { " (did you mean '\($0)'?)" } ?? "") + "; `bulkhead task list` shows the tasks"
    }
}

import BulkheadPolicy

/// The task's environment from the policy and the launcher's environment, as sorted "NAME=value"
/// entries. Works on entries rather than a dictionary: `bulkhead run` builds one on every launch, and a
/// `[String: String]` costs more to set up at start-up than the whole lookup. Entries are bytes: a value
/// taken from the launcher reaches the task exactly, also when it is not UTF-8 (see `ArgumentText`).
enum EnvironmentBuilder {
    /// - Parameter launcher: "NAME=value" entries; where a name repeats, the first entry counts (as for getenv).
    static func build(_ policy: EnvironmentPolicy, from launcher: [[UInt8]]) -> [[UInt8]] {
        var result: [[UInt8]] = []
        func put(_ entry: [UInt8]) {
            let name = variableName(entry)
            if let index = result.firstIndex(where: { variableName($0) == name }) { result[index] = entry } else { result.append(entry) }
        }
        func firstOfItsName(_ index: Int) -> Bool {
            let name = variableName(launcher[index])
            return !launcher[..<index].contains { variableName($0) == name }
        }
        for index in launcher.indices where !policy.clear && firstOfItsName(index) { result.append(launcher[index]) }
        for wanted in policy.pass {
            let isPrefix = wanted.utf8.last == UInt8(ascii: "*")
            for index in launcher.indices {
                guard pattern(wanted, matches: variableName(launcher[index])), firstOfItsName(index) else { continue }
                put(launcher[index])
                if !isPrefix { break }
            }
        }
        for variable in policy.set {
            var entry = Array(variable.name.utf8)
            entry.append(UInt8(ascii: "="))
            entry.append(contentsOf: variable.value.utf8)
            put(entry)
        }
        return result.sorted { variableName($0).lexicographicallyPrecedes(variableName($1)) }
    }

    /// Whether a `pass` entry (a name, or a prefix ending in `*`) takes the variable called `name`.
    static func pattern(_ pattern: String, matches name: some Collection<UInt8>) -> Bool {
        let utf8 = pattern.utf8
        if utf8.last == UInt8(ascii: "*") { return name.starts(with: utf8.dropLast()) }
        return name.elementsEqual(utf8)
    }

    /// "NAME" of "NAME=value"; an entry without "=" is all name.
    static func variableName(_ entry: [UInt8]) -> ArraySlice<UInt8> {
        entry[..<(entry.firstIndex(of: UInt8(ascii: "=")) ?? entry.endIndex)]
    }
}

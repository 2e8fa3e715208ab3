/// Where each key and list item of a policy was written, across the files it was built from.
///
/// The parser keeps positions only for its errors, and the resolved `Policy` is plain data. The linter
/// asks about a policy that already loaded, so it composes the same texts again and looks keys up in
/// the node trees: no position has to be carried through the model, `extends` or the cache.
struct PolicySourceMap {
    struct File {
        /// As `PolicySourceText` names it: the path as given, or `shipped:NAME`.
        var location: String
        var root: YAMLNode?

        var isShipped: Bool { location.hasPrefix("shipped:") }
    }

    /// A node and the file it is in (an index into `files`).
    struct Spot {
        var file: Int
        var node: YAMLNode
    }

    /// The linted file first, then the file it extends, and so on (the order `PolicyLoader` reports them).
    let files: [File]

    init(sources: [PolicySourceText]) throws(PolicyError) {
        var files: [File] = []
        for source in sources {
            files.append(File(location: source.location, root: try YAMLComposer(file: source.location).compose(source.text)))
        }
        self.files = files
    }

    /// The start of the linted file: where a finding about something missing from every file points.
    var top: LintLocation { LintLocation(file: files.first?.location ?? "policy", line: 1, column: 1) }

    // MARK: lookups, child first

    /// The key node at `path` (`["limits", "best-effort"]`) in each file that has it, the linted file first.
    func keys(_ path: [String]) -> [Spot] {
        files.indices.compactMap { i in Self.entry(path, in: files[i].root).map { Spot(file: i, node: $0.key) } }
    }

    /// The value at `path` in each file that has it, the linted file first.
    func values(_ path: [String]) -> [Spot] {
        files.indices.compactMap { i in Self.entry(path, in: files[i].root).map { Spot(file: i, node: $0.value) } }
    }

    /// The items of the list at `path` in each file, the linted file's first.
    func items(_ path: [String]) -> [Spot] {
        values(path).flatMap { spot -> [Spot] in
            guard case .sequence(let s) = spot.node else { return [] }
            return s.items.map { Spot(file: spot.file, node: $0) }
        }
    }

    /// The key and value at `path` below `root`.
    static func entry(_ path: [String], in root: YAMLNode?) -> (key: YAMLNode, value: YAMLNode)? {
        guard var node = root, !path.isEmpty else { return nil }
        var found: (key: YAMLNode, value: YAMLNode)?
        for key in path {
            guard let pair = child(key, of: node) else { return nil }
            found = pair
            node = pair.value
        }
        return found
    }

    static func child(_ key: String, of node: YAMLNode) -> (key: YAMLNode, value: YAMLNode)? {
        guard case .mapping(let m) = node else { return nil }
        return m.pairs.first { text($0.key) == key }
    }

    /// A scalar's text; nil for collections and null.
    static func text(_ node: YAMLNode) -> String? {
        guard case .scalar(let s) = node, s.kind != .null else { return nil }
        return s.value
    }

    // MARK: locations

    /// Where a finding about `spot` is reported. A spot inside a shipped policy that a file on disk
    /// extends is reported at that file's `extends`, where a fix can be written, naming the shipped spot.
    func location(_ spot: Spot) -> LintLocation {
        let here = LintLocation(file: files[spot.file].location, line: spot.node.line, column: spot.node.column)
        guard files[spot.file].isShipped else { return here }
        for j in stride(from: spot.file - 1, through: 0, by: -1) where !files[j].isShipped {
            guard let extends = Self.entry(["extends"], in: files[j].root)?.value else { break }
            return LintLocation(file: files[j].location, line: extends.line, column: extends.column, inheritedFrom: here.description)
        }
        return here
    }

    /// The location of the first spot, or the top of the linted file.
    func location(_ spots: [Spot]) -> LintLocation { spots.first.map(location) ?? top }
}

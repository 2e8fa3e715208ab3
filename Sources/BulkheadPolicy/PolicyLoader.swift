import BulkheadSystem
#if canImport(Glibc)
import Glibc
#endif

/// Loads policy files (YAML, or JSON, which YAML reads too) into a resolved `Policy`.
///
/// Every failure is a `PolicyError` naming the file, and the line and column when there is one. The
/// loader never traps on input: it is run on files users write and on files users are sent.
public enum PolicyLoader {
    /// How many `extends` hops a policy may take. Deep chains are hard to review; 8 is plenty.
    public static let maxExtendsDepth = 8
    /// Larger files are refused before parsing; a policy is a few kilobytes.
    public static let maxFileSize = 4 << 20

    /// Loads the policy file at `path`, following `extends`.
    public static func load(path: String) throws(PolicyError) -> Policy {
        var sources: [PolicySourceText] = []
        return try load(path: path, sources: &sources)
    }

    /// Also returns, in `sources`, the text of every file the policy was built from (itself and its
    /// `extends` chain), so a cache can tell when any of them changed.
    public static func load(path: String, sources: inout [PolicySourceText]) throws(PolicyError) -> Policy {
        let text = try readFile(path, displayName: path)
        sources.append(PolicySourceText(location: path, text: text))
        return try load(text: text, file: path, sources: &sources)
    }

    /// Loads policy text. `file` names it in errors and anchors relative `extends` paths (its directory).
    public static func load(text: String, file: String) throws(PolicyError) -> Policy {
        var sources: [PolicySourceText] = []
        return try load(text: text, file: file, sources: &sources)
    }

    static func load(text: String, file: String, sources: inout [PolicySourceText]) throws(PolicyError) -> Policy {
        guard text.utf8.count <= maxFileSize else {
            throw PolicyError(file: file, message: "text is larger than \(maxFileSize >> 20) MiB; not a policy")
        }
        let source = Source(display: file, identity: canonicalIdentity(of: file), directory: Paths.directory(of: file))
        return try resolve(text: text, source: source, chain: [], sources: &sources)
    }

    /// Loads a policy shipped with bulkhead ("default", "strict").
    public static func loadShipped(name: String) throws(PolicyError) -> Policy {
        var sources: [PolicySourceText] = []
        return try loadShipped(name: name, sources: &sources)
    }

    /// `loadShipped(name:)`, also returning the texts it was built from (see `load(path:sources:)`).
    public static func loadShipped(name: String, sources: inout [PolicySourceText]) throws(PolicyError) -> Policy {
        guard let text = ShippedPolicies.text(named: name) else {
            throw PolicyError(file: name, message: "no shipped policy named '\(name)'",
                              hint: DidYouMean.hint(for: name, among: ShippedPolicies.names)
                                  ?? "shipped policies: \(ShippedPolicies.names.joined(separator: ", "))")
        }
        sources.append(PolicySourceText(location: "shipped:\(name)", text: text))
        return try resolve(text: text, source: shippedSource(name), chain: [], sources: &sources)
    }

    // MARK: - extends

    /// Where a policy text came from: how errors name it, how cycles recognise it, where its relative paths start.
    private struct Source {
        var display: String
        var identity: String
        var directory: String
    }

    private static func shippedSource(_ name: String) -> Source {
        Source(display: "shipped:\(name).yaml", identity: "shipped:\(name)", directory: ".")
    }

    private static func resolve(text: String, source: Source, chain: [Source],
                                sources: inout [PolicySourceText]) throws(PolicyError) -> Policy {
        let layer = try PolicyFileParser(file: source.display).parse(text: text)
        // Fail closed: a policy chain that never mentions seccomp gets an empty filter (default kill),
        // not "no filter"; that takes an explicit `seccomp: none`.
        var base = Policy()
        base.seccomp = SeccompPolicy()
        if let ext = layer.extends {
            let chain = chain + [source]
            guard chain.count <= maxExtendsDepth else {
                throw PolicyError(file: source.display, line: ext.line, column: ext.column,
                                  message: "'extends' chain is deeper than \(maxExtendsDepth) files")
            }
            let (parentText, parent) = try locate(ext.value, from: source, line: ext.line, column: ext.column)
            if chain.contains(where: { $0.identity == parent.identity }) {
                let path = (chain + [parent]).map(\.display).joined(separator: " -> ")
                throw PolicyError(file: source.display, message: "'extends' cycle: \(path)")
            }
            sources.append(PolicySourceText(location: parent.identity.hasPrefix("shipped:") ? parent.identity : parent.display,
                                            text: parentText))
            base = try resolve(text: parentText, source: parent, chain: chain, sources: &sources)
        }
        var policy = layer.apply(to: base)
        policy.version = 1
        return policy
    }

    /// The text and source of an `extends` target: a shipped name, or a path relative to the extending file.
    private static func locate(_ target: String, from source: Source, line: Int?, column: Int?) throws(PolicyError) -> (String, Source) {
        if case .shipped(let name) = PolicyReference(argument: target), let text = ShippedPolicies.text(named: name) {
            return (text, shippedSource(name))
        }
        let looksLikePath = target.contains("/") || [".yaml", ".yml", ".json"].contains { target.hasSuffix($0) }
        guard looksLikePath else {
            throw PolicyError(file: source.display, line: line, column: column,
                              message: "no shipped policy named '\(target)'",
                              hint: DidYouMean.hint(for: target, among: ShippedPolicies.names)
                                  ?? "shipped policies are \(ShippedPolicies.names.joined(separator: ", ")); "
                                      + "write ./\(target).yaml for a file")
        }
        let path = normalize(target.hasPrefix("/") ? target : source.directory + "/" + target)
        let text: String
        do {
            text = try readFile(path, displayName: path)
        } catch {
            // Point at the `extends` line: that is where the fix goes.
            throw PolicyError(file: source.display, line: line, column: column,
                              message: "cannot load '\(target)' named by 'extends': \(error.message)")
        }
        return (text, Source(display: path, identity: canonicalIdentity(of: path), directory: Paths.directory(of: path)))
    }

    // MARK: - files

    /// Drops "." components and doubled slashes so paths in messages read as written ("dir/a.yaml").
    /// ".." is kept: resolving it textually would be wrong across symlinks.
    private static func normalize(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        let joined = parts.joined(separator: "/")
        if path.hasPrefix("/") { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// realpath when the file exists (so `./a.yaml` and `a.yaml` are the same file for cycle checks).
    private static func canonicalIdentity(of path: String) -> String {
        Paths.resolved(path) ?? path
    }

    private static func readFile(_ path: String, displayName: String) throws(PolicyError) -> String {
        let bytes: [UInt8]
        do throws(FileReadError) { bytes = try FileContents.readFile(path, limit: maxFileSize) } catch {
            if case .tooLarge = error { throw PolicyError(file: displayName, message: "file is \(error); not a policy") }
            throw PolicyError(file: displayName, message: error.description)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw PolicyError(file: displayName, message: "file is not UTF-8 text")
        }
        return text
    }
}

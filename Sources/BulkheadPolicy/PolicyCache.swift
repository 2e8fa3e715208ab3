#if canImport(Glibc)
import Glibc
#endif

/// Resolved policies kept on disk, so `bulkhead run` does not parse YAML and expand groups on every
/// launch. An entry holds the full text of every file the policy was built from; it is used only when
/// each of those files still holds exactly that text, so an edit anywhere in an `extends` chain is seen
/// at once. Entries live in a directory only this uid can write (`PrivateFiles.cacheDirectory`).
public struct PolicyCache: Sendable {
    public let directory: String

    public init?(directory: String) {
        guard let checked = PrivateFiles.privateDirectory(directory) else { return nil }
        self.directory = checked
    }

    private static let magic = "bulkhead-policy-cache 1"

    /// Same result and errors as `PolicyLoader.load(path:)`.
    public func load(path: String) throws(PolicyError) -> Policy {
        var identity = path
        if let resolved = realpath(path, nil) {
            identity = String(cString: resolved)
            free(resolved)
        }
        return try cached(identity: "file:" + identity) { (sources: inout [PolicySourceText]) throws(PolicyError) -> Policy in
            try PolicyLoader.load(path: path, sources: &sources)
        }
    }

    /// Same result and errors as `PolicyLoader.loadShipped(name:)`.
    public func loadShipped(name: String) throws(PolicyError) -> Policy {
        try cached(identity: "shipped:" + name) { (sources: inout [PolicySourceText]) throws(PolicyError) -> Policy in
            try PolicyLoader.loadShipped(name: name, sources: &sources)
        }
    }

    private func cached(identity: String, load: (inout [PolicySourceText]) throws(PolicyError) -> Policy) throws(PolicyError) -> Policy {
        let path = directory + "/policy-" + PrivateFiles.hex(PrivateFiles.fnv1a(identity))
        if let hit = lookup(path) { return hit }
        var sources: [PolicySourceText] = []
        let policy = try load(&sources)
        var text = Self.magic + "\n"
        for source in sources {
            text += "source\t" + PolicyCodec.escape(source.location) + "\t" + PolicyCodec.escape(source.text) + "\n"
        }
        text += "policy\n" + PolicyCodec.encode(policy)
        PrivateFiles.writeAtomically(Array(text.utf8), to: path)
        return policy
    }

    private func lookup(_ path: String) -> Policy? {
        guard let bytes = PrivateFiles.readBytes(path, limit: 16 << 20, privateOnly: true) else { return nil }
        var rest = bytes[...]
        func line() -> ArraySlice<UInt8>? {
            guard let end = rest.firstIndex(of: 0x0A) else { return nil }
            defer { rest = rest[(end + 1)...] }
            return rest[..<end]
        }
        guard let first = line(), first.elementsEqual(Self.magic.utf8) else { return nil }
        while let next = line() {
            if next.elementsEqual("policy".utf8) { return PolicyCodec.decode(rest) }
            let fields = PolicyCodec.fields(next)
            guard fields.count == 3, fields[0] == "source" else { return nil }
            let source = PolicySourceText(location: fields[1], text: fields[2])
            guard source.currentText()?.utf8.elementsEqual(source.text.utf8) == true else { return nil }
        }
        return nil
    }
}

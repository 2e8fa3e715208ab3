import BulkheadSystem
#if canImport(Glibc)
import Glibc
#endif

/// Resolved policies kept on disk, so `bulkhead run` does not parse YAML and expand groups on every
/// launch; an entry can also carry bytes made from the policy (the compiled seccomp filter), so a
/// launch reads one small file and compiles nothing.
///
/// An entry is used only when all of these still hold exactly:
/// - the text of every file the policy was built from (an edit anywhere in an `extends` chain is seen
///   at once; shipped policies compare against the text embedded in the binary);
/// - the bulkhead executable that wrote it (another build may resolve or compile differently);
/// - the artifact's key (how the bytes were made: compiler and library versions).
/// Entries live in a directory only this uid can write (`PrivateFiles.cacheDirectory`), are binary
/// and compared with memcmp: a lookup costs less than a tenth of a parse. A task of the same uid can
/// still write them, so each is sealed (`CacheSeal`): an entry whose MAC does not hold is a miss.
public struct PolicyCache: Sendable {
    public let directory: String
    private let seal: CacheSeal

    /// nil when `directory` is not private to this uid, or when there is no seal (no kernel keyring):
    /// an unsealed cache could hand a run a filter a task wrote.
    public init?(directory: String, seal: CacheSeal? = CacheSeal.current()) {
        guard let seal, let checked = PrivateFiles.privateDirectory(directory) else { return nil }
        self.directory = checked
        self.seal = seal
    }

    /// Same result and errors as `PolicyLoader.load(path:)`.
    public func load(path: String) throws(PolicyError) -> Policy {
        try load(path: path, artifact: nil).policy
    }

    /// Same result and errors as `PolicyLoader.loadShipped(name:)`.
    public func loadShipped(name: String) throws(PolicyError) -> Policy {
        try loadShipped(name: name, artifact: nil).policy
    }

    /// The policy at `path`, and the artifact's bytes for it when `artifact` is given and could be made.
    public func load(path: String, artifact: PolicyArtifact?) throws(PolicyError) -> CachedPolicy {
        var identity = path
        if let resolved = realpath(path, nil) {
            identity = String(cString: resolved)
            free(resolved)
        }
        return try cached(identity: "file:" + identity,
                          artifact: artifact) { (sources: inout [PolicySourceText]) throws(PolicyError) -> Policy in
            try PolicyLoader.load(path: path, sources: &sources)
        }
    }

    /// The shipped policy `name`, and the artifact's bytes for it (see `load(path:artifact:)`).
    public func loadShipped(name: String, artifact: PolicyArtifact?) throws(PolicyError) -> CachedPolicy {
        try cached(identity: "shipped:" + name, artifact: artifact) { (sources: inout [PolicySourceText]) throws(PolicyError) -> Policy in
            try PolicyLoader.loadShipped(name: name, sources: &sources)
        }
    }

    private static let magic = Array("bulkhead-policy-cache 3\n".utf8)

    private func cached(identity: String, artifact: PolicyArtifact?,
                        load: (inout [PolicySourceText]) throws(PolicyError) -> Policy) throws(PolicyError) -> CachedPolicy {
        var key = Self.magic
        EntryBytes.append(Array(identity.utf8), to: &key)
        EntryBytes.append(Self.executableStamp(), to: &key)
        EntryBytes.append(Array((artifact?.key ?? "").utf8), to: &key)
        // Named by the whole key: two bulkhead builds used in turn keep an entry each instead of
        // replacing each other's on every run.
        let path = directory + "/policy-" + Digits.hex(PrivateFiles.fnv1a(key))
        if let hit = lookup(path, key: key) { return hit }

        var sources: [PolicySourceText] = []
        let policy = try load(&sources)
        let made = artifact?.make(policy)
        var entry = key
        EntryBytes.append(UInt32(sources.count), to: &entry)
        for source in sources {
            EntryBytes.append(Array(source.location.utf8), to: &entry)
            EntryBytes.append(Array(source.text.utf8), to: &entry)
        }
        EntryBytes.append(Array(PolicyCodec.encode(policy).utf8), to: &entry)
        EntryBytes.append(UInt32(made == nil ? 0 : 1), to: &entry)
        if let made { EntryBytes.append(made, to: &entry) }
        PrivateFiles.writeAtomically(seal.seal(entry), to: path)
        // Entries of other builds and edited policies are never read again: let them go on misses,
        // which are rare and already slow.
        PrivateFiles.prune(directory, prefix: "policy-", olderThanDays: Self.keepDays)
        return CachedPolicy(policy: policy, artifact: made)
    }

    /// Entries not written for this long are removed when another entry is written.
    public static let keepDays = 30

    private func lookup(_ path: String, key: [UInt8]) -> CachedPolicy? {
        guard let sealed = try? FileContents.readFile(path, limit: 16 << 20, privateOnly: true),
              let bytes = seal.open(sealed),
              bytes.count >= key.count, EntryBytes.equal(bytes.prefix(key.count), key[...]) else { return nil }
        var reader = EntryBytes.Reader(bytes.dropFirst(key.count))
        guard let count = reader.number(), count <= 64 else { return nil }
        for _ in 0..<count {
            guard let location = reader.field(), let text = reader.field(),
                  Self.stillHolds(location: String(decoding: location, as: UTF8.self), text: text) else { return nil }
        }
        guard let encoded = reader.field(), let policy = PolicyCodec.decode(encoded), let hasArtifact = reader.number()
        else { return nil }
        var made: [UInt8]?
        if hasArtifact == 1 {
            guard let bytes = reader.field() else { return nil }
            made = Array(bytes)
        }
        guard reader.atEnd else { return nil }
        return CachedPolicy(policy: policy, artifact: made)
    }

    /// Whether `location` (a path, or `shipped:NAME`) holds exactly `text` now.
    private static func stillHolds(location: String, text: ArraySlice<UInt8>) -> Bool {
        if location.hasPrefix("shipped:") {
            guard let shipped = ShippedPolicies.bytes(named: String(location.dropFirst(8))) else { return false }
            return EntryBytes.equal(text, shipped[...])
        }
        guard let current = try? FileContents.readFile(location, limit: PolicyLoader.maxFileSize) else { return false }
        return EntryBytes.equal(text, current[...])
    }

    /// Names the running executable's file: a rebuilt or upgraded bulkhead gets new entries.
    private static func executableStamp() -> [UInt8] {
        var info = stat()
        guard stat("/proc/self/exe", &info) == 0 else { return [] }
        var stamp: [UInt8] = []
        func put(_ value: some BinaryInteger) {
            withUnsafeBytes(of: UInt64(truncatingIfNeeded: value).littleEndian) { stamp.append(contentsOf: $0) }
        }
        put(info.st_dev); put(info.st_ino); put(info.st_size)
        put(info.st_mtim.tv_sec); put(info.st_mtim.tv_nsec); put(info.st_ctim.tv_sec); put(info.st_ctim.tv_nsec)
        return stamp
    }
}

/// Bytes a `PolicyCache` entry may carry besides the policy, made from it on a miss.
public struct PolicyArtifact {
    /// How the bytes are made (compiler and library versions): an entry made another way is a miss.
    public let key: String
    /// The bytes for a policy; nil when they cannot be made (the caller then reports why itself).
    public let make: (Policy) -> [UInt8]?

    public init(key: String, make: @escaping (Policy) -> [UInt8]?) {
        self.key = key
        self.make = make
    }
}

public struct CachedPolicy: Sendable {
    public let policy: Policy
    public let artifact: [UInt8]?

    public init(policy: Policy, artifact: [UInt8]?) {
        self.policy = policy
        self.artifact = artifact
    }
}

/// The cache entry encoding: 32-bit little-endian lengths and counts, and length-prefixed fields.
enum EntryBytes {
    static func append(_ number: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: number.littleEndian) { bytes.append(contentsOf: $0) }
    }

    static func append(_ field: [UInt8], to bytes: inout [UInt8]) {
        append(UInt32(field.count), to: &bytes)
        bytes.append(contentsOf: field)
    }

    static func equal(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in a.isEmpty || memcmp(pa.baseAddress!, pb.baseAddress!, a.count) == 0 } }
    }

    static func equal(_ a: ArraySlice<UInt8>, _ b: [UInt8]) -> Bool { equal(a, b[...]) }

    struct Reader {
        private var rest: ArraySlice<UInt8>
        init(_ bytes: ArraySlice<UInt8>) { rest = bytes }
        var atEnd: Bool { rest.isEmpty }

        mutating func number() -> UInt32? {
            guard rest.count >= 4 else { return nil }
            let i = rest.startIndex
            let value = UInt32(rest[i]) | UInt32(rest[i + 1]) << 8 | UInt32(rest[i + 2]) << 16 | UInt32(rest[i + 3]) << 24
            rest = rest.dropFirst(4)
            return value
        }

        mutating func field() -> ArraySlice<UInt8>? {
            guard let length = number(), rest.count >= Int(length) else { return nil }
            defer { rest = rest.dropFirst(Int(length)) }
            return rest.prefix(Int(length))
        }
    }
}

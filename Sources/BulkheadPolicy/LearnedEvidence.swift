import BulkheadSystem

/// What `bulkhead policy learn` saw a run do, per system call, as the base policy judged each call: the
/// evidence a learned policy is written from. It is kept in the learned file itself (`block`), so that
/// `--merge` can add another run's evidence to it (`parse`, `merge`).
public struct LearnedEvidence: Sendable, Equatable {
    /// How a `clone` created what it created: the facts its conditions are written from.
    public enum CloneKind: String, Sendable, CaseIterable, Comparable {
        /// CLONE_THREAD: a thread of the caller.
        case thread
        /// A new process (fork, posix_spawn, vfork).
        case process
        /// Any CLONE_NEW* flag: a new namespace.
        case namespaces

        public static func < (a: CloneKind, b: CloneKind) -> Bool { a.rawValue < b.rawValue }
    }

    /// The calls of one syscall through the native entry point.
    public struct Calls: Sendable, Equatable {
        /// Calls the base policy allowed (they ran).
        public var allowed = 0
        /// Calls the base answered with an errno (they failed with it, as they will under the learned policy):
        /// errno → count.
        public var refused: [Int32: Int] = [:]
        /// Calls the base would have killed or trapped: let through (watch), never allowed by what is learned.
        public var beyondBase = 0
        /// Of allowed `clone` calls.
        public var cloneKinds: Set<CloneKind> = []
        /// Of allowed `socket` and `socketpair` calls: the address family (argument 0, 32 bits).
        public var socketDomains: Set<UInt64> = []
        /// Of allowed `ioctl` calls: the request (argument 1, 32 bits, as the kernel reads it).
        public var ioctlRequests: Set<UInt64> = []
        /// Of allowed `open`, `openat` and `creat` calls: one asked for write access, creation or truncation.
        public var opensForWriting = false

        public init() {}

        mutating func merge(_ other: Calls) {
            allowed += other.allowed
            refused.merge(other.refused, uniquingKeysWith: +)
            beyondBase += other.beyondBase
            cloneKinds.formUnion(other.cloneKinds)
            socketDomains.formUnion(other.socketDomains)
            ioctlRequests.formUnion(other.ioctlRequests)
            opensForWriting = opensForWriting || other.opensForWriting
        }
    }

    /// The base policy the run was judged by: a shipped name, or nil for none (everything allowed but the
    /// calls `LearnedPolicyText.noBaseRules` answers with ENOSYS).
    public var base: String?
    /// The command lines learned from, as shown to the user.
    public var commands: [String] = []
    /// Native calls by syscall name.
    public var syscalls: [String: Calls] = [:]
    /// Calls through another entry point ("i386 socketcall", "x32 read") → count: no policy allows them.
    public var otherEntries: [String: Int] = [:]
    /// Paths the run opened for reading, opened for writing (or created, removed, renamed), and executed, as
    /// read from the task's memory when the call was made: for proposing file-system grants only.
    public var read: Set<String> = []
    public var written: Set<String> = []
    public var executed: Set<String> = []

    public init(base: String?) { self.base = base }

    /// Adds `other`'s evidence to this one.
    public mutating func merge(_ other: LearnedEvidence) {
        commands += other.commands.filter { !commands.contains($0) }
        for (name, calls) in other.syscalls { syscalls[name, default: Calls()].merge(calls) }
        otherEntries.merge(other.otherEntries, uniquingKeysWith: +)
        read.formUnion(other.read)
        written.formUnion(other.written)
        executed.formUnion(other.executed)
    }

    // MARK: - the evidence block of a learned file

    /// The line that starts the block; everything after it is evidence.
    public static let marker = "# --- evidence: bulkhead policy learn --merge reads what follows; keep it to merge later runs ---"

    /// The evidence as comment lines, one fact a line, sorted: text a person can read and `parse` reads back.
    public var block: String {
        var lines = [Self.marker, "# base: " + (base ?? "none")]
        lines += commands.map { "# command: " + Self.escaped($0) }
        for name in syscalls.keys.sorted() {
            let c = syscalls[name]!
            var line = "# syscall: \(name)"
            if c.allowed > 0 { line += " allowed=\(c.allowed)" }
            for (e, n) in c.refused.sorted(by: { $0.key < $1.key }) { line += " errno-\(e)=\(n)" }
            if c.beyondBase > 0 { line += " beyond-base=\(c.beyondBase)" }
            if !c.cloneKinds.isEmpty { line += " clone=" + c.cloneKinds.sorted().map(\.rawValue).joined(separator: ",") }
            if !c.socketDomains.isEmpty { line += " domains=" + c.socketDomains.sorted().map { String($0) }.joined(separator: ",") }
            if !c.ioctlRequests.isEmpty { line += " requests=" + c.ioctlRequests.sorted().map { String($0) }.joined(separator: ",") }
            if c.opensForWriting { line += " writes" }
            lines.append(line)
        }
        for (entry, n) in otherEntries.sorted(by: { $0.key < $1.key }) { lines.append("# entry: \(Self.escaped(entry))=\(n)") }
        for (key, paths) in [("read", read), ("written", written), ("executed", executed)] {
            lines += paths.sorted().map { "# \(key): " + Self.escaped($0) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Why a file's evidence block cannot be read back.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var description: String { message }
    }

    /// The evidence block of a learned policy's text; nil when the text has none (not a learned policy).
    public static func parse(_ text: String) throws(ParseError) -> LearnedEvidence? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0 == marker }) else { return nil }
        var evidence = LearnedEvidence(base: nil)
        for index in lines.index(after: start)..<lines.endIndex {
            let line = lines[index]
            if line.isEmpty { continue }
            func fail(_ why: String) -> ParseError { ParseError(line: index + 1, message: why + ": " + String(line)) }
            guard line.hasPrefix("# "), let colon = line.firstIndex(of: ":") else { throw fail("not an evidence line") }
            let key = line[line.index(line.startIndex, offsetBy: 2)..<colon]
            let value = String(line[line.index(after: colon)...].dropFirst())
            switch key {
            case "base": evidence.base = value == "none" ? nil : value
            case "command": evidence.commands.append(unescaped(value))
            case "read": evidence.read.insert(unescaped(value))
            case "written": evidence.written.insert(unescaped(value))
            case "executed": evidence.executed.insert(unescaped(value))
            case "entry":
                guard let equals = value.lastIndex(of: "="), let n = Int(value[value.index(after: equals)...]) else {
                    throw fail("expected ENTRY NAME=COUNT")
                }
                evidence.otherEntries[unescaped(String(value[..<equals])), default: 0] += n
            case "syscall":
                let words = value.split(separator: " ")
                guard let name = words.first else { throw fail("no syscall name") }
                var calls = Calls()
                for word in words.dropFirst() {
                    guard parseFact(word, into: &calls) else { throw fail("unknown fact '\(word)'") }
                }
                evidence.syscalls[String(name), default: Calls()].merge(calls)
            default: throw fail("unknown evidence '\(key)'")
            }
        }
        return evidence
    }

    /// Adds one `key=value` fact of a syscall line to `calls`; false when it is not one.
    private static func parseFact(_ word: Substring, into calls: inout Calls) -> Bool {
        if word == "writes" { calls.opensForWriting = true; return true }
        guard let equals = word.firstIndex(of: "=") else { return false }
        let key = word[..<equals], value = word[word.index(after: equals)...]
        switch key {
        case "allowed": guard let n = Int(value) else { return false }; calls.allowed += n
        case "beyond-base": guard let n = Int(value) else { return false }; calls.beyondBase += n
        case "clone":
            for part in value.split(separator: ",") {
                guard let kind = CloneKind(rawValue: String(part)) else { return false }
                calls.cloneKinds.insert(kind)
            }
        case "domains", "requests":
            for part in value.split(separator: ",") {
                guard let number = UInt64(part) else { return false }
                if key == "domains" { calls.socketDomains.insert(number) } else { calls.ioctlRequests.insert(number) }
            }
        case _ where key.hasPrefix("errno-"):
            guard let e = Int32(key.dropFirst(6)), let n = Int(value) else { return false }
            calls.refused[e, default: 0] += n
        default: return false
        }
        return true
    }

    /// Paths and command lines may hold any byte but NUL: each byte outside printable ASCII, and '%', as %XX,
    /// so that one fact stays one line.
    static func escaped(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if byte >= 0x20, byte < 0x7f, byte != UInt8(ascii: "%") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }

    static func unescaped(_ text: String) -> String {
        ByteEscapes.decode(text, marker: UInt8(ascii: "%"), digits: 2, radix: 16)
    }
}

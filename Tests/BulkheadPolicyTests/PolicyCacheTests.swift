@testable import BulkheadPolicy
import BulkheadSystem
import Foundation
import Testing
import TestSupport

@Suite struct PolicyCodecTests {
    @Test(arguments: ["default", "strict"])
    func shippedPoliciesRoundTrip(name: String) throws {
        let policy = try PolicyLoader.loadShipped(name: name)
        #expect(PolicyCodec.decode(PolicyCodec.encode(policy)) == policy)
    }

    @Test func everyFieldRoundTrips() {
        var policy = Policy()
        policy.name = "tab\there\nnewline \\ backslash"
        policy.description = "d"
        policy.seccomp = SeccompPolicy(defaultAction: .errno(38), allow: ["read", "write"], rules: [
            SyscallRule(syscall: "socket", action: .allow,
                        conditions: [ArgumentCondition(index: 0, comparison: .equal(1), low32: true)]),
            SyscallRule(syscall: "ioctl", action: .kill,
                        conditions: [ArgumentCondition(index: 1, comparison: .maskedEqual(mask: 0xff, value: 3), low32: false)]),
            SyscallRule(syscall: "mmap", action: .trap,
                        conditions: [ArgumentCondition(index: 2, comparison: .greaterOrEqual(7), low32: false),
                                     ArgumentCondition(index: 3, comparison: .notEqual(1 << 40), low32: false)]),
            SyscallRule(syscall: "kill", action: .log),
        ])
        policy.capabilities.keep = ["CAP_NET_BIND_SERVICE"]
        policy.limits.wall = 1.25; policy.limits.cpu = 3; policy.limits.memory = 1 << 30; policy.limits.processes = 9
        policy.limits.openFiles = 10; policy.limits.fileSize = 0; policy.limits.core = 0; policy.limits.stack = 8 << 20
        policy.limits.addressSpace = 1 << 33; policy.limits.bestEffort = [.memory, .processes]
        policy.environment = EnvironmentPolicy(clear: false, set: [EnvironmentVariable(name: "A", value: "x\ty")], pass: ["LC_*"])
        policy.workdir = "/tmp"
        policy.user = UserPolicy(uid: 65534, gid: 65534, groups: [1, 2], bestEffort: true)
        #expect(PolicyCodec.decode(PolicyCodec.encode(policy)) == policy)
        var none = Policy()
        none.seccomp = nil
        #expect(PolicyCodec.decode(PolicyCodec.encode(none)) == none)
    }

    @Test func garbageIsAMiss() {
        #expect(PolicyCodec.decode("") == nil)
        #expect(PolicyCodec.decode("bulkhead-policy 2\nlimit\tmemory\tlots\n") == nil)
        #expect(PolicyCodec.decode("bulkhead-policy 2\nunknown\tx\n") == nil)
        #expect(PolicyCodec.decode("bulkhead-policy 2\nseccomp\terrno:x\n") == nil)
    }
}

@Suite struct PolicyCacheTests {
    @Test func hitsAndNoticesEditsAnywhereInTheChain() throws {
        let dir = temporaryDirectory()
        let cache = try #require(PolicyCache(directory: dir + "/cache"))
        writeFile(dir + "/base.yaml", "version: 1\nname: base\nlimits: { cpu: 5s }\n")
        writeFile(dir + "/child.yaml", "version: 1\nname: child\nextends: ./base.yaml\n")
        let first = try cache.load(path: dir + "/child.yaml")
        #expect(first.limits.cpu == 5)
        #expect(try cache.load(path: dir + "/child.yaml") == first)
        #expect(try PolicyLoader.load(path: dir + "/child.yaml") == first)
        // An edit to the parent must be seen although the child did not change.
        writeFile(dir + "/base.yaml", "version: 1\nname: base\nlimits: { cpu: 7s }\n")
        #expect(try cache.load(path: dir + "/child.yaml").limits.cpu == 7)
        writeFile(dir + "/child.yaml", "version: 1\nname: child2\nextends: ./base.yaml\n")
        #expect(try cache.load(path: dir + "/child.yaml").name == "child2")
    }

    @Test func errorsAreNotCachedAway() throws {
        let dir = temporaryDirectory()
        let cache = try #require(PolicyCache(directory: dir + "/cache"))
        writeFile(dir + "/p.yaml", "version: 1\nlimts: {}\n")
        #expect(throws: PolicyError.self) { try cache.load(path: dir + "/p.yaml") }
        #expect(throws: PolicyError.self) { try cache.load(path: dir + "/p.yaml") }
    }

    @Test func corruptEntriesFallBackToLoading() throws {
        let dir = temporaryDirectory()
        let cache = try #require(PolicyCache(directory: dir + "/cache"))
        let fresh = try cache.loadShipped(name: "strict")
        let entries = try FileManager.default.contentsOfDirectory(atPath: dir + "/cache")
        #expect(entries.count == 1)
        let path = dir + "/cache/" + entries[0]
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        // Every cut of a real entry, and any flipped byte in its key and source texts, must miss and load
        // again; never a crash, never another policy. (The stored policy itself is trusted like any file
        // in a private directory; see ignoresEntriesOthersCouldHaveWritten.)
        for length in stride(from: 0, to: good.count, by: 7) {
            try writeEntry(good.prefix(length), to: path)
            #expect(try cache.loadShipped(name: "strict") == fresh)
        }
        for offset in stride(from: 0, to: good.count / 2, by: 13) {
            var bad = good
            bad[offset] ^= 0x5A
            try writeEntry(bad, to: path)
            let loaded = try cache.loadShipped(name: "strict")
            #expect(loaded == fresh)
        }
    }

    @Test func carriesAnArtifactMadeOnceAndKeyedByHowItWasMade() throws {
        let dir = temporaryDirectory()
        let cache = try #require(PolicyCache(directory: dir + "/cache"))
        writeFile(dir + "/p.yaml", "version: 1\nname: p\n")
        let made = Counter()
        let artifact = PolicyArtifact(key: "v1") { policy in made.count += 1; return Array((policy.name ?? "").utf8) }
        #expect(try cache.load(path: dir + "/p.yaml", artifact: artifact).artifact == Array("p".utf8))
        #expect(try cache.load(path: dir + "/p.yaml", artifact: artifact).artifact == Array("p".utf8))
        #expect(made.count == 1)
        // Made another way: not the stored bytes.
        let other = PolicyArtifact(key: "v2") { _ in [7] }
        #expect(try cache.load(path: dir + "/p.yaml", artifact: other).artifact == [7])
        // Each has its own entry: using both in turn makes nothing again.
        #expect(try cache.load(path: dir + "/p.yaml", artifact: artifact).artifact == Array("p".utf8))
        #expect(made.count == 1)
        // Nothing could be made: nothing stored, and the policy still loads.
        let none = PolicyArtifact(key: "v3") { _ in nil }
        let loaded = try cache.load(path: dir + "/p.yaml", artifact: none)
        #expect(loaded.artifact == nil && loaded.policy.name == "p")
        #expect(try cache.load(path: dir + "/p.yaml", artifact: none).artifact == nil)
        // An edit makes it again.
        writeFile(dir + "/p.yaml", "version: 1\nname: q\n")
        #expect(try cache.load(path: dir + "/p.yaml", artifact: artifact).artifact == Array("q".utf8))
        #expect(made.count == 2)
    }

    @Test func refusesADirectoryOthersCanWrite() throws {
        let dir = temporaryDirectory() + "/shared"
        mkdir(dir, 0o777)
        chmod(dir, 0o777)
        #expect(PolicyCache(directory: dir) == nil)
        #expect(PolicyCache(directory: "relative/path") == nil)
    }

    /// A task of the same uid can write a private entry as well as bulkhead can (the review's attack: a
    /// default task rewrote the filter inside the `strict` entry). Sealed entries turn every such edit
    /// into a miss, private or not.
    @Test func forgedEntriesAreMissesEvenWhenPrivate() throws {
        let dir = temporaryDirectory()
        let cache = try #require(PolicyCache(directory: dir + "/cache"))
        writeFile(dir + "/p.yaml", "version: 1\nname: real\n")
        _ = try cache.load(path: dir + "/p.yaml")
        let entries = try FileManager.default.contentsOfDirectory(atPath: dir + "/cache")
        #expect(!entries.isEmpty)
        for entry in entries {
            let path = dir + "/cache/" + entry
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let real = Array("name\treal".utf8), forged = Array("name\tfake".utf8)
            let at = try #require((0...(bytes.count - real.count)).first { Array(bytes[$0..<($0 + real.count)]) == real })
            bytes.replaceSubrange(at..<(at + real.count), with: forged)
            try writeEntry(Data(bytes), to: path)
            #expect(try cache.load(path: dir + "/p.yaml").name == "real", "a forged private entry was trusted")
            try writeEntry(Data(bytes), to: path)
            chmod(path, 0o666)
        }
        #expect(try cache.load(path: dir + "/p.yaml").name == "real")
    }
}

extension PolicyCacheTests {
    @Test func aMissLetsGoOfEntriesNotWrittenForAMonth() throws {
        let dir = temporaryDirectory()
        let cache = try #require(PolicyCache(directory: dir + "/cache"))
        writeFile(dir + "/p.yaml", "version: 1\nname: p\n")
        for (name, daysAgo) in [("policy-old", 40), ("policy-recent", 3), ("unrelated-old", 40)] {
            writeFile(dir + "/cache/" + name, "x")
            var times = [timespec(tv_sec: time(nil) - daysAgo * 86_400, tv_nsec: 0),
                         timespec(tv_sec: time(nil) - daysAgo * 86_400, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, dir + "/cache/" + name, &times, 0) == 0)
        }
        _ = try cache.load(path: dir + "/p.yaml")
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: dir + "/cache"))
        #expect(!left.contains("policy-old"))
        #expect(left.contains("policy-recent") && left.contains("unrelated-old"))
        #expect(left.contains { $0.hasPrefix("policy-") && $0 != "policy-recent" }, "the new entry stays: \(left)")
    }
}

private final class Counter: @unchecked Sendable { var count = 0 }

private func writeEntry(_ data: Data, to path: String) throws {
    try data.write(to: URL(fileURLWithPath: path))
    chmod(path, 0o600)
}

extension PolicyCache: Equatable {
    public static func == (a: PolicyCache, b: PolicyCache) -> Bool { a.directory == b.directory }
}

@Suite struct NumberTextTests {
    @Test func digitsByHand() {
        #expect(Digits.decimal(0) == "0")
        #expect(Digits.decimal(268_435_456) == "268435456")
        #expect(Digits.decimal(UInt64.max) == "18446744073709551615")
        #expect(Digits.hex(0) == "0000000000000000")
        #expect(Digits.hex(0xdead_beef) == "00000000deadbeef")
        #expect(Digits.hex(UInt64.max) == "ffffffffffffffff")
    }

    @Test func decimalsParsedByHand() {
        #expect(Digits.number("0") == 0)
        #expect(Digits.number("18446744073709551615") == UInt64.max)
        for bad in ["", "18446744073709551616", "99999999999999999999", "12a", "-1", "+1", " 1", "1.5"] {
            #expect(Digits.number(bad) == nil, "\(bad)")
        }
    }
}

@testable import Bulkhead
import BulkheadPolicy
import Foundation
import Testing

@Suite struct FilterCacheTests {
    private func directory() -> String {
        let path = NSTemporaryDirectory() + "bulkhead-filter-cache-\(getpid())-\(UUID().uuidString.prefix(8))"
        mkdir(path, 0o700)
        return path
    }

    @Test func cachedFilterIsTheCompiledOne() throws {
        let cache = try #require(FilterCache(directory: directory()))
        let policy = try #require(try PolicyLoader.loadShipped(name: "strict").seccomp)
        let compiled = try SeccompCompiler.compile(policy)
        #expect(try cache.filter(for: policy) == compiled)   // miss: compiled and stored
        #expect(try cache.filter(for: policy) == compiled)   // hit
        var other = policy
        other.allow.removeAll { $0 == "getpid" }
        #expect(try cache.filter(for: other) == SeccompCompiler.compile(other))
        #expect(try cache.filter(for: other) != compiled)
    }

    @Test func corruptOrForeignEntriesAreIgnored() throws {
        let dir = directory()
        let cache = try #require(FilterCache(directory: dir))
        let policy = SeccompPolicy(defaultAction: .kill, allow: ["read", "write", "exit_group", "execve"])
        let compiled = try cache.filter(for: policy)
        for entry in try FileManager.default.contentsOfDirectory(atPath: dir) {
            let path = dir + "/" + entry
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            bytes[bytes.count - 1] ^= 0xff
            try bytes.write(to: URL(fileURLWithPath: path))
            chmod(path, 0o666)   // writable by others: must not be trusted even if it looks right
        }
        #expect(try cache.filter(for: policy) == compiled)
    }

    @Test func keyCoversEverythingTheCompilerReads() {
        let base = SeccompPolicy(defaultAction: .kill, allow: ["read"], rules: [
            SyscallRule(syscall: "socket", action: .allow, conditions: [ArgumentCondition(index: 0, comparison: .equal(1), low32: true)])])
        var low = base; low.rules[0].conditions[0].low32 = false
        var action = base; action.defaultAction = .errno(1)
        var value = base; value.rules[0].conditions[0].comparison = .equal(2)
        let keys = [base, low, action, value].map(FilterCache.key(for:))
        #expect(Set(keys).count == 4)
    }
}

import Foundation
import Testing

/// A task runs as the uid that owns bulkhead's cache (the default policy as root; every policy of an
/// unprivileged bulkhead), so it can write the cache's files. The review's attack: a default task
/// rewrote the compiled filter inside the `strict` entry to "allow everything", and every later
/// `--policy strict` ran without a filter while reporting `embedded:strict`. Entries are sealed with a
/// key in the kernel keyring, which no shipped policy lets a task reach.
@Suite(.serialized) struct CachePoisoningTests {
    /// A private cache directory for these runs, and the environment that points bulkhead at it.
    private func cacheEnvironment() throws -> (directory: String, environment: [String: String]) {
        let directory = CLI.temporaryPath("poison")
        try FileManager.default.createDirectory(atPath: directory + "/cache", withIntermediateDirectories: true)
        chmod(directory + "/cache", 0o700)
        return (directory, ["PATH": "/usr/bin:/bin", "HOME": directory, "XDG_CACHE_HOME": directory + "/cache"])
    }

    private func bulkhead(_ arguments: [String], _ environment: [String: String]) throws -> CLIResult {
        try CLI.run(CLI.bulkhead, arguments, environment: environment, directory: CLI.packageDirectory)
    }

    /// Python run as a task: replaces strict's compiled filter, wherever it appears in a policy cache
    /// entry, by one of the same length that allows everything (BPF_RET|BPF_K SECCOMP_RET_ALLOW).
    private static let rewriteFilter = """
        import glob, struct, sys
        bpf = open(sys.argv[1], 'rb').read()
        allow = struct.pack('<HBBI', 0x06, 0, 0, 0x7fff0000) * (len(bpf) // 8)
        hits = 0
        for path in glob.glob(sys.argv[2] + '/bulkhead/policy-*'):
            data = open(path, 'rb').read()
            if bpf in data:
                open(path, 'wb').write(data.replace(bpf, allow)); hits += 1
        print(hits)
        """

    @Test func aTaskCannotRewriteTheCachedStrictFilter() throws {
        let (directory, environment) = try cacheEnvironment()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The raw filter is binary: straight into a file, not through a captured String.
        let raw = try CLI.run("/bin/sh", ["-c", "\(CLI.bulkhead) policy compile strict --bpf > \(directory)/strict.bpf"],
                              environment: environment, directory: CLI.packageDirectory)
        #expect(raw.status == 0)
        #expect(try bulkhead(["run", "--quiet", "--policy", "strict", "--", "/bin/true"], environment).status == 0)
        // Without default's view, which hides a cache under /tmp or a home directory: the seal is what is tested.
        let attack = try bulkhead(["run", "--quiet", "--policy", CLI.unisolatedDefault, "--", "python3", "-c", Self.rewriteFilter,
                                   directory + "/strict.bpf", directory + "/cache"], environment)
        #expect(attack.stdout == "1\n", "the attack should have found the cached filter: \(attack.stdout)\(attack.stderr)")
        let after = try bulkhead(["run", "--quiet", "--policy", "strict", "--", CLI.probe, "fork"], environment)
        #expect(after.status == 128 + SIGSYS, "strict ran with the rewritten filter: \(after.stdout)")
    }

    /// The same as uid 65534: an unprivileged bulkhead and its task always share the cache's uid.
    @Test(.enabled(if: CLI.canDropToNobody)) func anUnprivilegedTaskCannotRewriteItEither() throws {
        let directory = CLI.temporaryPath("poison-nobody")
        try FileManager.default.createDirectory(atPath: directory + "/cache", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        chown(directory, 65534, 65534)
        chown(directory + "/cache", 65534, 65534)
        chmod(directory + "/cache", 0o700)
        let environment = ["HOME": directory, "XDG_CACHE_HOME": directory + "/cache"]
        let bin = try #require(CLI.unprivilegedCopies)
        let raw = try CLI.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sh", "-c",
                                                   "\(bin)/bulkhead policy compile strict --bpf > \(directory)/strict.bpf"],
                              environment: ["PATH": "/usr/bin:/bin"], directory: "/")
        #expect(raw.status == 0, "\(raw.stderr)")
        #expect(try CLI.bulkheadAsNobody(["run", "--quiet", "--policy", "strict", "--", "/bin/true"], environment: environment).status == 0)
        let attack = try CLI.bulkheadAsNobody(["run", "--quiet", "--policy", CLI.unisolatedDefault, "--", "python3", "-c",
                                               Self.rewriteFilter,
                                               directory + "/strict.bpf", directory + "/cache"], environment: environment)
        #expect(attack.stdout == "1\n", "the attack should have found the cached filter: \(attack.stdout)\(attack.stderr)")
        let after = try CLI.bulkheadAsNobody(["run", "--quiet", "--policy", "strict", "--", bin + "/bulkhead-probe", "fork"],
                                             environment: environment)
        #expect(after.status == 128 + SIGSYS, "strict ran with the rewritten filter: \(after.stdout)\(after.stderr)")
    }

    /// A policy that lets its task reach the keyring (no filter at all): the task reads no key (it was
    /// invalidated first), plants one of its own and seals a forged entry with it; bulkhead invalidates
    /// that key once the task is gone, so the forged entry is a miss.
    @Test func aTaskThatReachesTheKeyringCannotSealAForgery() throws {
        let (directory, environment) = try cacheEnvironment()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let unfiltered = directory + "/unfiltered.yaml"
        try "version: 1\nextends: \(CLI.unisolatedDefault)\nseccomp: none\n".write(toFile: unfiltered, atomically: true, encoding: .utf8)
        let raw = try CLI.run("/bin/sh", ["-c", "\(CLI.bulkhead) policy compile strict --bpf > \(directory)/strict.bpf"],
                              environment: environment, directory: CLI.packageDirectory)
        #expect(raw.status == 0)
        #expect(try bulkhead(["run", "--quiet", "--policy", "strict", "--", "/bin/true"], environment).status == 0)
        let forge = """
            import ctypes, glob, hmac, hashlib, os, struct, sys
            libc = ctypes.CDLL(None, use_errno=True)
            add_key, keyctl = {'x86_64': (248, 250), 'aarch64': (217, 219)}[os.uname().machine]
            found = libc.syscall(keyctl, 10, -4, b'user', b'bulkhead:cache-seal:1', 0)
            print('key readable' if found >= 0 else 'no key')
            key = b'k' * 32
            assert libc.syscall(add_key, b'user', b'bulkhead:cache-seal:1', key, 32, -4) >= 0
            bpf = open(sys.argv[1], 'rb').read()
            allow = struct.pack('<HBBI', 0x06, 0, 0, 0x7fff0000) * (len(bpf) // 8)
            for path in glob.glob(sys.argv[2] + '/bulkhead/policy-*'):
                content = open(path, 'rb').read()[:-32]
                if bpf in content:
                    forged = content.replace(bpf, allow)
                    open(path, 'wb').write(forged + hmac.new(key, forged, hashlib.sha256).digest())
                    print('forged')
            """
        let attack = try bulkhead(["run", "--quiet", "--policy", unfiltered, "--", "python3", "-c", forge,
                                   directory + "/strict.bpf", directory + "/cache"], environment)
        // "no key" when nothing else ran meanwhile; another bulkhead of this uid (the tests run side by
        // side) may have made a new key since the invalidation, which the task can then read. Either way
        // the key is invalidated again once the task is gone, and the forgery must not hold.
        #expect(attack.stdout.hasSuffix("forged\n"), "\(attack.stdout)\(attack.stderr)")
        let after = try bulkhead(["run", "--quiet", "--policy", "strict", "--", CLI.probe, "fork"], environment)
        #expect(after.status == 128 + SIGSYS, "strict ran with a forged filter: \(after.stdout)")
    }
}

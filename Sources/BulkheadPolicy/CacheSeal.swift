import SystemPackage
import BulkheadSystem
import CSeal
#if canImport(Glibc)
import Glibc
#endif

/// What makes a cache entry trustworthy: an HMAC-SHA-256 over the whole entry, with a key kept in the
/// kernel keyring of bulkhead's uid.
///
/// A cache file can be written by any process of its uid, and a task often runs as that uid (the
/// default policy as root, every policy of an unprivileged bulkhead). A task that rewrote the compiled
/// filter inside the `strict` entry made every later `--policy strict` run without a filter. Ownership
/// checks cannot stop that; a key the task cannot read can. The key lives in the user keyring
/// (keyrings(7)), reachable only through add_key, keyctl and request_key, which no shipped policy lets a
/// task call. A policy that does let a task reach the keyring (or has no filter) makes bulkhead
/// invalidate the key before the task starts and again after it ended (`SandboxPlan.run`): every entry
/// sealed with it becomes a miss, and whatever the task forged with a key it made itself is worthless.
///
/// Where there is no keyring to be had (a container whose seccomp profile refuses keyctl, as Docker's
/// does), there is no seal and bulkhead caches nothing: every run compiles its policy.
public struct CacheSeal: Sendable {
    private let key: [UInt8]

    /// The description of the key in the user keyring.
    static let keyName = "bulkhead:cache-seal:1"
    static let keyBytes = 32
    /// How keyctl says there is no key to use: none yet (ENOKEY), revoked, or expired.
    static let noUsableKey: Set<Errno> = [Errno(rawValue: ENOKEY), Errno(rawValue: EKEYREVOKED), Errno(rawValue: EKEYEXPIRED)]
    public static let macBytes = Int(BH_SHA256_BYTES)

    init(key: [UInt8]) { self.key = key }

    /// The seal of this uid: its key from the user keyring, made there on first use. nil without a keyring.
    public static func current() -> CacheSeal? {
        var buffer = [UInt8](repeating: 0, count: keyBytes)
        var id: Int32 = 0
        let length = buffer.withUnsafeMutableBufferPointer { bh_user_key_read(keyName, $0.baseAddress!, $0.count, &id) }
        if length == keyBytes { return CacheSeal(key: buffer) }
        // Missing (ENOKEY, or revoked/expired), or not ours in shape: a new one. Entries sealed with
        // another key are misses, never trusted.
        if length >= 0 || Self.noUsableKey.contains(Errno.current) {
            guard let key = try? SecureRandom.bytes(keyBytes),
                  key.withUnsafeBufferPointer({ bh_user_key_add(keyName, $0.baseAddress!, $0.count) }) >= 0 else { return nil }
            return CacheSeal(key: key)
        }
        return nil
    }

    /// Makes every entry sealed so far a miss, for every process at once (KEYCTL_INVALIDATE). Returns
    /// false when a key exists but could not be invalidated.
    @discardableResult
    public static func invalidate() -> Bool {
        var buffer = [UInt8](repeating: 0, count: keyBytes)
        var id: Int32 = 0
        // Until none is left: two bulkheads may each have made one.
        for _ in 0..<8 {
            let length = buffer.withUnsafeMutableBufferPointer { bh_user_key_read(keyName, $0.baseAddress!, $0.count, &id) }
            if length < 0 { return Self.noUsableKey.contains(Errno.current) || Errno.current == .noFunction }
            guard bh_key_invalidate(id) == 0 else { return false }
        }
        return false
    }

    /// `content` followed by its MAC.
    public func seal(_ content: [UInt8]) -> [UInt8] {
        content + mac(content[...])
    }

    /// The content of `sealed` when its MAC holds, else nil.
    public func open(_ sealed: [UInt8]) -> ArraySlice<UInt8>? {
        guard sealed.count >= Self.macBytes else { return nil }
        let content = sealed[..<(sealed.count - Self.macBytes)]
        let expected = mac(content)
        // Constant time: the comparison takes as long wherever the first difference is.
        var difference: UInt8 = 0
        for (a, b) in zip(sealed[content.endIndex...], expected) { difference |= a ^ b }
        return difference == 0 ? content : nil
    }

    private func mac(_ content: ArraySlice<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.macBytes)
        key.withUnsafeBufferPointer { k in
            content.withUnsafeBufferPointer { c in
                out.withUnsafeMutableBufferPointer { o in
                    bh_hmac_sha256(k.baseAddress!, k.count, c.baseAddress, c.count, nil, 0, o.baseAddress!)
                }
            }
        }
        return out
    }
}

import CSystemCalls
import SystemPackage

/// Random bits from the kernel (getrandom(2)): names and keys an attacker must not guess.
public enum SecureRandom {
    public static func uint64() throws(Errno) -> UInt64 {
        var value: UInt64 = 0
        let rc = withUnsafeMutableBytes(of: &value) { bh_random_bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), $0.count) }
        guard rc == 0 else { throw Errno.current }
        return value
    }

    public static func bytes(_ count: Int) throws(Errno) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let rc = buffer.withUnsafeMutableBufferPointer { bh_random_bytes($0.baseAddress!, $0.count) }
        guard rc == 0 else { throw Errno.current }
        return buffer
    }
}

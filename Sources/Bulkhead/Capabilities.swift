import BulkheadSystem
import BulkheadPolicy
import CCap
import CLaunch
#if canImport(Glibc)
import Glibc
#endif

/// The launcher's own capability state, and capability names turned into the bit masks the child uses.
enum Capabilities {
    /// Highest capability number this kernel knows; capabilities above it do not exist here.
    static let lastCap: Int32 = {
        // libcap found it at start-up by probing the bounding set; the file is the fallback.
        let bits = cap_max_bits()
        if bits > 0 && bits <= 64 { return Int32(bits) - 1 }
        if let text = try? KernelFile.text("/proc/sys/kernel/cap_last_cap"),
           let value = Int32(text.trimmed) { return value }
        return 40
    }()


    /// Effective and permitted sets of the calling thread.
    static func current() -> (effective: UInt64, permitted: UInt64) {
        var effective: UInt64 = 0, permitted: UInt64 = 0
        guard bh_capget_effective(&effective, &permitted) == 0 else { return (0, 0) }
        return (effective, permitted)
    }

    /// Whether `mask` (a capability set as `current()` returns it) holds capability `number`.
    static func holds(_ mask: UInt64, _ number: Int) -> Bool { mask & (1 << UInt64(number)) != 0 }

    /// Bit mask for names such as "CAP_NET_BIND_SERVICE" (`CapabilityNames`, the one table of them).
    static func mask(for names: [String]) throws(LaunchError) -> UInt64 {
        var mask: UInt64 = 0
        for name in names {
            guard let value = CapabilityNames.number(named: name), value < 64 else {
                throw LaunchError(stage: .plan, message: "unknown capability \(name)")
            }
            guard value <= lastCap else {
                throw LaunchError(stage: .plan, message: "\(name) is not known to this kernel (last capability is \(lastCap))")
            }
            mask |= 1 << UInt64(value)
        }
        return mask
    }

    static func names(in mask: UInt64) -> [String] {
        (0..<64).compactMap { bit in mask & (1 << UInt64(bit)) != 0 ? CapabilityNames.name(of: bit) ?? "capability \(bit)" : nil }
    }
}

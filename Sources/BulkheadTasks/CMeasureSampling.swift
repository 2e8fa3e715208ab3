import Bulkhead
import CMeasure

/// Calls a CMeasure function that fills per-iteration seconds. A failed call (negative count) gives no
/// samples, which the table shows as "n/a" instead of stopping the whole comparison.
enum CMeasureSampling {
    static func samples(count: Int, warmUp: Int = 2, _ fill: (UnsafeMutablePointer<Double>, Int32) -> Int32) -> [Double] {
        let total = max(1, count) + warmUp
        var buffer = [Double](repeating: 0, count: total)
        let filled = buffer.withUnsafeMutableBufferPointer { pointer -> Int32 in
            guard let base = pointer.baseAddress else { return -1 }
            return fill(base, Int32(total))
        }
        guard filled > 0 else { return [] }
        // The first runs pay for cold caches and lazy binding; they are not what a steady user sees.
        let kept = Array(buffer[0..<Int(filled)])
        return kept.count > warmUp ? Array(kept.dropFirst(warmUp)) : kept
    }

    /// 1 → true, 0 → false, negative (the experiment failed) → nil.
    static func flag(_ result: Int32) -> Bool? { result < 0 ? nil : result == 1 }
}

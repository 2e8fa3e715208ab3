/// "The argument is none of these values" as a union of masked-equality tests.
///
/// A seccomp rule can compare an argument once, and libseccomp has no masked not-equal, so
/// `x ∉ {a, b}` is split into disjoint bit patterns: walking the bits from the top, whenever the
/// remaining excluded values all lie on one side of a bit, the other side is a whole pattern
/// (mask = bits decided so far, value = their settings) that no excluded value matches. One excluded
/// value yields `width` patterns; values that share their high bits (ioctl requests, address
/// families) add only a few more each.
enum ArgumentExclusion {
    struct Cube: Equatable, Hashable {
        var mask: UInt64
        var value: UInt64
        func matches(_ x: UInt64) -> Bool { x & mask == value }
    }

    static func cubes(excluding values: [UInt64], width: Int) -> [Cube] {
        let limit: UInt64 = width >= 64 ? .max : (UInt64(1) << width) - 1
        var out: [Cube] = []
        split(Array(Set(values.map { $0 & limit })).sorted(), bit: width - 1, mask: 0, value: 0, into: &out)
        return out
    }

    private static func split(_ excluded: [UInt64], bit: Int, mask: UInt64, value: UInt64, into out: inout [Cube]) {
        guard !excluded.isEmpty else {
            out.append(Cube(mask: mask, value: value))
            return
        }
        guard bit >= 0 else { return } // a single point, and it is excluded
        let b = UInt64(1) << UInt64(bit)
        split(excluded.filter { $0 & b == 0 }, bit: bit - 1, mask: mask | b, value: value, into: &out)
        split(excluded.filter { $0 & b != 0 }, bit: bit - 1, mask: mask | b, value: value | b, into: &out)
    }
}

import BulkheadPolicy
import CSeccomp

/// One argument condition in the form libseccomp can express, after `low32` has been applied.
///
/// libseccomp compares all 64 bits of an argument. The kernel reads `int` arguments (an `ioctl` request,
/// a `socket` domain) as 32 bits, so a 64-bit comparison is bypassed by setting high bits
/// (CVE-2019-10063). `low32` conditions therefore become masked comparisons with mask 0xffffffff.
enum SeccompPredicate: Equatable, Hashable {
    /// `(arg & mask) == value`
    case masked(mask: UInt64, value: UInt64)
    /// `(arg & mask) != value`. libseccomp has no masked not-equal; see `alternatives`.
    case notMasked(mask: UInt64, value: UInt64)
    /// A plain 64-bit comparison.
    case compare(Op, UInt64)

    enum Op: Equatable, Hashable { case ne, lt, le, gt, ge }

    private static let low32Mask: UInt64 = 0xffff_ffff

    /// Validates and normalises one condition of a rule for `syscall`.
    init(_ condition: ArgumentCondition, syscall: String) throws(SeccompCompileError) {
        let index = condition.index
        func fit(_ v: UInt64) throws(SeccompCompileError) -> UInt64 {
            if condition.low32 && v > Self.low32Mask { throw .valueTooWide(syscall: syscall, index: index, value: v) }
            return v
        }
        switch condition.comparison {
        case .equal(let v):
            self = .masked(mask: condition.low32 ? Self.low32Mask : ~0, value: try fit(v))
        case .notEqual(let v):
            self = condition.low32 ? .notMasked(mask: Self.low32Mask, value: try fit(v)) : .compare(.ne, v)
        // Ordered comparisons stay 64-bit even with low32 (libseccomp has no masked ones); the value must fit
        // so that the comparison means what the author wrote for every argument without high bits.
        // Caveat: an argument with high bits set compares greater than every 32-bit value although the kernel
        // may read a small one. So `lt`/`le` → allow fails closed, but `gt`/`ge` → allow, or `lt`/`le` → deny,
        // can be satisfied or escaped with high bits. Prefer eq/ne/maskedEqual on `int` arguments.
        case .less(let v): self = .compare(.lt, try fit(v))
        case .lessOrEqual(let v): self = .compare(.le, try fit(v))
        case .greater(let v): self = .compare(.gt, try fit(v))
        case .greaterOrEqual(let v): self = .compare(.ge, try fit(v))
        case .maskedEqual(let mask, let value):
            let m = condition.low32 ? mask & Self.low32Mask : mask
            if value & ~m != 0 { throw .valueOutsideMask(syscall: syscall, index: index, mask: m, value: value) }
            self = .masked(mask: m, value: value)
        }
    }

    /// The exact complement.
    var negated: SeccompPredicate {
        switch self {
        case .masked(let m, let v): return .notMasked(mask: m, value: v)
        case .notMasked(let m, let v): return .masked(mask: m, value: v)
        case .compare(let op, let v):
            switch op {
            case .ne: return .masked(mask: ~0, value: v)
            case .lt: return .compare(.ge, v)
            case .le: return .compare(.gt, v)
            case .gt: return .compare(.le, v)
            case .ge: return .compare(.lt, v)
            }
        }
    }

    /// libseccomp comparisons whose OR is exactly this predicate.
    ///
    /// `(arg & m) != v` holds iff some bit of `m` differs from `v`, so it is the OR, over the bits of `m`,
    /// of `(arg & bit) == (~v & bit)`: up to 32 masked-equal alternatives, each a sound 64-bit comparison.
    /// The alternative, a 64-bit SCMP_CMP_NE, would let `v | 1<<32` through as "not equal" although the
    /// kernel sees `v`. An empty result means the predicate never holds.
    func alternatives(argument: UInt32) -> [SeccompComparison] {
        switch self {
        case .masked(let m, let v):
            return [SeccompComparison(argument, m == ~0 ? SCMP_CMP_EQ : SCMP_CMP_MASKED_EQ, m == ~0 ? v : m, v)]
        case .notMasked(let m, let v):
            if m == ~0 { return [SeccompComparison(argument, SCMP_CMP_NE, v, 0)] }
            return (0..<64).compactMap { (i: UInt64) -> SeccompComparison? in
                let bit: UInt64 = 1 << i
                guard m & bit != 0 else { return nil }
                return SeccompComparison(argument, SCMP_CMP_MASKED_EQ, bit, ~v & bit)
            }
        case .compare(let op, let v):
            let cmp: scmp_compare
            switch op {
            case .ne: cmp = SCMP_CMP_NE
            case .lt: cmp = SCMP_CMP_LT
            case .le: cmp = SCMP_CMP_LE
            case .gt: cmp = SCMP_CMP_GT
            case .ge: cmp = SCMP_CMP_GE
            }
            return [SeccompComparison(argument, cmp, v, 0)]
        }
    }

    /// True when no argument value satisfies both predicates. False means "maybe overlapping".
    func isDisjoint(from other: SeccompPredicate) -> Bool {
        switch (self.canonical, other.canonical) {
        case let (.masked(m1, v1), .masked(m2, v2)):
            return (v1 ^ v2) & m1 & m2 != 0
        case let (.masked(m1, v1), .notMasked(m2, v2)), let (.notMasked(m2, v2), .masked(m1, v1)):
            // The masked one fixes every bit of m2, and fixes it to v2: the not-equal cannot hold.
            return m2 & ~m1 == 0 && v1 & m2 == v2
        default:
            guard let a = range, let b = other.range else { return false }
            return a.upperBound < b.lowerBound || b.upperBound < a.lowerBound
        }
    }

    /// A 64-bit not-equal is a not-masked comparison with every bit in the mask.
    private var canonical: SeccompPredicate {
        if case .compare(.ne, let v) = self { return .notMasked(mask: ~0, value: v) }
        return self
    }

    /// The predicate as an interval of 64-bit values, when it is one.
    private var range: ClosedRange<UInt64>? {
        switch self {
        case .masked(let m, let v) where m == ~0: return v...v
        case .compare(.lt, let v): return v == 0 ? nil : 0...(v - 1)
        case .compare(.le, let v): return 0...v
        case .compare(.gt, let v): return v == .max ? nil : (v + 1)...UInt64.max
        case .compare(.ge, let v): return v...UInt64.max
        default: return nil
        }
    }
}

/// One libseccomp comparison, kept as plain values so that plans can be compared and de-duplicated.
struct SeccompComparison: Equatable, Hashable {
    var argument: UInt32
    var op: UInt32
    var a: UInt64
    var b: UInt64

    init(_ argument: UInt32, _ op: scmp_compare, _ a: UInt64, _ b: UInt64) {
        self.argument = argument; self.op = op.rawValue; self.a = a; self.b = b
    }

    var cValue: scmp_arg_cmp { bh_arg_cmp(argument, scmp_compare(rawValue: op), a, b) }
}

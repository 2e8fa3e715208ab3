/// A set of limit kinds as a bit mask. `Set<LimitKind>` would do, but its generic metadata is built at
/// run time on first use, which cost `bulkhead run` tens of microseconds on every launch.
public struct LimitKindSet: Sendable, Equatable, Hashable, ExpressibleByArrayLiteral {
    private var bits: UInt16 = 0

    public init() {}

    public init(arrayLiteral kinds: LimitKind...) {
        for kind in kinds { insert(kind) }
    }

    public var isEmpty: Bool { bits == 0 }

    public func contains(_ kind: LimitKind) -> Bool { bits & Self.bit(kind) != 0 }

    public mutating func insert(_ kind: LimitKind) { bits |= Self.bit(kind) }

    public mutating func formUnion(_ kinds: some Sequence<LimitKind>) {
        for kind in kinds { insert(kind) }
    }

    /// The members in declaration order.
    public var members: [LimitKind] { LimitKind.allCases.filter(contains) }

    private static func bit(_ kind: LimitKind) -> UInt16 {
        switch kind {
        case .wall: return 1 << 0
        case .cpu: return 1 << 1
        case .memory: return 1 << 2
        case .processes: return 1 << 3
        case .openFiles: return 1 << 4
        case .fileSize: return 1 << 5
        case .core: return 1 << 6
        case .stack: return 1 << 7
        case .addressSpace: return 1 << 8
        }
    }
}

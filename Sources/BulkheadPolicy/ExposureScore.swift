/// How open a policy leaves the kernel and the machine, from 0 (tight) to 10 (open), in the spirit of
/// `systemd-analyze security`: each rule of the linter is an item with a weight; an item's badness is
/// the sum of its findings' (capped at 1); the score is 10 × Σ(weight × badness) / Σ weight, to one
/// decimal. The weights are in `docs/lint.md`.
public struct ExposureScore: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public var rule: LintRule
        /// 0...1.
        public var badness: Double
        /// What this item adds to the score (0...10).
        public var adds: Double
    }

    /// One per rule, in the linter's table order.
    public var items: [Item]
    /// 0...10, rounded to one decimal.
    public var value: Double

    public init(rules: [LintRule], findings: [LintFinding]) {
        let total = rules.reduce(0) { $0 + $1.weight }
        items = rules.map { rule in
            let badness = min(1, findings.filter { $0.rule == rule.id }.reduce(0) { $0 + $1.badness })
            return Item(rule: rule, badness: badness, adds: total > 0 ? 10 * Double(rule.weight) * badness / Double(total) : 0)
        }
        value = (items.reduce(0) { $0 + $1.adds } * 10).rounded() / 10
    }

    /// A word for the score, in bands like systemd-analyze's: tight (< 1), low (< 3), medium (< 5),
    /// exposed (< 7), open.
    public var rating: String {
        switch value {
        case ..<1: return "tight"
        case ..<3: return "low"
        case ..<5: return "medium"
        case ..<7: return "exposed"
        default: return "open"
        }
    }

    /// "0.9" — one decimal, as reports print it.
    public var text: String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}

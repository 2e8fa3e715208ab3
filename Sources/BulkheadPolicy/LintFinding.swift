/// How much a lint finding matters. Ordered: `note` < `warning` < `error`, so `--fail-on` can compare.
public enum LintSeverity: String, Sendable, Equatable, Hashable, CaseIterable, Comparable {
    case note, warning, error

    private var rank: Int {
        switch self {
        case .note: return 0
        case .warning: return 1
        case .error: return 2
        }
    }

    public static func < (a: LintSeverity, b: LintSeverity) -> Bool { a.rank < b.rank }
}

/// Where in a policy file a finding is: the key or list item it is about.
public struct LintLocation: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The policy file as it was named (a path, or `shipped:NAME` for an embedded policy).
    public var file: String
    /// 1-based.
    public var line: Int
    /// 1-based, in Unicode scalars (as libyaml counts them).
    public var column: Int
    /// When the finding comes from a shipped policy the linted file extends, the spot in that policy
    /// ("shipped:default:97:7"); `file`, `line` and `column` then name the `extends` that brings it in,
    /// the line of the linted file where a fix goes.
    public var inheritedFrom: String?

    public init(file: String, line: Int, column: Int, inheritedFrom: String? = nil) {
        self.file = file; self.line = line; self.column = column; self.inheritedFrom = inheritedFrom
    }

    /// "FILE:LINE:COL", as compilers and `PolicyError` write it.
    public var description: String { "\(file):\(line):\(column)" }
}

/// One thing `bulkhead policy lint` reports: a rule broken at one spot of a policy file.
public struct LintFinding: Sendable, Equatable {
    /// The stable id of the rule (`syscall-ptrace`), also the SARIF `ruleId`.
    public var rule: String
    public var severity: LintSeverity
    public var location: LintLocation
    /// One line: what is open.
    public var message: String
    /// One line: what to write instead.
    public var fix: String
    /// 0...1: how far this finding opens its score item (`ExposureScore`); 1 for most.
    public var badness: Double

    public init(rule: String, severity: LintSeverity, location: LintLocation, message: String, fix: String, badness: Double = 1) {
        self.rule = rule; self.severity = severity; self.location = location; self.message = message
        self.fix = fix; self.badness = badness
    }
}

/// A rule of the linter: what `docs/lint.md` lists and SARIF's `tool.driver.rules` describes.
public struct LintRule: Sendable, Equatable {
    /// Stable: tools and suppressions refer to it. Never renamed; a retired id is not reused.
    public var id: String
    /// The usual severity; a finding may carry another (a capability's depends on which one it is).
    public var severity: LintSeverity
    /// What the rule checks, in a few words.
    public var title: String
    /// The one-line fix.
    public var fix: String
    /// How much this rule's score item weighs in the exposure score.
    public var weight: Int

    public init(id: String, severity: LintSeverity, title: String, fix: String, weight: Int) {
        self.id = id; self.severity = severity; self.title = title; self.fix = fix; self.weight = weight
    }
}

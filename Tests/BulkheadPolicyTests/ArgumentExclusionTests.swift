import Testing
@testable import BulkheadPolicy

@Suite struct ArgumentExclusionTests {
    /// The patterns cover exactly the values not excluded, and no value matches two patterns.
    @Test(arguments: [[0x5412, 0x541c], [0], [0, 0xffff_ffff], [1, 2, 10, 16],
                      [0x5401, 0x5413, 0x540f, 0x541b, 0x5421, 0x5451, 0x5450]] as [[UInt64]])
    func exactAndDisjoint(excluded: [UInt64]) {
        let cubes = ArgumentExclusion.cubes(excluding: excluded, width: 32)
        var rng = SplitMix64(seed: 7)
        var samples = excluded + [0, 1, 0xffff_ffff, 0x8000_0000]
        for _ in 0..<5000 { samples.append(rng.next() & 0xffff_ffff) }
        for v in excluded { samples += [v ^ 1, v ^ 0x8000, v &+ 1, v &- 1].map { $0 & 0xffff_ffff } }
        for x in samples {
            let hits = cubes.filter { $0.matches(x) }.count
            #expect(hits == (excluded.contains(x) ? 0 : 1), "x = \(x)")
        }
        #expect(cubes.allSatisfy { $0.mask <= 0xffff_ffff })
    }

    @Test func oneValueNeedsOnePatternPerBit() {
        #expect(ArgumentExclusion.cubes(excluding: [5], width: 32).count == 32)
        #expect(ArgumentExclusion.cubes(excluding: [5], width: 64).count == 64)
    }

    @Test func severalNeOnOneArgumentBecomeAlternatives() throws {
        let p = mustLoad("""
            version: 1
            seccomp:
              rules:
                - { syscall: ioctl, action: kill, when: [{ arg: 1, eq: TIOCSTI }] }
                - { syscall: ioctl, when: [{ arg: 0, eq: 1 }, { arg: 1, ne: TIOCSTI }, { arg: 1, ne: TIOCLINUX }] }
            """)
        let rules = try #require(p.seccomp?.rules)
        #expect(rules.first == SyscallRule(syscall: "ioctl", action: .kill,
                                           conditions: [ArgumentCondition(index: 1, comparison: .equal(0x5412), low32: true)]))
        let allows = rules.dropFirst()
        #expect(allows.count == ArgumentExclusion.cubes(excluding: [0x5412, 0x541c], width: 32).count)
        for r in allows {
            #expect(r.action == .allow && r.conditions.count == 2)
            #expect(r.conditions[0] == ArgumentCondition(index: 0, comparison: .equal(1), low32: true))
            guard case let .maskedEqual(mask, value) = r.conditions[1].comparison else { Issue.record("\(r)"); continue }
            #expect(0x5412 & mask != value && 0x541c & mask != value)
            #expect(r.conditions[1].low32)
        }
        // The rewritten rules are valid input: the printed policy loads back equal.
        #expect(try PolicyLoader.load(text: PolicyPrinter.yaml(p), file: "x") == p)
    }

    @Test func aLone32BitNeIsRewrittenToo() throws {
        let p = mustLoad("version: 1\nseccomp:\n  rules: [{ syscall: kill, action: errno EPERM, when: [{ arg: 0, ne: 0 }] }]\n")
        let rules = try #require(p.seccomp?.rules)
        #expect(rules.count == 32)
        #expect(rules.allSatisfy { r in
            guard case let .maskedEqual(mask, value)? = r.conditions.first?.comparison else { return false }
            return mask.nonzeroBitCount >= 1 && value != 0 && r.conditions[0].low32 && r.action == .errno(1)
        })
        let wide = mustLoad("version: 1\nseccomp:\n  rules: [{ syscall: kill, when: [{ arg: 0, ne: 0, width: 64 }] }]\n")
        #expect(wide.seccomp?.rules == [SyscallRule(syscall: "kill", action: .allow,
                                                    conditions: [ArgumentCondition(index: 0, comparison: .notEqual(0), low32: false)])])
    }

    /// What the compiler supports, the parser accepts: a rule without conditions with one exception.
    @Test func aRuleWithoutConditionsTakesOneException() {
        let yaml = """
            version: 1
            seccomp:
              rules:
                - { syscall: ioctl, action: kill, when: [{ arg: 1, eq: TIOCSTI }] }
                - { syscall: ioctl }
            """
        #expect(loadError(yaml) == nil)
        #expect(loadError("version: 1\nseccomp:\n  rules: [{ syscall: read }, { syscall: read, when: [{ arg: 0, eq: 1 }] }]\n") == nil)
        let second = """
            version: 1
            seccomp:
              rules:
                - { syscall: ioctl }
                - { syscall: ioctl, action: kill, when: [{ arg: 1, eq: TIOCSTI }] }
                - { syscall: ioctl, action: errno EPERM, when: [{ arg: 1, eq: TIOCLINUX }] }
            """
        #expect(loadError(second)
                == "p.yaml:6:7: error: 'ioctl' has a rule without conditions and already one exception to it; only one is supported "
                    + "(merge the exceptions into one rule, or replace the rule without conditions by conditional rules)")
        let twoGeneral = "version: 1\nseccomp:\n  rules:\n    - { syscall: read }\n    - { syscall: read, action: kill }\n"
        #expect(loadError(twoGeneral)
                == "p.yaml:5:7: error: 'read' already has a rule without conditions with action 'allow' "
                    + "(keep one rule without conditions per syscall; give the other conditions)")
    }

    @Test func otherRepeatedComparisonsAreErrors() {
        let yaml = "version: 1\nseccomp:\n  rules:\n    - { syscall: read, when: [{ arg: 0, gt: 1 }, { arg: 0, lt: 9 }] }\n"
        #expect(loadError(yaml)
                == "p.yaml:4:50: error: argument 0 is compared more than once in this rule (libseccomp cannot AND two comparisons "
                    + "of one argument; only several 'ne' combine; split the rest into separate rules)")
    }
}

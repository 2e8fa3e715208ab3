import Testing
@testable import BulkheadPolicy

/// The libyaml-based composer: limits on untrusted input, located libyaml errors, scalar resolution.
@Suite struct YAMLComposerTests {
    /// 32 aliases (the alias limit) in 8 levels of 4 would expand to 10 * 4^8 = 655360 nodes.
    @Test func aliasBombWithinAliasLimitIsRefusedQuickly() {
        var text = "version: 1\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...8 {
            text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 4).joined(separator: ", ") + "]\n"
        }
        let start = ContinuousClock.now
        let error = loadError(text, file: "bomb.yaml")
        let elapsed = ContinuousClock.now - start
        #expect(error?.contains("error: document too large after expanding aliases") == true, "\(error ?? "nil")")
        #expect(elapsed < .seconds(1))
    }

    @Test func tooManyAliasesIsLocated() {
        var text = "version: 1\nname: &n hello\nx: ["
        text += Array(repeating: "*n", count: 33).joined(separator: ", ") + "]\n"
        // The 33rd alias starts at column 5 + 32 * 4.
        #expect(loadError(text) == "p.yaml:3:133: error: too many aliases (more than 32) (a policy rarely needs more than a few)")
    }

    @Test func aliasCycleAndUndefinedAlias() {
        #expect(loadError("version: 1\nname: &a [*a]\n") == "p.yaml:2:11: error: alias '*a' refers to a node that contains it")
        #expect(loadError("version: 1\nname: *nope\n")
                == "p.yaml:2:7: error: undefined alias '*nope' (an anchor '&nope' must come before its alias)")
    }

    @Test func deepNestingIsRefused() {
        let deep = "version: 1\nname: " + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "\n"
        // The root mapping is level 1, so the 64th '[' (column 6 + 64) is level 65.
        #expect(loadError(deep) == "p.yaml:2:70: error: document nested deeper than 64 levels (a policy needs only a few levels)")
        // Deep enough for the composer, not too deep: it is the reader that refuses a list as a name.
        let fine = "version: 1\nname: " + String(repeating: "[", count: 60) + String(repeating: "]", count: 60) + "\n"
        #expect(loadError(fine) == "p.yaml:2:7: error: expected a name, got a list")
        // Nesting brought in by an alias counts too.
        let viaAlias = "version: 1\nx: &d " + String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
            + "\ny: " + String(repeating: "[", count: 30) + "*d" + String(repeating: "]", count: 30) + "\n"
        #expect(loadError(viaAlias)?.hasPrefix("p.yaml:3:34: error: document nested deeper than 64 levels") == true)
    }

    @Test func multipleDocumentsAreRefused() {
        let expected = "p.yaml:2:1: error: more than one YAML document "
            + "(a policy file holds one document; remove the '---' line and what follows)"
        #expect(loadError("version: 1\n---\nversion: 1\n") == expected)
        #expect(loadError("version: 1\n---\n") == expected)
        // One explicit document is fine.
        #expect(loadError("---\nversion: 1\nseccomp: none\n...\n") == nil)
    }

    @Test func libyamlSyntaxErrorsAreLocated() {
        #expect(loadError("version: 1\nseccomp:\n  allow: [read, write\n  default: kill\n")
                == "p.yaml:4:10: error: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 3)")
        #expect(loadError("version: 1\nname: \"unterminated\n")
                == "p.yaml:3:1: error: invalid YAML: found unexpected end of stream (while scanning a quoted scalar at line 2)")
        #expect(loadError("version: 1\n  name: x\n") == "p.yaml:2:7: error: invalid YAML: mapping values are not allowed in this context")
    }

    @Test func tabIndentationIsLocated() {
        #expect(loadError("version: 1\nseccomp:\n\tallow: [read]\n")
                == "p.yaml:3:1: error: invalid YAML: found character that cannot start any token "
                    + "(while scanning for the next token at line 3) (YAML indentation must be spaces, not tabs)")
        #expect(loadError("version: 1\nseccomp:\n  allow:\n  \t- read\n")?.hasPrefix("p.yaml:4:3: error: invalid YAML:") == true)
    }

    @Test func duplicateKeyPointsAtTheFirstAndNamesTheSecond() {
        #expect(loadError("version: 1\nname: a\ndescription: d\nname: b\n")
                == "p.yaml:2:1: error: duplicate key 'name' (it appears again at line 4)")
        #expect(loadError("version: 1\nenvironment: { set: { A: 1, A: 2 } }\n")
                == "p.yaml:2:23: error: duplicate key 'A' (it appears again at line 2)")
    }

    @Test func quotedScalarsAreStrings() {
        #expect(loadError("version: 1\nenvironment: { clear: \"true\" }\n")
                == "p.yaml:2:23: error: expected clear (true or false), got the string 'true'")
        #expect(loadError("version: 1\nenvironment: { clear: !!str true }\n")
                == "p.yaml:2:23: error: expected clear (true or false), got the string 'true'")
        #expect(loadError("version: 1\nenvironment: { clear: TRUE }\n") == nil)
        #expect(loadError("version: 1\nenvironment: { set: { A: ~ } }\n")
                == "p.yaml:2:26: error: variable 'A' has no value (write \"\" for an empty value)")
        #expect(loadError("version: 1\nenvironment:\n  set:\n    A: \"~\"\n    B: ''\n    C: |\n      text\n") == nil)
        // A NUL written as an escape survives into the value (libyaml gives the length).
        #expect(loadError("version: 1\nworkdir: \"/a\\0b\"\n") == "p.yaml:2:10: error: an absolute path must not contain a NUL character")
    }

    @Test func plainScalarResolution() {
        typealias S = YAMLNode.Scalar
        for t in ["", "~", "null", "Null", "NULL"] { #expect(S.resolve(t) == .null, "\(t)") }
        for t in ["true", "True", "TRUE", "false", "False", "FALSE"] { #expect(S.resolve(t) == .bool, "\(t)") }
        for t in ["0", "42", "-1", "+7", "0x1F", "0xff", "0o17"] { #expect(S.resolve(t) == .int, "\(t)") }
        for t in ["1.5", "-0.5", ".5", "1.", "1e3", "2.5E-3", ".inf", "-.Inf", ".NaN"] { #expect(S.resolve(t) == .float, "\(t)") }
        for t in ["yes", "no", "on", "tRue", "0x", "0o8", "0b1", "1_000", "1.5.5", "e3", ".", "-", "10s", "read", "nan", "1e"] {
            #expect(S.resolve(t) == .string, "\(t)")
        }
    }

    @Test func composerKeepsOrderTagsAndPositions() throws {
        let root = try #require(try YAMLComposer(file: "t.yaml").compose("b: 1\na: !!str x\nc: [\"q\", &r y, *r]\n"))
        guard case .mapping(let m) = root else { Issue.record("not a mapping"); return }
        let keys = m.pairs.compactMap { pair -> String? in if case .scalar(let s) = pair.key { return s.value } else { return nil } }
        #expect(keys == ["b", "a", "c"])
        guard case .scalar(let a) = m.pairs[1].value, case .sequence(let c) = m.pairs[2].value else { Issue.record("shape"); return }
        #expect(a.tag == "tag:yaml.org,2002:str" && a.kind == .string && a.line == 2 && a.column == 4)
        #expect(c.line == 3 && c.column == 4 && c.items.count == 3)
        if case .scalar(let q) = c.items[0] { #expect(q.style == .quoted && q.value == "q") }
        // An alias stands for the anchored node itself, position included (the anchor's '&').
        if case .scalar(let r) = c.items[2] { #expect(r.value == "y" && r.line == 3 && r.column == 10) }
        #expect(try YAMLComposer(file: "t.yaml").compose("# nothing\n") == nil)
    }
}

import BulkheadPolicy
import Testing
import TestSupport

@Suite struct PolicyReferenceTests {
    @Test func aBareShippedNameIsAlwaysTheShippedPolicy() {
        for name in ShippedPolicies.names { #expect(PolicyReference(argument: name) == .shipped(name)) }
    }

    @Test func anythingElseIsAFile() {
        for argument in ["./strict", "/etc/strict", "policies/strict.yaml", "strict.yaml", "my.yaml", "Strict", "stric", "", "strict/"] {
            #expect(PolicyReference(argument: argument) == .file(argument), "\(argument)")
        }
    }

    @Test func extendsFollowsTheSameRule() throws {
        // A file named `strict` beside the extending policy is not what `extends: strict` means.
        let dir = temporaryDirectory()
        writeFile(dir + "/strict", "version: 1\nname: impostor\nseccomp: none\n")
        writeFile(dir + "/child.yaml", "version: 1\nextends: strict\n")
        let policy = try PolicyLoader.load(path: dir + "/child.yaml")
        #expect(policy.name == "strict")
        #expect(policy.seccomp != nil)
        writeFile(dir + "/child.yaml", "version: 1\nextends: ./strict\n")
        #expect(try PolicyLoader.load(path: dir + "/child.yaml").name == "impostor")
    }
}

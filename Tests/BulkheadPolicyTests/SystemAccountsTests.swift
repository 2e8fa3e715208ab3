import Foundation
import Testing
@testable import BulkheadPolicy

/// `user:` names come from /etc/passwd and /etc/group read directly (no NSS, which crashed the static
/// binary): the parsing must take exactly what glibc's files backend would.
@Suite struct SystemAccountsTests {
    private func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "bulkhead-accounts-\(getpid())-\(UUID().uuidString.prefix(8))"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func usersByNameAndPrimaryGroupsByUID() throws {
        let passwd = try file("""
            # a comment
            +nisuser::::::
            -excluded::::::
            root:x:0:0:root:/root:/bin/sh
            broken-line-without-fields
            alice:x:1000:1001:Alice:/home/alice:/bin/sh
            alice:x:2000:2000:second alice is never seen:/:/bin/sh
            bob:x:4294967295:1:uid -1 is not a uid:/:/bin/sh
            carol:x:12a:5::/:
            dave:x:3000:3000

            """)
        defer { unlink(passwd) }
        #expect(SystemAccounts.user(named: "root", in: passwd)! == (0, 0))
        #expect(SystemAccounts.user(named: "alice", in: passwd)! == (1000, 1001))
        #expect(SystemAccounts.user(named: "dave", in: passwd)! == (3000, 3000))
        for name in ["bob", "carol", "nisuser", "+nisuser", "excluded", "-excluded", "nobody", "", "ali", "alice:x",
                     "# a comment", "broken-line-without-fields"] {
            #expect(SystemAccounts.user(named: name, in: passwd) == nil, "\(name)")
        }
        #expect(SystemAccounts.primaryGroup(ofUID: 1000, in: passwd) == 1001)
        #expect(SystemAccounts.primaryGroup(ofUID: 2000, in: passwd) == 2000)
        #expect(SystemAccounts.primaryGroup(ofUID: 77, in: passwd) == nil)
        #expect(SystemAccounts.user(named: "root", in: "/nonexistent/passwd") == nil)
    }

    @Test func groupsByName() throws {
        let group = try file("root:x:0:\nstaff:x:50:alice,bob\nodd:x:notanumber:\nstaff:x:51:\n")
        defer { unlink(group) }
        #expect(SystemAccounts.groupID(named: "root", in: group) == 0)
        #expect(SystemAccounts.groupID(named: "staff", in: group) == 50)
        #expect(SystemAccounts.groupID(named: "odd", in: group) == nil)
        #expect(SystemAccounts.groupID(named: "alice", in: group) == nil)
    }

    @Test func theSystemFilesAgreeWithTheKernelsView() {
        // Whatever this machine calls root is uid 0 with group 0.
        #expect(SystemAccounts.user(named: "root")! == (0, 0))
        #expect(SystemAccounts.groupID(named: "root") == 0)
    }
}

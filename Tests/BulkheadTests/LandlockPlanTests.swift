@testable import Bulkhead
import BulkheadPolicy
import Testing

/// The planner with the Landlock ABI as a parameter: what an older kernel (or one without Landlock)
/// would refuse, what best-effort turns into a warning, and how grants map onto access bits.
@Suite struct LandlockPlanTests {
    private func policy(_ text: String) throws -> Policy { try PolicyLoader.load(text: "version: 1\n" + text, file: "p.yaml") }

    private func refusal(_ text: String, abi: Int) throws -> LaunchError {
        let p = try policy(text)
        do {
            _ = try LandlockPlan.make(for: p, abi: abi)
        } catch {
            return error
        }
        Issue.record("ABI \(abi) should refuse \(text)")
        return LaunchError(stage: .plan, message: "")
    }

    @Test func grantsMapOntoAccessBits() throws {
        let plan = try LandlockPlan.make(for: policy("filesystem: { read: [/etc], write: [/tmp], exec: [/usr] }\n"), abi: 7)
        let access = Dictionary(uniqueKeysWithValues: plan.paths.map { ($0.grant.path, $0.access) })
        #expect(access["/etc"] == LandlockAccess.readFile | LandlockAccess.readDir)
        #expect(access["/usr"] == LandlockAccess.readFile | LandlockAccess.readDir | LandlockAccess.execute)
        let write = try #require(access["/tmp"])
        for right in [
            LandlockAccess.writeFile, LandlockAccess.truncate, LandlockAccess.refer, LandlockAccess.ioctlDev,
            LandlockAccess.makeReg, LandlockAccess.removeFile, LandlockAccess.makeDir, LandlockAccess.removeDir
        ] {
            #expect(write & right != 0)
        }
        #expect(write & (LandlockAccess.execute | LandlockAccess.makeChar | LandlockAccess.makeBlock) == 0)
        // Every right ABI 7 knows is handled, so nothing ungranted stays open.
        #expect(plan.handledFilesystem == (1 << 16) - 1)
        #expect(plan.handledNetwork == 0)
        #expect(plan.scoped == LandlockAccess.scopeSignal)
    }

    @Test func handledRightsFollowTheABI() throws {
        let p = try policy("filesystem: { read: [/etc], write: [/tmp], best-effort: true }\n")
        #expect(try LandlockPlan.make(for: p, abi: 3).handledFilesystem == (1 << 15) - 1)
        #expect(try LandlockPlan.make(for: p, abi: 5).handledFilesystem == (1 << 16) - 1)
        // ABI 2 has no TRUNCATE: a write grant there cannot carry it either.
        let old = try LandlockPlan.make(for: p, abi: 2)
        #expect(old.handledFilesystem == (1 << 14) - 1)
        #expect(old.paths.allSatisfy { $0.access & LandlockAccess.truncate == 0 })
    }

    @Test func aFilesystemViewNeedsABI3() throws {
        let refused = try refusal("filesystem: { read: [/etc] }\n", abi: 2)
        #expect(refused.stage == .landlock)
        #expect(refused.message.hasPrefix("filesystem:"))
        #expect(refused.message.contains("TRUNCATE"))
        #expect(refused.hint?.contains("filesystem.best-effort") == true)
        let none = try refusal("filesystem: { read: [/etc] }\n", abi: -1)
        #expect(none.message.contains("no Landlock"))
    }

    @Test func bestEffortWarnsInstead() throws {
        let partial = try LandlockPlan.make(for: policy("filesystem: { read: [/etc], best-effort: true }\n"), abi: 2)
        #expect(
            partial.warnings == [
                "filesystem: enforced only in part (best-effort): Landlock ABI 2 cannot keep files from being truncated "
                    + "(LANDLOCK_ACCESS_FS_TRUNCATE needs ABI 3, Linux 6.2)"
            ])
        #expect(!partial.isEmpty)
        let nothing = try LandlockPlan.make(for: policy("filesystem: { read: [/etc], best-effort: true }\n"), abi: -1)
        #expect(nothing.isEmpty)
        #expect(nothing.warnings.first?.hasPrefix("filesystem: not enforced (best-effort)") == true)
    }

    @Test func tcpRulesNeedABI4AndTheAbstractScopeABI6() throws {
        let tcp = try refusal("network: { connect: [443] }\n", abi: 3)
        #expect(tcp.message.hasPrefix("network: cannot be enforced: network.connect and network.bind"))
        #expect(tcp.hint?.contains("network.best-effort") == true)
        let scope = try refusal("network: { connect: [443] }\n", abi: 5)
        #expect(scope.message.contains("LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET needs ABI 6"))
        let best = try LandlockPlan.make(for: policy("network: { connect: [443], best-effort: true }\n"), abi: 5)
        #expect(best.handledNetwork == LandlockAccess.bindTCP | LandlockAccess.connectTCP)
        #expect(best.connectPorts == [443])
        #expect(best.warnings.count == 1)
        let full = try LandlockPlan.make(for: policy("network: { connect: [443], bind: [8080] }\n"), abi: 6)
        #expect(full.scoped == LandlockAccess.scopeSignal | LandlockAccess.scopeAbstractUnixSocket)
        #expect(full.bindPorts == [8080])
        #expect(full.warnings.isEmpty)
    }

    @Test func namedUnixSocketsNeedABI9() throws {
        let refused = try refusal("network: { unix: [/run/x.sock] }\n", abi: 7)
        #expect(refused.message.contains("network.unix"))
        #expect(refused.message.contains("RESOLVE_UNIX"))
        let plan = try LandlockPlan.make(for: policy("network: { unix: [/run/x.sock] }\n"), abi: 9)
        #expect(plan.handledFilesystem == LandlockAccess.resolveUnix)
        #expect(plan.paths.map(\.access) == [LandlockAccess.resolveUnix])
        // Without `unix:`, named sockets are left alone: nothing to refuse.
        #expect(try LandlockPlan.make(for: policy("network: { connect: [1] }\n"), abi: 7).handledFilesystem == 0)
    }

    @Test func networkNoneIsTheNamespaceAlone() throws {
        let p = try policy("network: none\n")
        // No TCP rule: the task may use its own namespace's loopback. Never refused for an old ABI.
        #expect(try LandlockPlan.make(for: p, abi: 7).isEmpty)
        #expect(try LandlockPlan.make(for: p, abi: 1).isEmpty)
        #expect(TaskNamespaces.plan(for: p, holdsSysAdmin: true).flags & TaskNamespaces.newNet != 0)
        let unprivileged = TaskNamespaces.plan(for: p, holdsSysAdmin: false)
        #expect(unprivileged.needsUserNamespace && unprivileged.isRequired)
        #expect(!TaskNamespaces.plan(for: try policy("network: host\n"), holdsSysAdmin: true).isRequired)
    }

    @Test func scratchPlaceholderNeedsScratch() throws {
        let refused = try refusal("filesystem:\n  write: [$SCRATCH/x]\n", abi: 7)
        #expect(refused.message.hasPrefix("p.yaml:3:11: $SCRATCH/x names the scratch directory"))
        let plan = try LandlockPlan.make(for: policy("filesystem: { read: [/usr], scratch: true }\n"), abi: 7)
        #expect(plan.paths.contains { $0.grant.path == "$SCRATCH" && $0.access == LandlockAccess.write })
    }

    @Test func placeholdersResolvePerLaunch() {
        #expect(PathGrant("$CWD").resolved(workingDirectory: "/srv/job", scratch: nil) == "/srv/job")
        #expect(PathGrant("$CWD/out").resolved(workingDirectory: "/srv/job", scratch: nil) == "/srv/job/out")
        #expect(PathGrant("$SCRATCH/a").resolved(workingDirectory: "/", scratch: "/tmp/s") == "/tmp/s/a")
        #expect(PathGrant("/usr/$CWD").resolved(workingDirectory: "/x", scratch: nil) == "/usr/$CWD")
    }
}

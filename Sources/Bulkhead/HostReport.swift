import BulkheadSystem
import BulkheadPolicy

/// What `HostCheck.run()` found: the kernel, this process, one finding per feature, and a verdict per
/// shipped policy. `bulkhead doctor` prints it; `json` is the `--json` document (schema in the README).
public struct HostReport: Sendable {
    /// uname(2).
    public struct Kernel: Sendable, Equatable {
        public let release: String
        public let version: String
        public let architecture: String
    }

    /// The bulkhead process itself: who it runs as, and what a launcher above it already imposed.
    public struct ProcessState: Sendable, Equatable {
        public let uid: UInt32
        public let gid: UInt32
        public let effectiveUID: UInt32
        public let effectiveCapabilities: [String]
        public let permittedCapabilities: [String]
        /// Capabilities this kernel has (0 through cap_last_cap).
        public let knownCapabilityCount: Int
        /// PR_SET_NO_NEW_PRIVS already set on bulkhead (by whatever started it).
        public let noNewPrivs: Bool
        /// /proc/self/status Seccomp: 0 none, 1 strict, 2 filter.
        public let seccompMode: Int
        /// /proc/self/status Seccomp_filters: how many filters apply to bulkhead (0 on kernels without the field).
        public let seccompFilters: Int

        public var isRoot: Bool { effectiveUID == 0 }
    }

    public static let schema = "bulkhead-doctor/1"

    public let kernel: Kernel
    public let process: ProcessState
    public let findings: [HostFinding]
    /// Raw values of the sysctls that govern unprivileged user namespaces; nil where the file is absent.
    public let sysctls: [(name: String, value: Int?)]
    public let policies: [ShippedPolicyVerdict]

    /// Every shipped policy can run here as this user.
    public var shippedPoliciesCanRun: Bool { policies.allSatisfy(\.canRun) }
    /// `bulkhead doctor`'s exit code: 0 when every shipped policy can run, 1 when one cannot.
    public var exitCode: Int32 { shippedPoliciesCanRun ? 0 : 1 }

    public func count(_ state: HostFinding.State) -> Int { findings.filter { $0.state == state }.count }

    public func finding(_ id: String) -> HostFinding? { findings.first { $0.id == id } }

    /// "18 available, 3 partial, 2 unavailable, 4 notes; shipped policies: 3 of 3 can run as uid 0".
    public var summary: String {
        let runnable = policies.filter(\.canRun).count
        return "\(count(.available)) available, \(count(.partial)) partial, \(count(.unavailable)) unavailable, \(count(.info)) notes; "
            + "shipped policies: \(runnable) of \(policies.count) can run as uid \(process.effectiveUID)"
    }

    public var json: JSONValue {
        .object([
            ("schema", .string(Self.schema)),
            ("kernel", .object([
                ("release", .string(kernel.release)),
                ("version", .string(kernel.version)),
                ("architecture", .string(kernel.architecture)),
            ])),
            ("process", .object([
                ("uid", .int(process.uid)),
                ("gid", .int(process.gid)),
                ("effectiveUID", .int(process.effectiveUID)),
                ("root", .bool(process.isRoot)),
                ("capabilities", .object([
                    ("effective", .array(process.effectiveCapabilities.map(JSONValue.string))),
                    ("permitted", .array(process.permittedCapabilities.map(JSONValue.string))),
                    ("known", .int(process.knownCapabilityCount)),
                ])),
                ("noNewPrivs", .bool(process.noNewPrivs)),
                ("seccomp", .object([
                    ("mode", .int(process.seccompMode)),
                    ("filters", .int(process.seccompFilters)),
                ])),
            ])),
            ("sysctls", .object(sysctls.map { ($0.name, $0.value.map(JSONValue.int) ?? .null) })),
            ("findings", .array(findings.map { finding in
                .object([
                    ("id", .string(finding.id)),
                    ("name", .string(finding.name)),
                    ("state", .string(finding.state.rawValue)),
                    ("detail", .string(finding.detail)),
                    ("meaning", .string(finding.meaning)),
                    ("policyKeys", .array(finding.policyKeys.map(JSONValue.string))),
                    ("errno", finding.errno.flatMap(\.name).map(JSONValue.string) ?? .null),
                ])
            })),
            ("policies", .array(policies.map { verdict in
                .object([
                    ("name", .string(verdict.name)),
                    ("canRun", .bool(verdict.canRun)),
                    ("error", verdict.error.map(JSONValue.string) ?? .null),
                    ("warnings", .array(verdict.warnings.map(JSONValue.string))),
                    ("trialCommand", verdict.trialCommand.map(JSONValue.string) ?? .null),
                ])
            })),
            ("summary", .object([
                ("available", .int(count(.available))),
                ("partial", .int(count(.partial))),
                ("unavailable", .int(count(.unavailable))),
                ("info", .int(count(.info))),
                ("shippedPoliciesCanRun", .bool(shippedPoliciesCanRun)),
                ("text", .string(summary)),
            ])),
            ("exitCode", .int(exitCode)),
        ])
    }
}

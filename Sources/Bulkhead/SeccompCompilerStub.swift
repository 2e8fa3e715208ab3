import BulkheadPolicy
// TEMPORARY until the seccomp branch merges.
public struct CompiledFilter: Sendable, Equatable { public let bpf: [UInt8]; public var instructionCount: Int }
public enum SeccompCompiler { public static func compile(_ policy: SeccompPolicy) throws -> CompiledFilter { CompiledFilter(bpf: [], instructionCount: 0) } }
extension SeccompCompiler { public static func pseudoCode(_ policy: SeccompPolicy) throws -> String { "" } }

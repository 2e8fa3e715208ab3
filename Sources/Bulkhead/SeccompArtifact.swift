import BulkheadPolicy

extension PolicyArtifact {
    /// The policy's seccomp filter compiled to BPF, kept in the policy cache entry beside the policy, so a
    /// cached `bulkhead run` reads one file and compiles nothing. Nothing is stored when the policy has no
    /// filter or it does not compile: the plan then compiles it and reports the error itself.
    public static var seccompFilter: PolicyArtifact {
        PolicyArtifact(key: "seccomp-bpf " + SeccompCompiler.versionKey) { policy in
            policy.seccomp.flatMap { try? SeccompCompiler.compile($0).bpf }
        }
    }
}

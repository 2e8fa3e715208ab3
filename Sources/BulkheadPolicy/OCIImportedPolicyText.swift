extension OCIProfileImport {
    /// The policy file: version 1 and the `seccomp:` section, commented with where it came from and
    /// every warning of the import, so that what changed is read where it is used.
    public func yaml(name: String) -> String {
        var out = [
            "# Imported by `bulkhead policy import` from the OCI seccomp profile \(file).",
            "# Entries conditional on capabilities, architecture or kernel were decided for a task without",
            "# capabilities on this machine (\(OCISeccompNames.nativeArchitecture ?? "unknown architecture"), "
                + "kernel \(Self.kernelRelease)); see docs/oci.md.",
        ]
        if !warnings.isEmpty {
            out.append("# What the profile says that this policy carries differently:")
            for warning in warnings { out.append("#   " + warning) }
        }
        out += ["version: 1", "name: \(PolicyPrinter.quote(name))"] + PolicyPrinter.seccomp(seccomp)
        return out.joined(separator: "\n") + "\n"
    }
}

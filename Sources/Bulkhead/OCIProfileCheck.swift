import BulkheadPolicy

extension OCIProfileImport {
    /// Compiles the imported rules as a run would, so that a profile whose rules Bulkhead cannot compile
    /// soundly (two overlapping entries with different actions, too many alternatives) is refused at the
    /// entry that named the syscall, before any policy file is written.
    public func checkCompiles() throws(PolicyError) {
        do throws(SeccompCompileError) { _ = try SeccompCompiler.compile(seccomp) } catch {
            let location = error.syscall.flatMap { locations[$0] }
            throw PolicyError(file: file, line: location?.line, column: location?.column,
                              message: "the profile's rules cannot be compiled by Bulkhead: \(error)")
        }
    }
}

extension SeccompCompileError {
    /// The syscall the error is about, when it names one.
    var syscall: String? {
        switch self {
        case .unknownSyscall(let name), .notNativeSyscall(let name): return name
        case .invalidErrno(_, let syscall), .libseccomp(_, let syscall, _): return syscall
        case .invalidArgumentIndex(let syscall, _), .duplicateArgument(let syscall, _), .valueTooWide(let syscall, _, _),
             .valueOutsideMask(let syscall, _, _, _), .conflictingActions(let syscall, _, _), .ambiguousRules(let syscall, _, _),
             .unsupportedExceptions(let syscall, _), .tooManyAlternatives(let syscall, _):
            return syscall
        case .io: return nil
        }
    }
}

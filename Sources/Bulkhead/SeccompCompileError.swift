import BulkheadSystem
import SystemPackage
import BulkheadPolicy
import CSeccomp

/// Why a `SeccompPolicy` could not be compiled into BPF. Every case names the syscall (and rule) at fault,
/// so the message can be shown to the policy author as is.
public enum SeccompCompileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Not a syscall name libseccomp knows for any architecture.
    case unknownSyscall(String)
    /// A name libseccomp knows, but not a syscall of the native architecture (e.g. `socketcall` on x86_64).
    case notNativeSyscall(String)
    /// An `errno N` action outside 1...4095 (the kernel caps SECCOMP_RET_ERRNO at MAX_ERRNO).
    case invalidErrno(Int32, syscall: String?)
    case invalidArgumentIndex(syscall: String, index: Int)
    /// Two conditions on the same argument in one rule. libseccomp 2.5 refuses them (EINVAL) and other
    /// versions and tools have silently kept only one (moby issue 52494); write a `maskedEqual` or two rules.
    case duplicateArgument(syscall: String, index: Int)
    /// A `low32` comparison whose value does not fit in 32 bits can never match what the kernel reads.
    case valueTooWide(syscall: String, index: Int, value: UInt64)
    /// `maskedEqual` whose value has bits outside the mask can never match.
    case valueOutsideMask(syscall: String, index: Int, mask: UInt64, value: UInt64)
    /// Two unconditional rules for one syscall with different actions.
    case conflictingActions(syscall: String, SeccompAction, SeccompAction)
    /// Two conditional rules for one syscall, with different actions, that may both match the same call.
    /// libseccomp would pick one by the order of its decision tree; Bulkhead refuses to guess.
    case ambiguousRules(syscall: String, SeccompAction, SeccompAction)
    /// An unconditional rule with more than one exception of another action. libseccomp silently drops
    /// conditional rules next to an unconditional one, and the complement of several exceptions needs
    /// several comparisons on one argument, so this shape cannot be compiled soundly.
    case unsupportedExceptions(syscall: String, count: Int)
    /// A rule whose `low32` not-equal comparisons expand into too many BPF alternatives.
    case tooManyAlternatives(syscall: String, count: Int)
    /// libseccomp refused an operation; `errno` is its negated return value (EEXIST: a conflicting rule).
    case libseccomp(operation: String, syscall: String?, errno: Errno)
    /// Exporting the program failed at the system level.
    case io(operation: String, errno: Errno)

    public var description: String {
        switch self {
        case .unknownSyscall(let name):
            return "unknown syscall '\(name)'"
        case .notNativeSyscall(let name):
            return "syscall '\(name)' does not exist on the native architecture"
        case .invalidErrno(let e, let syscall):
            return "\(Self.at(syscall))errno action \(e) is outside 1...4095"
        case .invalidArgumentIndex(let syscall, let index):
            return "\(syscall): argument index \(index) is outside 0...5"
        case .duplicateArgument(let syscall, let index):
            return "\(syscall): one rule compares argument \(index) twice; libseccomp cannot AND two comparisons "
                + "on one argument (use maskedEqual, or split the rule)"
        case .valueTooWide(let syscall, let index, let value):
            return "\(syscall): argument \(index) is compared as 32 bits but the value 0x\(String(value, radix: 16)) "
                + "does not fit in 32 bits"
        case .valueOutsideMask(let syscall, let index, let mask, let value):
            return "\(syscall): argument \(index): value 0x\(String(value, radix: 16)) has bits outside mask "
                + "0x\(String(mask, radix: 16)), so the rule can never match"
        case .conflictingActions(let syscall, let a, let b):
            return "\(syscall): conflicting unconditional rules '\(a)' and '\(b)'"
        case .ambiguousRules(let syscall, let a, let b):
            return "\(syscall): rules with actions '\(a)' and '\(b)' can match the same call; make their "
                + "conditions exclusive (e.g. compare the same argument with different values)"
        case .unsupportedExceptions(let syscall, let count):
            return "\(syscall): an unconditional rule with \(count) exceptions of other actions cannot be compiled "
                + "soundly; allow with explicit conditions instead"
        case .tooManyAlternatives(let syscall, let count):
            return "\(syscall): the rule expands into \(count) BPF alternatives (limit \(SeccompRulePlanner.maxAlternatives))"
        case .libseccomp(let operation, let syscall, let errno):
            return "\(Self.at(syscall))libseccomp \(operation) failed: \(errno.text)"
                + (errno == .fileExists ? " (a rule with the same conditions and another action exists)" : "")
        case .io(let operation, let errno):
            return "\(operation) failed: \(errno.text)"
        }
    }

    private static func at(_ syscall: String?) -> String { syscall.map { "\($0): " } ?? "" }
}

import BulkheadSystem
import CSeccomp
#if canImport(Glibc)
import Glibc
#endif

/// An OCI seccomp profile turned into a policy's `seccomp:` section, with what the profile says that the
/// policy cannot (each a located warning), the policy's YAML text, and where each syscall was named.
///
/// Nothing is dropped or changed silently, and nothing is changed towards allowing more: what a policy
/// cannot express is approximated by something that refuses at least as much (a thread kill becomes a
/// process kill; a call handed to a tracer or a notification agent fails with ENOSYS, as it does when
/// none is attached), or the import is refused. Profile entries conditional on the container's
/// capabilities, architecture or kernel are decided here: for a task with no capabilities (a policy's
/// default), on this machine's architecture and kernel.
public struct OCIProfileImport: Sendable {
    public var seccomp: SeccompPolicy
    /// `FILE:LINE:COL: warning: ...`, one per thing the policy does not carry as the profile says it.
    public var warnings: [String]
    /// The first place each syscall of the policy was named, for errors found when compiling it.
    public var locations: [String: (line: Int, column: Int)]
    public let file: String

    /// Reads a profile file. Larger than `PolicyLoader.maxFileSize` is refused before parsing.
    public static func read(path: String) throws(PolicyError) -> OCIProfileImport {
        let bytes: [UInt8]
        do throws(FileReadError) { bytes = try FileContents.readFile(path, limit: PolicyLoader.maxFileSize) } catch {
            if case .tooLarge = error { throw PolicyError(file: path, message: "file is \(error); not a seccomp profile") }
            throw PolicyError(file: path, message: error.description)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw PolicyError(file: path, message: "not JSON: the file is not UTF-8 text")
        }
        return try OCIProfileImport(text: text, file: path)
    }

    public init(text: String, file: String) throws(PolicyError) {
        self.file = file
        warnings = []
        locations = [:]
        seccomp = SeccompPolicy()
        let document = try OCIProfileParser(file: file).parse(text)
        let defaultAction = try action(document.defaultAction, errnoRet: document.defaultErrnoRet)
        seccomp.defaultAction = defaultAction
        checkArchitectures(document)
        for flag in document.flags {
            warn(flag, "flag \(flag.value) is not carried: " + (Self.flagEffects[flag.value] ?? "Bulkhead sets no filter flags"))
        }
        for key in document.listener {
            warn(key, "\(key.value == "listenerMetadata" ? "listenerMetadata" : "listenerPath") is not carried: "
                 + "Bulkhead hands no call to an outside agent")
        }
        var rules: [NamedRule] = []
        for entry in document.syscalls where applies(entry) {
            rules += try translate(entry, defaultAction: defaultAction)
        }
        resolve(rules, defaultAction: defaultAction)
    }

    /// A rule for one name, where it was written.
    private struct NamedRule {
        var rule: SyscallRule
        var line: Int
        var column: Int
    }

    // MARK: actions

    private mutating func action(_ name: OCIProfileDocument.Located<String>,
                                 errnoRet: OCIProfileDocument.Located<UInt64>?) throws(PolicyError) -> SeccompAction {
        if let errnoRet, name.value != "SCMP_ACT_ERRNO" {
            warn(errnoRet, "errnoRet \(errnoRet.value) is ignored: the action is \(name.value), not SCMP_ACT_ERRNO")
        }
        if let errnoRet, name.value == "SCMP_ACT_ERRNO", !(1...4095).contains(errnoRet.value) {
            throw PolicyError(file: file, line: errnoRet.line, column: errnoRet.column,
                              message: "errnoRet \(errnoRet.value) is outside 1...4095", hint: "the kernel caps SECCOMP_RET_ERRNO at 4095")
        }
        switch OCISeccompNames.importedAction(name.value, errnoRet: errnoRet.map { Int32($0.value) }) {
        case .exact(let action)?: return action
        case .approximated(let action, let reason)?:
            warn(name, "\(reason): imported as '\(action)'")
            return action
        case nil:
            throw PolicyError(file: file, line: name.line, column: name.column, message: "unknown action '\(name.value)'",
                              hint: DidYouMean.hint(for: name.value, among: OCISeccompNames.actionNames)
                                  ?? "expected one of: \(OCISeccompNames.actionNames.joined(separator: ", "))")
        }
    }

    /// How far an action refuses: a rule may be replaced only by one at least as high.
    static func denial(_ action: SeccompAction) -> Int {
        switch action {
        case .allow: return 0
        case .log: return 1
        case .errno, .trap: return 2
        case .kill: return 3
        }
    }

    // MARK: architectures, flags

    private static let flagEffects = [
        "SECCOMP_FILTER_FLAG_TSYNC": "Bulkhead installs the filter before the task has a second thread, so all of them have it",
        "SECCOMP_FILTER_FLAG_LOG": "Bulkhead does not ask the kernel to log actions other than 'log'",
        "SECCOMP_FILTER_FLAG_SPEC_ALLOW": "Bulkhead keeps the kernel's speculative store bypass mitigation (stricter)",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV": "Bulkhead hands no call to a notification agent",
    ]

    private mutating func checkArchitectures(_ document: OCIProfileDocument) {
        let native = OCISeccompNames.nativeArchitecture
        let listed = document.architectures + document.archMap.flatMap { [$0.architecture] + $0.subArchitectures }
        for arch in listed where arch.value != native {
            warn(arch, OCISeccompNames.isArchitecture(arch.value)
                 ? "\(arch.value) is not carried: the policy filters the native architecture only and kills every call "
                   + "made through another one (i386 int 0x80, x32), which the profile filtered by name (stricter)"
                 : "unknown architecture '\(arch.value)' is not carried (the policy filters the native architecture only)")
        }
        if let first = listed.first, let native, !listed.contains(where: { $0.value == native }) {
            warn(first, "the profile does not list this machine's architecture (\(native)); runtimes filter it anyway, "
                 + "with the profile's rules, and so does the policy")
        }
    }

    // MARK: entries

    /// Whether the entry applies to a task with no capabilities on this machine's architecture and kernel.
    private mutating func applies(_ entry: OCIProfileDocument.Entry) -> Bool {
        let subject = "the entry for \(entry.names.first?.value ?? "?")\(entry.names.count > 1 ? " and others" : "")"
        if let includes = entry.includes {
            if let cap = includes.caps.first {
                warn(cap, "\(subject) applies only with \(includes.caps.map(\.value).joined(separator: ", ")): skipped, "
                     + "the policy keeps no capabilities (add the entry by hand with capabilities.keep)")
                return false
            }
            if let arch = includes.arches.first, !includes.arches.contains(where: { OCISeccompNames.isNative($0.value) }) {
                warn(arch, "\(subject) applies only on \(includes.arches.map(\.value).joined(separator: ", ")): skipped here")
                return false
            }
            if let minKernel = includes.minKernel {
                guard Self.kernelAtLeast(minKernel.value) else {
                    warn(minKernel, "\(subject) applies only from kernel \(minKernel.value): "
                         + "skipped on this kernel (\(Self.kernelRelease))")
                    return false
                }
                warn(minKernel, "\(subject) applies from kernel \(minKernel.value): kept, as this kernel (\(Self.kernelRelease)) is newer; "
                     + "the policy applies it on every kernel")
            }
        }
        if let excludes = entry.excludes {
            if let cap = excludes.caps.first {
                warn(cap, "\(subject) applies only without \(excludes.caps.map(\.value).joined(separator: ", ")): kept, "
                     + "the policy keeps no capabilities")
            }
            if let arch = excludes.arches.first(where: { OCISeccompNames.isNative($0.value) }) {
                warn(arch, "\(subject) does not apply on \(arch.value): skipped here")
                return false
            }
            if let minKernel = excludes.minKernel {
                if Self.kernelAtLeast(minKernel.value) {
                    warn(minKernel, "\(subject) applies only before kernel \(minKernel.value): "
                         + "skipped on this kernel (\(Self.kernelRelease))")
                    return false
                }
                warn(minKernel, "\(subject) applies before kernel \(minKernel.value): kept on this kernel (\(Self.kernelRelease)); "
                     + "the policy applies it on every kernel")
            }
        }
        return true
    }

    private mutating func translate(_ entry: OCIProfileDocument.Entry,
                                    defaultAction: SeccompAction) throws(PolicyError) -> [NamedRule] {
        let action = try action(entry.action, errnoRet: entry.errnoRet)
        // Dropping an entry that lets calls through only refuses more; dropping one that refuses may let
        // through what the profile refused, unless its action is the default one anyway.
        let droppable = Self.denial(action) <= Self.denial(.log) || action == defaultAction
        var conditions: [ArgumentCondition] = []
        for argument in entry.args {
            let index = Int(argument.index.value)
            if conditions.contains(where: { $0.index == index }) {
                let message = "two conditions on argument \(index) in one entry: libseccomp cannot compare one argument twice "
                    + "(runc refuses such a profile)"
                guard droppable else {
                    throw PolicyError(file: file, line: argument.index.line, column: argument.index.column, message: message,
                                      hint: "split the entry, or use SCMP_CMP_MASKED_EQ")
                }
                warn(argument.index, message + ": the entry only lets calls through, and is skipped")
                return []
            }
            guard let condition = Self.condition(argument) else {
                warn(argument.op, "SCMP_CMP_MASKED_EQ with bits of valueTwo outside the mask never holds: the entry is skipped")
                return []
            }
            conditions.append(condition)
        }
        var out: [NamedRule] = []
        for name in entry.names {
            let number = seccomp_syscall_resolve_name(name.value)
            if number >= 0 {
                out.append(NamedRule(rule: SyscallRule(syscall: name.value, action: action, conditions: conditions),
                                     line: name.line, column: name.column))
            } else if number < -1 {
                warn(name, "\(name.value) is not a syscall of this architecture: no effect here, skipped")
            } else if droppable {
                let verb = action == .allow ? "allows" : action == .log ? "logs" : "gives the default action to"
                warn(name, "\(name.value) is unknown to this machine's libseccomp: skipped (the entry \(verb) it, "
                     + "so without it the call gets the default action '\(defaultAction)')")
            } else {
                throw PolicyError(file: file, line: name.line, column: name.column,
                                  message: "\(name.value) is unknown to this machine's libseccomp, and the entry refuses it "
                                      + "('\(action)'): without it the call would get the default action '\(defaultAction)'",
                                  hint: "a newer libseccomp knows it; or remove the name from the profile")
            }
        }
        return out
    }

    /// The policy condition that compiles to exactly this comparison (`SeccompPredicate` inverts it), or
    /// nil for a masked comparison that can never hold.
    static func condition(_ argument: OCIProfileDocument.Argument) -> ArgumentCondition? {
        let index = Int(argument.index.value)
        let v = argument.value
        switch argument.op.value {
        case SCMP_CMP_MASKED_EQ:
            // runc passes `value` as the mask and `valueTwo` as the datum (libseccomp's a and b).
            let mask = v, datum = argument.valueTwo
            if datum & ~mask != 0 { return nil }
            if mask == 0xffff_ffff { return ArgumentCondition(index: index, comparison: .equal(datum), low32: true) }
            if mask == .max { return ArgumentCondition(index: index, comparison: .equal(datum), low32: false) }
            return ArgumentCondition(index: index, comparison: .maskedEqual(mask: mask, value: datum), low32: mask <= 0xffff_ffff)
        case SCMP_CMP_NE: return ArgumentCondition(index: index, comparison: .notEqual(v), low32: false)
        case SCMP_CMP_LT: return ArgumentCondition(index: index, comparison: .less(v), low32: false)
        case SCMP_CMP_LE: return ArgumentCondition(index: index, comparison: .lessOrEqual(v), low32: false)
        case SCMP_CMP_GT: return ArgumentCondition(index: index, comparison: .greater(v), low32: false)
        case SCMP_CMP_GE: return ArgumentCondition(index: index, comparison: .greaterOrEqual(v), low32: false)
        default: return ArgumentCondition(index: index, comparison: .equal(v), low32: false)
        }
    }

    /// Builds `allow` and `rules` as libseccomp (and so runc) reads the entries: an unconditional entry
    /// for a name decides every call to it, and conditional ones beside it are dropped (measured with
    /// libseccomp 2.5.4, `SeccompRulePlanner`). Of two unconditional ones with different actions, the one
    /// that refuses more is kept, where libseccomp would keep the first.
    private mutating func resolve(_ rules: [NamedRule], defaultAction: SeccompAction) {
        var order: [String] = []
        var byName: [String: [NamedRule]] = [:]
        for named in rules {
            if byName[named.rule.syscall] == nil {
                order.append(named.rule.syscall)
                locations[named.rule.syscall] = (named.line, named.column)
            }
            byName[named.rule.syscall, default: []].append(named)
        }
        var allow: [String] = []
        var out: [SyscallRule] = []
        for name in order {
            let named = byName[name] ?? []
            let unconditional = named.filter { $0.rule.conditions.isEmpty }
            if let first = unconditional.first {
                let kept = unconditional.max { Self.denial($0.rule.action) < Self.denial($1.rule.action) } ?? first
                for other in unconditional where other.rule.action != kept.rule.action {
                    warn(other, "\(name): '\(other.rule.action)' here and '\(kept.rule.action)' at \(kept.line):\(kept.column) "
                         + "both apply to every call; imported as '\(kept.rule.action)', which refuses more")
                }
                for other in named where !other.rule.conditions.isEmpty && other.rule.action != kept.rule.action {
                    warn(other, "\(name): this conditional entry is dropped: the unconditional entry at \(kept.line):\(kept.column) "
                         + "decides every call (libseccomp drops conditional rules beside an unconditional one)")
                }
                if kept.rule.action == .allow { allow.append(name) } else if kept.rule.action != defaultAction {
                    out.append(SyscallRule(syscall: name, action: kept.rule.action))
                }
                continue
            }
            var seen: [SyscallRule] = []
            for other in named where other.rule.action != defaultAction && !seen.contains(other.rule) {
                seen.append(other.rule)
            }
            out += seen
        }
        seccomp.allow = Array(Set(allow)).sorted()
        seccomp.rules = out
    }

    private mutating func warn<Value>(_ at: OCIProfileDocument.Located<Value>, _ message: String) {
        warnings.append("\(file):\(at.line):\(at.column): warning: \(message)")
    }

    private mutating func warn(_ at: NamedRule, _ message: String) {
        warnings.append("\(file):\(at.line):\(at.column): warning: \(message)")
    }

    // MARK: kernel

    static let kernelRelease: String = {
        var name = utsname()
        guard uname(&name) == 0 else { return "" }
        return withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }()

    /// Compares dotted numeric versions ("5.8" against "6.1.0-18-amd64").
    static func kernelAtLeast(_ version: String) -> Bool {
        func parts(_ s: String) -> [Int] {
            s.split(separator: ".").prefix(3).map { Int($0.prefix { $0.isNumber }) ?? 0 }
        }
        let have = parts(kernelRelease), want = parts(version)
        for i in 0..<max(have.count, want.count) {
            let a = i < have.count ? have[i] : 0, b = i < want.count ? want[i] : 0
            if a != b { return a > b }
        }
        return true
    }
}

import CSeccomp

/// An OCI seccomp profile as written, every value with the line and column it was read at, so that what
/// the import refuses or changes can be pointed at. `OCIProfileParser` builds it; `OCIProfileImport` reads it.
struct OCIProfileDocument {
    struct Located<Value> {
        var value: Value
        var line: Int
        var column: Int
    }

    struct Argument {
        var index: Located<UInt64>
        var value: UInt64
        var valueTwo: UInt64
        var op: Located<scmp_compare>
    }

    /// `includes` or `excludes`: the entry applies only with (or only without) these.
    struct Filter {
        var caps: [Located<String>] = []
        var arches: [Located<String>] = []
        var minKernel: Located<String>?
        var line: Int
        var column: Int
    }

    struct Entry {
        var names: [Located<String>]
        var action: Located<String>
        var errnoRet: Located<UInt64>?
        var args: [Argument]
        var includes: Filter?
        var excludes: Filter?
        var line: Int
        var column: Int
    }

    var defaultAction: Located<String>
    var defaultErrnoRet: Located<UInt64>?
    var architectures: [Located<String>] = []
    /// Docker's form: an architecture and the sub-architectures it brings along.
    var archMap: [(architecture: Located<String>, subArchitectures: [Located<String>])] = []
    var flags: [Located<String>] = []
    /// Keys the profile sets that only a runtime's notification agent uses: `listenerPath`, `listenerMetadata`.
    var listener: [Located<String>] = []
    var syscalls: [Entry] = []
}

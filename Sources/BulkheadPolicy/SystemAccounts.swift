import BulkheadSystem

/// User and group names for `user:`, read from /etc/passwd and /etc/group directly.
///
/// Not through glibc's NSS (getpwnam_r and friends): the release binary is static, and NSS in a static
/// binary dlopen()s the modules /etc/nsswitch.conf names, built against the shared libc. A name missing
/// from /etc/passwd went on to libnss_systemd and crashed bulkhead with SIGSEGV. Reading the files also
/// keeps NSS modules out of a process that runs as root. Users that only LDAP, systemd-homed and the like
/// know are given by number.
enum SystemAccounts {
    static let passwdFile = "/etc/passwd"
    static let groupFile = "/etc/group"

    /// (uid, primary gid) for a user name.
    static func user(named name: String, in file: String = passwdFile) -> (UInt32, UInt32)? {
        guard let fields = entry(in: file, name: name), fields.count >= 4,
              let uid = id(fields[2]), let gid = id(fields[3]) else { return nil }
        return (uid, gid)
    }

    /// The primary group of the first user with this uid.
    static func primaryGroup(ofUID uid: UInt32, in file: String = passwdFile) -> UInt32? {
        guard let fields = entry(in: file, where: { $0.count >= 4 && id($0[2]) == uid }) else { return nil }
        return id(fields[3])
    }

    static func groupID(named name: String, in file: String = groupFile) -> UInt32? {
        guard let fields = entry(in: file, name: name), fields.count >= 3 else { return nil }
        return id(fields[2])
    }

    /// A uid or gid field; (uid_t)-1 is "no id" to the kernel, so it is not one.
    private static func id(_ field: ArraySlice<UInt8>) -> UInt32? {
        guard let value = Digits.number(field), value < UInt64(UInt32.max) else { return nil }
        return UInt32(value)
    }

    private static func entry(in file: String, name: String) -> [ArraySlice<UInt8>]? {
        let key = Array(name.utf8)
        guard !key.isEmpty, !key.contains(0), !key.contains(UInt8(ascii: ":")) else { return nil }
        return entry(in: file, where: { $0[0].elementsEqual(key) })
    }

    /// The colon-separated fields of the first line `matches` accepts. Comment lines and the NIS
    /// compatibility lines of old systems (`+name`, `-name`) are not entries.
    private static func entry(in file: String, where matches: ([ArraySlice<UInt8>]) -> Bool) -> [ArraySlice<UInt8>]? {
        guard let bytes = try? FileContents.readFile(file, limit: 64 << 20) else { return nil }
        for line in bytes[...].split(separator: UInt8(ascii: "\n")) {
            guard let first = line.first, first != UInt8(ascii: "#"), first != UInt8(ascii: "+"),
                  first != UInt8(ascii: "-") else { continue }
            let fields = line.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
            if matches(fields) { return fields }
        }
        return nil
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// User and group lookups for `user:`. The reentrant `_r` variants, because the loader may run on any
/// thread and getpwnam's static buffer is shared.
enum SystemAccounts {
    /// (uid, primary gid) for a user name.
    static func user(named name: String) -> (UInt32, UInt32)? {
        guard !name.contains("\0") else { return nil }
        return withPasswd { pwd, buf, size, result in getpwnam_r(name, &pwd, buf, size, &result) }
    }

    static func primaryGroup(ofUID uid: UInt32) -> UInt32? {
        withPasswd { pwd, buf, size, result in getpwuid_r(uid, &pwd, buf, size, &result) }?.1
    }

    static func groupID(named name: String) -> UInt32? {
        guard !name.contains("\0") else { return nil }
        var grp = group()
        var result: UnsafeMutablePointer<group>?
        let found = withGrowingBuffer { base, size in getgrnam_r(name, &grp, base, size, &result) }
        return found && result != nil ? grp.gr_gid : nil
    }

    private static func withPasswd(
        _ call: (inout passwd, UnsafeMutablePointer<CChar>, Int, inout UnsafeMutablePointer<passwd>?) -> Int32
    ) -> (UInt32, UInt32)? {
        var pwd = passwd()
        var result: UnsafeMutablePointer<passwd>?
        let found = withGrowingBuffer { base, size in call(&pwd, base, size, &result) }
        return found && result != nil ? (pwd.pw_uid, pwd.pw_gid) : nil
    }

    /// Calls a `get*_r` function with a buffer that grows while it answers ERANGE; true when it returned 0.
    private static func withGrowingBuffer(_ call: (UnsafeMutablePointer<CChar>, Int) -> Int32) -> Bool {
        var size = 4096
        while size <= 1 << 20 {
            var buffer = [CChar](repeating: 0, count: size)
            let rc = buffer.withUnsafeMutableBufferPointer { buf -> Int32 in
                guard let base = buf.baseAddress else { return ENOMEM }
                return call(base, buf.count)
            }
            if rc == ERANGE { size *= 4; continue }
            return rc == 0
        }
        return false
    }
}

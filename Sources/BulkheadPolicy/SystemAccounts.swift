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
        var size = 4096
        while size <= 1 << 20 {
            var buffer = [CChar](repeating: 0, count: size)
            let rc = buffer.withUnsafeMutableBufferPointer { buf -> Int32 in
                guard let base = buf.baseAddress else { return ENOMEM }
                return getgrnam_r(name, &grp, base, buf.count, &result)
            }
            if rc == ERANGE { size *= 4; continue }
            guard rc == 0, result != nil else { return nil }
            return grp.gr_gid
        }
        return nil
    }

    private static func withPasswd(
        _ call: (inout passwd, UnsafeMutablePointer<CChar>, Int, inout UnsafeMutablePointer<passwd>?) -> Int32
    ) -> (UInt32, UInt32)? {
        var pwd = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var size = 4096
        while size <= 1 << 20 {
            var buffer = [CChar](repeating: 0, count: size)
            let rc = buffer.withUnsafeMutableBufferPointer { buf -> Int32 in
                guard let base = buf.baseAddress else { return ENOMEM }
                return call(&pwd, base, buf.count, &result)
            }
            if rc == ERANGE { size *= 4; continue }
            guard rc == 0, result != nil else { return nil }
            return (pwd.pw_uid, pwd.pw_gid)
        }
        return nil
    }
}

import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// errno names as policy files write them (`errno EPERM`).
///
/// Values come from Glibc so they are the platform's own; the table is in errno-number order, so the
/// first name for a value is the canonical one and the aliases at the end (EWOULDBLOCK = EAGAIN,
/// EDEADLOCK = EDEADLK, ENOTSUP = EOPNOTSUPP) are accepted on input but never printed.
public enum ErrnoNames {
    static let table: [(String, Int32)] = [
        ("EPERM", EPERM), ("ENOENT", ENOENT), ("ESRCH", ESRCH), ("EINTR", EINTR), ("EIO", EIO), ("ENXIO", ENXIO),
        ("E2BIG", E2BIG), ("ENOEXEC", ENOEXEC), ("EBADF", EBADF), ("ECHILD", ECHILD), ("EAGAIN", EAGAIN),
        ("ENOMEM", ENOMEM), ("EACCES", EACCES), ("EFAULT", EFAULT), ("ENOTBLK", ENOTBLK), ("EBUSY", EBUSY),
        ("EEXIST", EEXIST), ("EXDEV", EXDEV), ("ENODEV", ENODEV), ("ENOTDIR", ENOTDIR), ("EISDIR", EISDIR),
        ("EINVAL", EINVAL), ("ENFILE", ENFILE), ("EMFILE", EMFILE), ("ENOTTY", ENOTTY), ("ETXTBSY", ETXTBSY),
        ("EFBIG", EFBIG), ("ENOSPC", ENOSPC), ("ESPIPE", ESPIPE), ("EROFS", EROFS), ("EMLINK", EMLINK),
        ("EPIPE", EPIPE), ("EDOM", EDOM), ("ERANGE", ERANGE), ("EDEADLK", EDEADLK), ("ENAMETOOLONG", ENAMETOOLONG),
        ("ENOLCK", ENOLCK), ("ENOSYS", ENOSYS), ("ENOTEMPTY", ENOTEMPTY), ("ELOOP", ELOOP), ("ENOMSG", ENOMSG),
        ("EIDRM", EIDRM), ("ECHRNG", ECHRNG), ("EL2NSYNC", EL2NSYNC), ("EL3HLT", EL3HLT), ("EL3RST", EL3RST),
        ("ELNRNG", ELNRNG), ("EUNATCH", EUNATCH), ("ENOCSI", ENOCSI), ("EL2HLT", EL2HLT), ("EBADE", EBADE),
        ("EBADR", EBADR), ("EXFULL", EXFULL), ("ENOANO", ENOANO), ("EBADRQC", EBADRQC), ("EBADSLT", EBADSLT),
        ("EBFONT", EBFONT), ("ENOSTR", ENOSTR), ("ENODATA", ENODATA), ("ETIME", ETIME), ("ENOSR", ENOSR),
        ("ENONET", ENONET), ("ENOPKG", ENOPKG), ("EREMOTE", EREMOTE), ("ENOLINK", ENOLINK), ("EADV", EADV),
        ("ESRMNT", ESRMNT), ("ECOMM", ECOMM), ("EPROTO", EPROTO), ("EMULTIHOP", EMULTIHOP), ("EDOTDOT", EDOTDOT),
        ("EBADMSG", EBADMSG), ("EOVERFLOW", EOVERFLOW), ("ENOTUNIQ", ENOTUNIQ), ("EBADFD", EBADFD),
        ("EREMCHG", EREMCHG), ("ELIBACC", ELIBACC), ("ELIBBAD", ELIBBAD), ("ELIBSCN", ELIBSCN),
        ("ELIBMAX", ELIBMAX), ("ELIBEXEC", ELIBEXEC), ("EILSEQ", EILSEQ), ("ERESTART", ERESTART),
        ("ESTRPIPE", ESTRPIPE), ("EUSERS", EUSERS), ("ENOTSOCK", ENOTSOCK), ("EDESTADDRREQ", EDESTADDRREQ),
        ("EMSGSIZE", EMSGSIZE), ("EPROTOTYPE", EPROTOTYPE), ("ENOPROTOOPT", ENOPROTOOPT),
        ("EPROTONOSUPPORT", EPROTONOSUPPORT), ("ESOCKTNOSUPPORT", ESOCKTNOSUPPORT), ("EOPNOTSUPP", EOPNOTSUPP),
        ("EPFNOSUPPORT", EPFNOSUPPORT), ("EAFNOSUPPORT", EAFNOSUPPORT), ("EADDRINUSE", EADDRINUSE),
        ("EADDRNOTAVAIL", EADDRNOTAVAIL), ("ENETDOWN", ENETDOWN), ("ENETUNREACH", ENETUNREACH),
        ("ENETRESET", ENETRESET), ("ECONNABORTED", ECONNABORTED), ("ECONNRESET", ECONNRESET), ("ENOBUFS", ENOBUFS),
        ("EISCONN", EISCONN), ("ENOTCONN", ENOTCONN), ("ESHUTDOWN", ESHUTDOWN), ("ETOOMANYREFS", ETOOMANYREFS),
        ("ETIMEDOUT", ETIMEDOUT), ("ECONNREFUSED", ECONNREFUSED), ("EHOSTDOWN", EHOSTDOWN),
        ("EHOSTUNREACH", EHOSTUNREACH), ("EALREADY", EALREADY), ("EINPROGRESS", EINPROGRESS), ("ESTALE", ESTALE),
        ("EUCLEAN", EUCLEAN), ("ENOTNAM", ENOTNAM), ("ENAVAIL", ENAVAIL), ("EISNAM", EISNAM),
        ("EREMOTEIO", EREMOTEIO), ("EDQUOT", EDQUOT), ("ENOMEDIUM", ENOMEDIUM), ("EMEDIUMTYPE", EMEDIUMTYPE),
        ("ECANCELED", ECANCELED), ("ENOKEY", ENOKEY), ("EKEYEXPIRED", EKEYEXPIRED), ("EKEYREVOKED", EKEYREVOKED),
        ("EKEYREJECTED", EKEYREJECTED), ("EOWNERDEAD", EOWNERDEAD), ("ENOTRECOVERABLE", ENOTRECOVERABLE),
        ("ERFKILL", ERFKILL), ("EHWPOISON", EHWPOISON), ("EWOULDBLOCK", EWOULDBLOCK), ("EDEADLOCK", EDEADLOCK),
        ("ENOTSUP", ENOTSUP),
    ]

    /// Every accepted name, canonical names first (for did-you-mean).
    public static var allNames: [String] { table.map(\.0) }

    public static func name(of value: Int32) -> String? { table.first { $0.1 == value }?.0 }
    public static func value(named name: String) -> Int32? {
        let upper = name.uppercased()
        return table.first { $0.0 == upper }?.1
    }
}

/// errno as people read it: "No space left on device (ENOSPC)". The one way bulkhead turns an errno into
/// text, in every message and report.
extension Errno {
    /// The canonical symbolic name ("ENOSPC"), nil for a number this platform does not name.
    public var name: String? { ErrnoNames.name(of: rawValue) }

    /// "No space left on device (ENOSPC)"; "Unknown error 999 (errno 999)" for an unnamed number.
    public var text: String {
        let message = strerror(rawValue).map { String(cString: $0) } ?? "errno \(rawValue)"
        guard let name else { return "\(message) (errno \(rawValue))" }
        return "\(message) (\(name))"
    }
}

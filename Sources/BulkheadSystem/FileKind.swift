#if canImport(Glibc)
import Glibc
#endif

/// Names file types in messages ("a directory", "a FIFO").
public enum FileKind {
    /// The kind of file `mode` (st_mode) describes, with its article.
    public static func describe(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: return "a regular file"
        case S_IFDIR: return "a directory"
        case S_IFLNK: return "a symbolic link"
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "a file of unknown type"
        }
    }
}

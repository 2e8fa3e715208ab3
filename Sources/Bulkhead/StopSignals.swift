#if canImport(Glibc)
import Glibc
#endif

/// The signals that end a running task when bulkhead receives them (Ctrl-C, a terminal hang-up, a
/// service manager's stop). Block them first thing, before any thread exists, so that every later
/// thread inherits the mask and they queue for the supervisor's signalfd: the supervisor then always
/// lives long enough to kill and reap the task's tree. `RunRequest` expects them blocked.
public enum StopSignals {
    public static let all: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

    public static func block() { change(SIG_BLOCK) }
    public static func unblock() { change(SIG_UNBLOCK) }

    private static func change(_ how: Int32) {
        var set = sigset_t()
        sigemptyset(&set)
        all.forEach { sigaddset(&set, $0) }
        pthread_sigmask(how, &set, nil)
    }
}

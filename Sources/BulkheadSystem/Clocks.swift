#if canImport(Glibc)
import Glibc
#endif

/// Time that only moves forward (CLOCK_MONOTONIC): durations, deadlines and timeouts. Seconds as a Double
/// are precise to well under a microsecond for the uptimes a machine reaches.
public enum MonotonicClock {
    public static func seconds() -> Double { secondsOn(CLOCK_MONOTONIC) }

    /// A `seconds()` time as a timespec, for pthread_cond_timedwait on a condition variable whose clock
    /// is CLOCK_MONOTONIC.
    public static func timespec(at seconds: Double) -> Glibc.timespec {
        let whole = seconds.rounded(.down)
        return Glibc.timespec(tv_sec: Int(whole), tv_nsec: Int((seconds - whole) * 1e9))
    }

    /// Sleeps for `seconds`, the whole time even when a signal interrupts the sleep.
    public static func sleep(_ seconds: Double) {
        guard seconds > 0 else { return }
        var request = Glibc.timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = Glibc.timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}

/// Calendar time (CLOCK_REALTIME): only to compare with timestamps other programs wrote, such as the
/// kernel log's. It jumps when the clock is set: never a duration.
public enum WallClock {
    public static func seconds() -> Double { secondsOn(CLOCK_REALTIME) }
}

private func secondsOn(_ clock: clockid_t) -> Double {
    var now = timespec()
    clock_gettime(clock, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

#if canImport(Glibc)
import Glibc
#endif

/// A pthread mutex and a condition variable whose timed waits run on CLOCK_MONOTONIC, so a jump of the
/// wall clock neither cuts a wait short nor stretches it. Task threads that may hang for ever keep a
/// reference to the object that owns one, so it is never freed under them.
final class MonotonicCondition: @unchecked Sendable {
    let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition); pthread_mutex_destroy(mutex)
        condition.deallocate(); mutex.deallocate()
    }
}

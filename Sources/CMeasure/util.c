#include "internal.h"
#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Everything here is async-signal-safe, so forked children may call it. */

double bh_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int bh_read_full(int fd, void *buffer, size_t length) {
    char *p = buffer;
    while (length > 0) {
        ssize_t n = read(fd, p, length);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n; length -= (size_t)n;
    }
    return 0;
}

int bh_write_full(int fd, const void *buffer, size_t length) {
    const char *p = buffer;
    while (length > 0) {
        ssize_t n = write(fd, p, length);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n; length -= (size_t)n;
    }
    return 0;
}

int bh_wait_status(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return status;
}

int bh_pipes(int a[2], int b[2]) {
    /* Close-on-exec: another thread of the host may exec while these are open. */
    if (pipe2(a, O_CLOEXEC) != 0) return -errno;
    if (pipe2(b, O_CLOEXEC) != 0) { int e = errno; close(a[0]); close(a[1]); return -e; }
    return 0;
}

void bh_close_pipes(int a[2], int b[2]) {
    close(a[0]); close(a[1]); close(b[0]); close(b[1]);
}

#include "measure.h"
#include <sys/resource.h>

int bh_measure_no_core_dumps(int pid) {
    struct rlimit none = {0, 0};
    return prlimit((pid_t)pid, RLIMIT_CORE, &none, NULL) == 0 ? 0 : -errno;
}

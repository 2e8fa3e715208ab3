#define _GNU_SOURCE
#include "system_calls.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

int bh_cloexec_pipe(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

int bh_random_bytes(uint8_t *buffer, size_t length) {
    size_t done = 0;
    while (done < length) {
        ssize_t n = getrandom(buffer + done, length - done, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        done += (size_t)n;
    }
    return 0;
}

int bh_memfd_create(const char *name) {
    return memfd_create(name, MFD_CLOEXEC);
}

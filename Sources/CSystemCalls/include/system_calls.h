#ifndef BULKHEAD_SYSTEM_CALLS_H
#define BULKHEAD_SYSTEM_CALLS_H

#include <stddef.h>
#include <stdint.h>

/* glibc functions Swift's Glibc module does not export (GNU extensions or newer than its headers). Each
   returns 0 (or a descriptor) on success, -1 with errno on failure. */

/* pipe2(fds, O_CLOEXEC): both ends close-on-exec from the first instant, so no exec on another thread
   can inherit them (pipe + fcntl leaves a window). */
int bh_cloexec_pipe(int fds[_Nonnull 2]);

/* Fills `buffer` from getrandom(2), looping over short reads and EINTR. */
int bh_random_bytes(uint8_t *_Nonnull buffer, size_t length);

/* memfd_create(name, MFD_CLOEXEC): an anonymous file, close-on-exec. */
int bh_memfd_create(const char *_Nonnull name);

#endif

/* Helpers shared by the measurement files; not part of the module's public header. */
#ifndef BULKHEAD_MEASURE_INTERNAL_H
#define BULKHEAD_MEASURE_INTERNAL_H
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <sys/types.h>

double bh_now(void);
/* read/write the whole buffer, retrying on EINTR and short transfers; 0 on success, -1 on failure. */
int bh_read_full(int fd, void *buffer, size_t length);
int bh_write_full(int fd, const void *buffer, size_t length);
/* waitpid retrying on EINTR; returns the status or -1. */
int bh_wait_status(pid_t pid);
/* Two close-on-exec pipes, or -errno. */
int bh_pipes(int a[2], int b[2]);
void bh_close_pipes(int a[2], int b[2]);
#endif

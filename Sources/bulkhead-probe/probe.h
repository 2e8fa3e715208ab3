/* Shared by the probe's modes: exit codes and how a mode reports what happened (see probe.c). */
#ifndef BULKHEAD_PROBE_H
#define BULKHEAD_PROBE_H
#include <sys/types.h>

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_NOMEM = 3, EXIT_ERRNO = 10, EXIT_OTHER = 11 };

/* Prints "WHAT: errno NAME" and returns EXIT_ERRNO. */
int fail_errno(const char *what, int e);
/* The result of an inline-asm syscall (-errno on failure). */
int report_raw(const char *what, long rc);
/* The result of a libc call (-1 and errno on failure). */
int report_libc(const char *what, long rc);
long parse_num(const char *s);

struct sock_fprog;
/* Reads a raw BPF program (the compiler's output) from PATH into PROG; EXIT_OK or the exit code of
   the failure, which is reported. probe.c. */
int read_filter_file(const char *path, struct sock_fprog *prog);
/* filter-cost FILE COUNT CALLS: COUNT forked children each install the filter and make CALLS calls of
   a system call no architecture has; one line each: the install's seconds and the seconds per call
   ("nan" for what a child did not live to measure). filter_cost.c. */
int mode_filter_cost(const char *path, long count, long calls);

/* pid-call NAME PID: one call that acts on process PID ("parent": the probe's parent), made so that it
   changes nothing if it gets through (the value read is written back). other_process.c. */
int mode_pid_call(const char *name, const char *target);
/* setid-file ROUTE PATH: tries to leave a set-user-ID or set-group-ID file at PATH by one route;
   exit 0 only when such a file exists afterwards. setid_file.c. */
int mode_setid_file(const char *route, const char *path);
/* ipc-leave KEY BYTES [sysv]: creates a shared-memory segment of BYTES (touched), a message queue and a
   semaphore set under KEY, and (without `sysv`) a POSIX message queue /bulkhead-probe-KEY, and leaves
   them. ipc_objects.c. */
int mode_ipc_leave(const char *key, const char *bytes, int sysv_only);
/* ipc-check KEY: exit 0 when none of those objects exists here; else names and removes them. */
int mode_ipc_check(const char *key);

/* violate CALL THREADS PROCESSES [LOOPS]: a refusable call from many threads and processes, printing
   "after CALL" whenever it returns. violate.c. */
int mode_violate(int argc, char **argv);
/* call-cost CALL COUNT: the nanoseconds one of COUNT calls of CALL takes. violate.c. */
int mode_call_cost(const char *call, long count);

#endif

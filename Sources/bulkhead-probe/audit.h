/* The audit battery's probes (`bulkhead-probe audit ID ARGS...`, run by `bulkhead audit`). Each tries one
   thing a hostile task would try, proves an escape by opening or reading (never by damaging anything)
   and prints one line:
     escaped EVIDENCE            exit 40: it got through; EVIDENCE is what it read or opened
     blocked ERRNO CALL WHAT     exit 41: CALL failed with ERRNO (a name such as EPERM; CALL:VARIANT
                                          tells two uses of one call apart); or, where the
                                          probe read the protection itself, ERRNO is a word such as
                                          no_new_privs or closed
     n/a REASON                  exit 42: cannot be tried here (no such interface on this kernel)
   Being killed (seccomp's SIGSYS, a limit) is an outcome the auditor reads from the wait status. */
#ifndef BULKHEAD_PROBE_AUDIT_H
#define BULKHEAD_PROBE_AUDIT_H

enum { AUDIT_ESCAPED = 40, AUDIT_BLOCKED = 41, AUDIT_NA = 42 };

int audit_escaped(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* CALL failed with errno E. */
int audit_blocked(int e, const char *call, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Stopped by a protection the probe observed itself (WORD: no_new_privs, closed, ...). */
int audit_blocked_by(const char *word, const char *call, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int audit_na(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

typedef int (*audit_probe_fn)(int argc, char **argv);
struct audit_probe { const char *id; audit_probe_fn run; int argc; };

/* One table per family; each ends with {0}. */
extern const struct audit_probe audit_network_probes[];
extern const struct audit_probe audit_file_probes[];
extern const struct audit_probe audit_process_probes[];
extern const struct audit_probe audit_kernel_probes[];
extern const struct audit_probe audit_resource_probes[];

/* `bulkhead-probe audit ID ARGS...`; `audit --list` prints every id. */
int mode_audit(int argc, char **argv);

/* `bulkhead-probe audit-victim`: the sleeping process outside the task that the process probes aim at.
   audit_processes.c. */
int mode_audit_victim(void);
/* `bulkhead-probe audit kern-memfd-landed` is what kern-memfd-exec executes from its memfd. */

/* Reads up to N-1 bytes of PATH into BUF (NUL-terminated); bytes read, or -errno. */
long audit_read_file(const char *path, char *buf, unsigned long n);

#endif

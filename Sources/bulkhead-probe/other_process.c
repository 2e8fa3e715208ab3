/* Calls that act on another process named by its pid. Each reads the target's current setting and
   writes the same value back, so a call that gets through proves the escape without changing anything. */
#define _GNU_SOURCE
#include "probe.h"
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define IOPRIO_WHO_PROCESS 1
#define KCMP_VM 1

struct sched_attr_v1 {
    uint32_t size, sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
    uint32_t sched_util_min, sched_util_max;
};

static int same_limit(pid_t pid) {
    struct rlimit old;
    if (syscall(SYS_prlimit64, pid, RLIMIT_NOFILE, NULL, &old) < 0) return fail_errno("prlimit read", errno);
    return report_libc("prlimit", syscall(SYS_prlimit64, pid, RLIMIT_NOFILE, &old, NULL));
}

static int same_priority(pid_t pid) {
    errno = 0;
    long raw = syscall(SYS_getpriority, PRIO_PROCESS, pid); /* 20 - nice, never negative */
    if (raw < 0) return fail_errno("getpriority", errno);
    return report_libc("setpriority", syscall(SYS_setpriority, PRIO_PROCESS, pid, 20 - raw));
}

static int same_affinity(pid_t pid) {
    cpu_set_t set;
    if (syscall(SYS_sched_getaffinity, pid, sizeof set, &set) < 0) return fail_errno("sched_getaffinity", errno);
    return report_libc("sched_setaffinity", syscall(SYS_sched_setaffinity, pid, sizeof set, &set));
}

static int same_param(pid_t pid, int with_policy) {
    struct sched_param param;
    if (syscall(SYS_sched_getparam, pid, &param) < 0) return fail_errno("sched_getparam", errno);
    if (!with_policy) return report_libc("sched_setparam", syscall(SYS_sched_setparam, pid, &param));
    long policy = syscall(SYS_sched_getscheduler, pid);
    if (policy < 0) return fail_errno("sched_getscheduler", errno);
    return report_libc("sched_setscheduler", syscall(SYS_sched_setscheduler, pid, policy, &param));
}

static int same_attr(pid_t pid) {
    struct sched_attr_v1 attr;
    memset(&attr, 0, sizeof attr);
    if (syscall(SYS_sched_getattr, pid, &attr, sizeof attr, 0) < 0) return fail_errno("sched_getattr", errno);
    attr.size = sizeof attr;
    return report_libc("sched_setattr", syscall(SYS_sched_setattr, pid, &attr, 0));
}

static int same_ioprio(pid_t pid) {
    long prio = syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, pid);
    if (prio < 0) return fail_errno("ioprio_get", errno);
    return report_libc("ioprio_set", syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, pid, prio));
}

/* PID "parent" is the probe's parent: bulkhead itself when the probe is the task. */
int mode_pid_call(const char *name, const char *target) {
    pid_t pid = strcmp(target, "parent") == 0 ? getppid() : (pid_t)parse_num(target);
    if (!strcmp(name, "prlimit")) return same_limit(pid);
    if (!strcmp(name, "setpriority")) return same_priority(pid);
    if (!strcmp(name, "sched_setaffinity")) return same_affinity(pid);
    if (!strcmp(name, "sched_setparam")) return same_param(pid, 0);
    if (!strcmp(name, "sched_setscheduler")) return same_param(pid, 1);
    if (!strcmp(name, "sched_setattr")) return same_attr(pid);
    if (!strcmp(name, "ioprio_set")) return same_ioprio(pid);
    if (!strcmp(name, "get_robust_list")) {
        void *head;
        size_t length;
        return report_libc(name, syscall(SYS_get_robust_list, pid, &head, &length));
    }
    if (!strcmp(name, "pidfd_open")) return report_libc(name, syscall(SYS_pidfd_open, pid, 0));
    /* No nodes and no pages: nothing moves even when the call is let through. */
    if (!strcmp(name, "migrate_pages")) {
        unsigned long none = 0;
        return report_libc(name, syscall(SYS_migrate_pages, pid, 8 * sizeof none, &none, &none));
    }
    if (!strcmp(name, "move_pages")) return report_libc(name, syscall(SYS_move_pages, pid, 0, NULL, NULL, NULL, 0));
    if (!strcmp(name, "kcmp")) return report_libc(name, syscall(SYS_kcmp, getpid(), pid, KCMP_VM, 0, 0));
    fprintf(stderr, "pid-call: unknown call %s\n", name);
    return EXIT_USAGE;
}

/* What a seccomp filter costs, for `bulkhead bench --filters`: the kernel's install (checking and
   attaching the program) and the cost the filter adds to every system call. Measured in forked
   children, so the probe itself never carries a filter. */
#define _GNU_SOURCE
#include "probe.h"
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <math.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* No architecture has a system call 600: the filter runs every check it has before its default
   answers, which is the most a call can cost under it. */
#define NONEXISTENT_SYSCALL 600

struct timing {
    double install;
    double call;
};

static double elapsed(struct timespec a, struct timespec b) {
    return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

/* The child: it reports through shared memory, as the filter may refuse every system call after it is
   installed. clock_gettime goes through the vDSO, which no filter sees. */
static void measure(struct sock_fprog *prog, long calls, volatile struct timing *out) {
    /* A filter that refuses exit_group as well is left by a fault (below): no core file for that. */
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(EXIT_ERRNO);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) != 0) _exit(EXIT_ERRNO);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    out->install = elapsed(t0, t1);
    if (calls > 0) {
        /* A filter whose default kills ends the child here, and the call cost stays unknown. */
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (long i = 0; i < calls; i++) syscall(NONEXISTENT_SYSCALL, 0, 0, 0, 0, 0, 0);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        out->call = elapsed(t0, t1) / (double)calls;
    }
    syscall(SYS_exit_group, 0);
    __builtin_trap();
}

int mode_filter_cost(const char *path, long count, long calls) {
    struct sock_fprog prog;
    int rc = read_filter_file(path, &prog);
    if (rc != EXIT_OK) return rc;
    volatile struct timing *shared = mmap(NULL, sizeof(struct timing), PROT_READ | PROT_WRITE,
                                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) return fail_errno("mmap", errno);
    for (long i = 0; i < count; i++) {
        shared->install = NAN;
        shared->call = NAN;
        pid_t pid = fork();
        if (pid < 0) return fail_errno("fork", errno);
        if (pid == 0) measure(&prog, calls, shared);
        int status;
        while (waitpid(pid, &status, 0) < 0)
            if (errno != EINTR) return fail_errno("waitpid", errno);
        printf("%.9f %.12f\n", shared->install, shared->call);
    }
    return EXIT_OK;
}

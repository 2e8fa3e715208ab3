/* Audit probes, process family: reaching a process outside the task (the auditor's victim, a sleeping
   helper it started) and bulkhead itself. Each call is one that changes nothing when it gets through:
   signal 0, SIGCONT, SIGSTOP answered at once by SIGCONT, a PTRACE_SEIZE that ends with the probe, a
   read of memory, a limit written back unchanged. */
#define _GNU_SOURCE
#include "audit.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <unistd.h>

/* Where the victim (mode_audit_victim, below) keeps its token. */
#define VICTIM_ADDRESS 0x7e5700000000UL
#define VICTIM_TOKEN "bulkhead-audit-victim"

static pid_t target(const char *arg) { return (pid_t)atoi(arg); }

static int see(int argc, char **argv) {
    (void)argc;
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%s/cmdline", argv[0]);
    long n = audit_read_file(path, buf, sizeof buf);
    if (n < 0) return audit_blocked((int)-n, "openat", "%s", path);
    for (long i = 0; i + 1 < n; i++) if (!buf[i]) buf[i] = ' ';
    return audit_escaped("saw process %s outside the task: %s", argv[0], buf);
}

static int signal_one(int argc, char **argv) {
    (void)argc;
    if (kill(target(argv[0]), SIGCONT) != 0) return audit_blocked(errno, "kill", "SIGCONT to process %s", argv[0]);
    return audit_escaped("sent SIGCONT to process %s outside the task", argv[0]);
}

/* kill(-1, 0) answers 0 whenever another process exists, even when the kernel refuses every one of them
   (kernel/signal.c counts refused targets too), so success alone proves only that the call gets through.
   The victim, a process outside the task, is then asked with signal 0: when that passes the permission
   checks too, kill(-1, SIGKILL) would reach it. The call token kill:all tells the auditor which kill. */
static int kill_all(int argc, char **argv) {
    (void)argc;
    if (kill(-1, 0) != 0) return audit_blocked(errno, "kill:all", "kill(-1, 0)");
    if (kill(target(argv[0]), 0) != 0) return audit_blocked(errno, "kill", "signal 0 to process %s, which kill(-1, ...) would reach", argv[0]);
    return audit_escaped("kill(-1, 0) got through, and process %s outside the task may be signalled: kill(-1, SIGKILL) would reach it", argv[0]);
}

static int stop(int argc, char **argv) {
    (void)argc;
    pid_t pid = target(argv[0]);
    if (kill(pid, SIGSTOP) != 0) return audit_blocked(errno, "kill", "SIGSTOP to process %s", argv[0]);
    kill(pid, SIGCONT);
    return audit_escaped("stopped process %s outside the task (and let it go on at once)", argv[0]);
}

static int seize(pid_t pid, const char *whom) {
    if (ptrace(PTRACE_SEIZE, pid, 0, 0) != 0) return audit_blocked(errno, "ptrace", "PTRACE_SEIZE of %s", whom);
    /* The probe's exit detaches it. */
    return audit_escaped("attached to %s with PTRACE_SEIZE (could read and change its memory and registers)", whom);
}

static int trace(int argc, char **argv) {
    (void)argc;
    char whom[64];
    snprintf(whom, sizeof whom, "process %s outside the task", argv[0]);
    return seize(target(argv[0]), whom);
}

static int vm_readv(int argc, char **argv) {
    (void)argc;
    char buf[sizeof VICTIM_TOKEN] = "";
    struct iovec local = {buf, sizeof buf - 1}, remote = {(void *)VICTIM_ADDRESS, sizeof buf - 1};
    ssize_t n = process_vm_readv(target(argv[0]), &local, 1, &remote, 1, 0);
    if (n < 0) return audit_blocked(errno, "process_vm_readv", "process %s", argv[0]);
    return audit_escaped("read \"%s\" from the memory of process %s", buf, argv[0]);
}

static int supervisor_signal(int argc, char **argv) {
    (void)argc;
    if (kill(target(argv[0]), 0) != 0) return audit_blocked(errno, "kill", "signal 0 to bulkhead (pid %s)", argv[0]);
    return audit_escaped("may signal bulkhead itself (pid %s): signal 0 passed the permission check", argv[0]);
}

static int supervisor_ptrace(int argc, char **argv) {
    (void)argc;
    char whom[64];
    snprintf(whom, sizeof whom, "bulkhead itself (pid %s)", argv[0]);
    return seize(target(argv[0]), whom);
}

static int supervisor_prlimit(int argc, char **argv) {
    (void)argc;
    pid_t pid = target(argv[0]);
    struct rlimit old;
    if (syscall(SYS_prlimit64, pid, RLIMIT_NOFILE, NULL, &old) != 0) return audit_blocked(errno, "prlimit64", "read bulkhead's RLIMIT_NOFILE");
    if (syscall(SYS_prlimit64, pid, RLIMIT_NOFILE, &old, NULL) != 0) return audit_blocked(errno, "prlimit64", "set bulkhead's RLIMIT_NOFILE");
    return audit_escaped("set bulkhead's descriptor limit (to its own value, %llu)", (unsigned long long)old.rlim_cur);
}

const struct audit_probe audit_process_probes[] = {
    {"proc-see", see, 1},                 {"proc-signal", signal_one, 1},
    {"proc-kill-all", kill_all, 1},       {"proc-stop", stop, 1},
    {"proc-ptrace", trace, 1},            {"proc-vm-readv", vm_readv, 1},
    {"proc-supervisor-signal", supervisor_signal, 1}, {"proc-supervisor-ptrace", supervisor_ptrace, 1},
    {"proc-supervisor-prlimit", supervisor_prlimit, 1},
    {0},
};

/* `bulkhead-probe audit-victim`: the process outside the task that the process probes aim at. Keeps
   VICTIM_TOKEN at VICTIM_ADDRESS, where process_vm_readv looks, and sleeps until the auditor kills it
   (at most ten minutes; it also dies with the auditor, which started it from the thread that stays). */
int mode_audit_victim(void) {
    pid_t parent = getppid();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) return 0; /* the auditor died before the death signal was armed */
    void *page = mmap((void *)VICTIM_ADDRESS, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (page != (void *)VICTIM_ADDRESS) { perror("audit-victim: mmap"); return 11; }
    memcpy(page, VICTIM_TOKEN, sizeof VICTIM_TOKEN);
    printf("audit-victim: ready\n");
    fflush(stdout);
    sleep(600);
    return 0;
}

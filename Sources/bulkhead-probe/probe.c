/*
 * bulkhead-probe: a multi-call test probe. `bulkhead-probe MODE [args]`.
 *
 * Each mode tries one thing the sandbox should allow or refuse and prints one line to stdout.
 * Exit codes (stable, tests depend on them):
 *   0   the thing worked
 *   2   usage error
 *   3   alloc: malloc failed
 *   10  the thing failed with an errno (its name is printed: "errno EPERM")
 *   11  the thing failed without an errno (e.g. unexpected result)
 * Being killed by a seccomp filter shows up as death by SIGSYS, not as an exit code.
 * `audit ID ARGS...` runs one probe of the audit battery, with exit codes of its own (audit.h).
 *
 * Plain C on purpose: tests need raw syscalls and alternate entry points (int 0x80, the x32 bit)
 * that neither Swift nor most libc wrappers can express.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "probe.h"
#include "audit.h"

static const char *errno_name(int e) {
    const char *n = strerrorname_np(e);
    return n ? n : "E?";
}

/* Reports a failed call: prints the errno's name and returns the errno exit code. */
int fail_errno(const char *what, int e) {
    printf("%s: errno %s\n", what, errno_name(e));
    fflush(stdout);
    return EXIT_ERRNO;
}

/* Result of an inline-asm syscall: the kernel returns -errno in [-4095, -1]. */
int report_raw(const char *what, long rc) {
    if (rc < 0 && rc >= -4095) return fail_errno(what, (int)-rc);
    printf("%s: ok %ld\n", what, rc);
    return EXIT_OK;
}

/* Result of libc's syscall(): -1 with errno set. */
int report_libc(const char *what, long rc) {
    if (rc == -1) return fail_errno(what, errno);
    printf("%s: ok %ld\n", what, rc);
    return EXIT_OK;
}

long parse_num(const char *s) { return (long)strtoull(s, NULL, 0); }

#if defined(__x86_64__)
/* The i386 entry point: the kernel treats this as a 32-bit syscall (getpid is 20 there). */
static long int80_syscall(long nr) {
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr) : "memory");
    return ret;
}
/* The x32 ABI: the 64-bit `syscall` instruction with bit 30 set in the number. */
static long x32_syscall(long nr) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr) : "rcx", "r11", "memory");
    return ret;
}
#endif

static void *thread_main(void *arg) { return arg; }

static int clone_child(void *arg) {
    (void)arg;
    /* SYS_exit ends only this task, also when it is a thread (CLONE_THREAD): _exit would exit_group. */
    syscall(SYS_exit, 0);
    return 0;
}

static int mode_clone_flags(unsigned long flags) {
    const size_t stack_size = 256 * 1024;
    char *stack = malloc(stack_size);
    if (!stack) { printf("clone: no memory\n"); return EXIT_NOMEM; }
    /* glibc's clone() wrapper uses the clone syscall (never clone3). */
    int pid = clone(clone_child, stack + stack_size, (int)flags, NULL);
    if (pid < 0) return fail_errno("clone", errno);
    if (flags & CLONE_THREAD) {
        /* A thread cannot be waited for; give it time to exit before the stack goes away. */
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    } else {
        int st;
        waitpid(pid, &st, __WALL);
        free(stack);
    }
    printf("clone: ok %d\n", pid);
    return EXIT_OK;
}

struct family { const char *name; int domain; int type; };
static const struct family families[] = {
    {"unix", AF_UNIX, SOCK_STREAM},     {"inet", AF_INET, SOCK_STREAM},   {"inet6", AF_INET6, SOCK_STREAM},
    {"netlink", AF_NETLINK, SOCK_RAW},  {"packet", AF_PACKET, SOCK_DGRAM}, {"vsock", AF_VSOCK, SOCK_STREAM},
    {"alg", AF_ALG, SOCK_SEQPACKET},
};

static int mode_socket(const char *arg) {
    int domain = -1, type = SOCK_STREAM;
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
        if (strcmp(arg, families[i].name) == 0) { domain = families[i].domain; type = families[i].type; }
    if (domain < 0) domain = (int)parse_num(arg);
    int fd = socket(domain, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail_errno("socket", errno);
    close(fd);
    printf("socket: ok\n");
    return EXIT_OK;
}

static int print_status_lines(const char *const *prefixes, size_t n) {
    FILE *f = fopen("/proc/self/status", "re");
    if (!f) return fail_errno("open /proc/self/status", errno);
    char line[512];
    while (fgets(line, sizeof line, f))
        for (size_t i = 0; i < n; i++)
            if (strncmp(line, prefixes[i], strlen(prefixes[i])) == 0) fputs(line, stdout);
    fclose(f);
    return EXIT_OK;
}

static int mode_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return fail_errno("opendir", errno);
    int self = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        int fd = atoi(e->d_name);
        if (fd <= 2 || fd == self) continue;
        char path[64], target[4096];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, target, sizeof target - 1);
        target[n < 0 ? 0 : n] = 0;
        printf("%d %s\n", fd, target);
    }
    closedir(d);
    return EXIT_OK;
}

static int mode_alloc(long mib) {
    size_t size = (size_t)mib * 1024 * 1024;
    char *p = malloc(size);
    if (!p) { printf("alloc: malloc failed\n"); return EXIT_NOMEM; }
    /* Touch every page so it is really charged; through a volatile pointer, or an optimising compiler
       drops the whole allocation (malloc, stores and free of memory nobody reads). */
    volatile char *touch = p;
    for (size_t i = 0; i < size; i += 4096) touch[i] = 1;
    printf("alloc: ok %ld MiB\n", mib);
    free(p);
    return EXIT_OK;
}

static int mode_fork_bomb(void) {
    long count = 0;
    for (;;) {
        pid_t pid = fork();
        if (pid == 0) { pause(); _exit(0); }
        if (pid < 0) {
            printf("fork-bomb: %ld forks, then errno %s\n", count, errno_name(errno));
            return EXIT_OK;
        }
        count++;
    }
}

static int mode_spawn_sleepers(long n, long seconds) {
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) return fail_errno("fork", errno);
        if (pid == 0) {
            setsid(); /* escape the process group, as a daemon would */
            sleep((unsigned)seconds);
            _exit(0);
        }
    }
    printf("spawn-sleepers: %ld\n", n);
    return EXIT_OK;
}

static int mode_rlimits(void) {
    static const struct { const char *name; int res; } lims[] = {
        {"as", RLIMIT_AS},       {"core", RLIMIT_CORE},     {"cpu", RLIMIT_CPU},         {"data", RLIMIT_DATA},
        {"fsize", RLIMIT_FSIZE}, {"locks", RLIMIT_LOCKS},   {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE},
        {"nice", RLIMIT_NICE},   {"nofile", RLIMIT_NOFILE}, {"nproc", RLIMIT_NPROC},     {"rss", RLIMIT_RSS},
        {"rtprio", RLIMIT_RTPRIO}, {"rttime", RLIMIT_RTTIME}, {"sigpending", RLIMIT_SIGPENDING}, {"stack", RLIMIT_STACK},
    };
    for (size_t i = 0; i < sizeof lims / sizeof lims[0]; i++) {
        struct rlimit r;
        if (getrlimit(lims[i].res, &r) != 0) return fail_errno("getrlimit", errno);
        printf("%s ", lims[i].name);
        if (r.rlim_cur == RLIM_INFINITY) printf("unlimited "); else printf("%llu ", (unsigned long long)r.rlim_cur);
        if (r.rlim_max == RLIM_INFINITY) printf("unlimited\n"); else printf("%llu\n", (unsigned long long)r.rlim_max);
    }
    return EXIT_OK;
}

static int mode_ids(void) {
    uid_t ru, eu, su; gid_t rg, eg, sg;
    getresuid(&ru, &eu, &su);
    getresgid(&rg, &eg, &sg);
    printf("uid %u %u %u gid %u %u %u groups", ru, eu, su, rg, eg, sg);
    gid_t groups[256];
    int n = getgroups(256, groups);
    for (int i = 0; i < n; i++) printf(" %u", groups[i]);
    printf("\n");
    return EXIT_OK;
}

int read_filter_file(const char *path, struct sock_fprog *prog) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail_errno("open filter", errno);
    struct stat st;
    if (fstat(fd, &st) != 0) { int e = errno; close(fd); return fail_errno("fstat filter", e); }
    if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 || st.st_size > 65536 * 8) {
        close(fd);
        printf("%s: bad filter size %lld\n", path, (long long)st.st_size);
        return EXIT_OTHER;
    }
    struct sock_filter *insns = malloc((size_t)st.st_size);
    if (!insns) { close(fd); return EXIT_NOMEM; }
    ssize_t got = 0;
    while (got < st.st_size) {
        ssize_t n = read(fd, (char *)insns + got, (size_t)(st.st_size - got));
        if (n <= 0) { int e = n < 0 ? errno : EIO; close(fd); free(insns); return fail_errno("read filter", e); }
        got += n;
    }
    close(fd);
    prog->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
    prog->filter = insns;
    return EXIT_OK;
}

/* Test-only stand-in for the launcher: no_new_privs, install raw BPF, exec. */
static int mode_load_filter(int argc, char **argv) {
    if (argc < 5 || strcmp(argv[3], "--") != 0) {
        fprintf(stderr, "usage: load-filter FILE -- PROGRAM ARGS...\n");
        return EXIT_USAGE;
    }
    struct sock_fprog prog;
    int rc = read_filter_file(argv[2], &prog);
    if (rc != EXIT_OK) return rc;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return fail_errno("no_new_privs", errno);
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) return fail_errno("seccomp", errno);
    free(prog.filter);
    execv(argv[4], argv + 4);
    /* Under the filter even reporting may be refused; try anyway. */
    return fail_errno("execv", errno);
}

/* The benchmark baseline: the plainest C launch of PATH, fork + execv + waitpid, N times, printing the
   seconds each took. `bulkhead bench` compares its own launches with these. */
static int mode_fork_exec_wait(const char *path, long n) {
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    for (long i = 0; i < n; i++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        pid_t pid = fork();
        if (pid == 0) {
            if (devnull >= 0) { dup2(devnull, 1); dup2(devnull, 2); }
            char *const args[] = {(char *)path, NULL};
            execv(path, args);
            _exit(127);
        }
        if (pid < 0) return fail_errno("fork", errno);
        int st;
        if (waitpid(pid, &st, 0) < 0) return fail_errno("waitpid", errno);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("%.9f\n", (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    }
    return EXIT_OK;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        fprintf(stderr, "usage: bulkhead-probe MODE [args]\n");
        return EXIT_USAGE;
    }
    const char *m = argv[1];
#define NEED(n) do { if (argc < 2 + (n)) { fprintf(stderr, "%s: needs %d argument(s)\n", m, n); return EXIT_USAGE; } } while (0)

#if defined(__x86_64__)
    if (!strcmp(m, "int80-getpid")) return report_raw("int80-getpid", int80_syscall(20));
    if (!strcmp(m, "x32-getpid")) return report_raw("x32-getpid", x32_syscall(39 | 0x40000000L));
#else
    if (!strcmp(m, "int80-getpid") || !strcmp(m, "x32-getpid")) { printf("%s: not x86_64\n", m); return EXIT_OTHER; }
#endif
    if (!strcmp(m, "getpid")) return report_libc("getpid", syscall(SYS_getpid));
    if (!strcmp(m, "clone3")) {
        struct clone_args ca;
        memset(&ca, 0, sizeof ca);
        ca.exit_signal = SIGCHLD;
        long rc = syscall(SYS_clone3, &ca, sizeof ca);
        if (rc == 0) _exit(0);
        if (rc < 0) return fail_errno("clone3", errno);
        waitpid((pid_t)rc, NULL, 0);
        printf("clone3: ok %ld\n", rc);
        return EXIT_OK;
    }
    if (!strcmp(m, "fork")) {
        pid_t pid = fork();
        if (pid == 0) _exit(0);
        if (pid < 0) return fail_errno("fork", errno);
        int st;
        if (waitpid(pid, &st, 0) < 0) return fail_errno("waitpid", errno);
        printf("fork: ok %d\n", pid);
        return EXIT_OK;
    }
    if (!strcmp(m, "thread")) {
        pthread_t t;
        int rc = pthread_create(&t, NULL, thread_main, NULL);
        if (rc != 0) return fail_errno("pthread_create", rc);
        pthread_join(t, NULL);
        printf("thread: ok\n");
        return EXIT_OK;
    }
    if (!strcmp(m, "clone-flags")) { NEED(1); return mode_clone_flags((unsigned long)parse_num(argv[2])); }
    if (!strcmp(m, "socket")) { NEED(1); return mode_socket(argv[2]); }
    if (!strcmp(m, "violate")) return mode_violate(argc - 2, argv + 2);
    if (!strcmp(m, "call-cost")) { NEED(2); return mode_call_cost(argv[2], parse_num(argv[3])); }
    if (!strcmp(m, "ioctl-tiocsti") || !strcmp(m, "ioctl-tiocsti-high")) {
        char c = ' ';
        unsigned long req = TIOCSTI;
        if (!strcmp(m, "ioctl-tiocsti-high")) req |= 0x100000000UL; /* the kernel reads only the low 32 bits */
        return report_libc(m, syscall(SYS_ioctl, 0, req, &c));
    }
    if (!strcmp(m, "ptrace-traceme")) return report_libc(m, syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0));
    if (!strcmp(m, "unshare-user")) return report_libc(m, syscall(SYS_unshare, CLONE_NEWUSER));
    if (!strcmp(m, "personality")) { NEED(1); return report_libc(m, syscall(SYS_personality, parse_num(argv[2]))); }
    if (!strcmp(m, "syscall")) {
        NEED(1);
        long a[6] = {0};
        for (int i = 0; i < 6 && 3 + i < argc; i++) a[i] = parse_num(argv[3 + i]);
        return report_libc("syscall", syscall(parse_num(argv[2]), a[0], a[1], a[2], a[3], a[4], a[5]));
    }
    if (!strcmp(m, "status")) {
        static const char *const p[] = {"Cap", "NoNewPrivs", "Seccomp"};
        return print_status_lines(p, 3);
    }
    if (!strcmp(m, "signals")) {
        static const char *const p[] = {"SigIgn", "SigBlk"};
        return print_status_lines(p, 2);
    }
    if (!strcmp(m, "fds")) { mode_fds(); return EXIT_OK; }
    if (!strcmp(m, "alloc")) { NEED(1); return mode_alloc(parse_num(argv[2])); }
    if (!strcmp(m, "fork-bomb")) return mode_fork_bomb();
    if (!strcmp(m, "spin")) { for (volatile unsigned long i = 0;; i++) {} }
    if (!strcmp(m, "sleep")) { NEED(1); sleep((unsigned)parse_num(argv[2])); printf("sleep: ok\n"); return EXIT_OK; }
    if (!strcmp(m, "spawn-sleepers")) { NEED(2); return mode_spawn_sleepers(parse_num(argv[2]), parse_num(argv[3])); }
    if (!strcmp(m, "rlimits")) return mode_rlimits();
    if (!strcmp(m, "ids")) return mode_ids();
    if (!strcmp(m, "exit")) { NEED(1); return (int)parse_num(argv[2]); }
    if (!strcmp(m, "kill-self")) {
        NEED(1);
        int sig = (int)parse_num(argv[2]);
        signal(sig, SIG_DFL);
        kill(getpid(), sig);
        printf("kill-self: survived signal %d\n", sig);
        return EXIT_OTHER;
    }
    if (!strcmp(m, "load-filter")) return mode_load_filter(argc, argv);
    if (!strcmp(m, "fork-exec-wait")) { NEED(2); return mode_fork_exec_wait(argv[2], parse_num(argv[3])); }
    if (!strcmp(m, "filter-cost")) { NEED(3); return mode_filter_cost(argv[2], parse_num(argv[3]), parse_num(argv[4])); }
    if (!strcmp(m, "pid-call")) { NEED(2); return mode_pid_call(argv[2], argv[3]); }
    if (!strcmp(m, "ipc-leave")) { NEED(2); return mode_ipc_leave(argv[2], argv[3], argc > 4 && !strcmp(argv[4], "sysv")); }
    if (!strcmp(m, "ipc-check")) { NEED(1); return mode_ipc_check(argv[2]); }
    if (!strcmp(m, "audit")) return mode_audit(argc, argv);
    if (!strcmp(m, "audit-victim")) return mode_audit_victim();
    if (!strcmp(m, "setid-file")) { NEED(2); return mode_setid_file(argv[2], argv[3]); }
    fprintf(stderr, "unknown mode %s\n", m);
    return EXIT_USAGE;
}

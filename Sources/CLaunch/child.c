/* The child between clone and execve. It is a copy of a multi-threaded parent, so it must not allocate,
   take locks, or call libc functions that keep process-wide state: every step is a raw system call on
   data the parent prepared. glibc wrappers such as setuid() would try to act on threads that do not
   exist in the child; the raw calls below act on this task alone.

   Why not CLONE_VM (posix_spawn's way): at execve the kernel folds the old address space's peak RSS into
   the task's rusage, so a child sharing the launcher's memory would report the launcher's ~13 MiB as its
   own peak. A copied address space holds only the launcher's anonymous pages (about 1 MiB), close to
   what a small C launcher gives. CLONE_VFORK still suspends the parent until execve or exit, so the
   result page can be read right after clone returns. */
#define _GNU_SOURCE
#include "launch.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

/* The kernel's struct sigaction for rt_sigaction (not glibc's, which has a larger mask). */
struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

/* The spec is a private copy in the child; failures go to a page shared with the parent. */
struct bh_result { volatile int stage; volatile int err; };

static _Noreturn void fail(struct bh_spawn_spec *spec, int stage, int err) {
    struct bh_result *result = spec->result_page;
    result->err = err;
    result->stage = stage;
    syscall(SYS_exit_group, 127);
    for (;;) {}
}

static long raw(long nr, long a, long b, long c, long d, long e) {
    long r = syscall(nr, a, b, c, d, e, 0);
    return r;
}

#define CHECK(expr, stage) do { if ((expr) < 0) fail(spec, (stage), errno); } while (0)

static void reset_signals(struct bh_spawn_spec *spec) {
    struct kernel_sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.handler = SIG_DFL;
    for (int sig = 1; sig <= 64; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        /* EINVAL for numbers the kernel reserves is fine; anything else is not. */
        if (raw(SYS_rt_sigaction, sig, (long)&dfl, 0, 8, 0) < 0 && errno != EINVAL)
            fail(spec, BH_STAGE_SIGNALS, errno);
    }
    uint64_t empty = 0;
    CHECK(raw(SYS_rt_sigprocmask, SIG_SETMASK, (long)&empty, 0, 8, 0), BH_STAGE_SIGNALS);
}

static void arm_parent_death(struct bh_spawn_spec *spec) {
    CHECK(raw(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0), BH_STAGE_PARENT_DEATH);
    /* The parent may have died before the signal was armed (pitfall 13). */
    if (raw(SYS_getppid, 0, 0, 0, 0, 0) != spec->parent_pid) fail(spec, BH_STAGE_PARENT_DEATH, ESRCH);
}

static void setup_stdio(struct bh_spawn_spec *spec) {
    for (int i = 0; i < 3; i++) {
        int src = spec->stdio[i];
        if (src >= 0 && src != i) {
            CHECK(raw(SYS_dup3, src, i, 0, 0, 0), BH_STAGE_STDIO);
        } else {
            /* An inherited descriptor may carry FD_CLOEXEC; the task expects it open. */
            long flags = raw(SYS_fcntl, i, F_GETFD, 0, 0, 0);
            if (flags > 0) CHECK(raw(SYS_fcntl, i, F_SETFD, 0, 0, 0), BH_STAGE_STDIO);
        }
    }
}

static void close_other_fds(struct bh_spawn_spec *spec) {
    if (raw(SYS_close_range, 3, ~0U, 0, 0, 0) == 0) return;
    if (errno != ENOSYS) fail(spec, BH_STAGE_CLOSE_FDS, errno);
    /* Kernels before 5.9: close up to the hard descriptor limit; /proc/self/fd would need opendir(). */
    struct rlimit64 { uint64_t cur, max; } lim;
    CHECK(raw(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&lim, 0), BH_STAGE_CLOSE_FDS);
    uint64_t top = lim.max > (1u << 20) ? (1u << 20) : lim.max;
    for (uint64_t fd = 3; fd < top; fd++) raw(SYS_close, (long)fd, 0, 0, 0, 0);
}

static void apply_rlimits(struct bh_spawn_spec *spec) {
    for (int i = 0; i < spec->rlimit_count; i++) {
        struct { uint64_t cur, max; } lim = { spec->rlimits[i].soft, spec->rlimits[i].hard };
        CHECK(raw(SYS_prlimit64, 0, spec->rlimits[i].resource, (long)&lim, 0, 0), BH_STAGE_RLIMITS);
    }
}

static void drop_bounding_set(struct bh_spawn_spec *spec) {
    for (int cap = 0; cap <= spec->last_cap && cap < 64; cap++) {
        if (spec->keep_caps & (1ULL << cap)) continue;
        CHECK(raw(SYS_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0), BH_STAGE_BOUNDING_SET);
    }
}

static void set_identity(struct bh_spawn_spec *spec) {
    if (spec->keep_caps) CHECK(raw(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0), BH_STAGE_IDENTITY);
    /* setgroups before setgid before setuid: once the uid changes the rest is no longer allowed. */
    CHECK(raw(SYS_setgroups, spec->group_count, (long)spec->groups, 0, 0, 0), BH_STAGE_IDENTITY);
    CHECK(raw(SYS_setresgid, spec->gid, spec->gid, spec->gid, 0, 0), BH_STAGE_IDENTITY);
    CHECK(raw(SYS_setresuid, spec->uid, spec->uid, spec->uid, 0, 0), BH_STAGE_IDENTITY);
    uid_t r, e, s;
    CHECK(raw(SYS_getresuid, (long)&r, (long)&e, (long)&s, 0, 0), BH_STAGE_IDENTITY);
    if (r != spec->uid || e != spec->uid || s != spec->uid) fail(spec, BH_STAGE_IDENTITY, EPERM);
    /* A credential change clears the parent-death signal: arm it again. */
    arm_parent_death(spec);
}

static void set_capabilities(struct bh_spawn_spec *spec) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    uint32_t low = (uint32_t)(spec->keep_caps & 0xffffffffu), high = (uint32_t)(spec->keep_caps >> 32);
    data[0].effective = data[0].permitted = data[0].inheritable = low;
    data[1].effective = data[1].permitted = data[1].inheritable = high;
    CHECK(raw(SYS_capset, (long)&header, (long)data, 0, 0, 0), BH_STAGE_CAPABILITIES);
    CHECK(raw(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), BH_STAGE_CAPABILITIES);
    /* Ambient capabilities carry kept capabilities across execve for a non-root uid. */
    for (int cap = 0; cap < 64; cap++) {
        if (!(spec->keep_caps & (1ULL << cap))) continue;
        CHECK(raw(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0), BH_STAGE_CAPABILITIES);
    }
}

static int child_main(void *arg) {
    struct bh_spawn_spec *spec = arg;
    reset_signals(spec);
    /* A new session: no controlling terminal, so no TIOCSTI injection into the launcher's terminal. */
    CHECK(raw(SYS_setsid, 0, 0, 0, 0, 0), BH_STAGE_SESSION);
    arm_parent_death(spec);
    for (int i = 0; i < spec->cgroup_count; i++) {
        CHECK(raw(SYS_write, spec->cgroup_procs_fds[i], (long)"0", 1, 0, 0), BH_STAGE_CGROUP);
    }
    setup_stdio(spec);
    close_other_fds(spec);
    apply_rlimits(spec);
    if (spec->workdir) CHECK(raw(SYS_chdir, (long)spec->workdir, 0, 0, 0, 0), BH_STAGE_WORKDIR);
    /* The bounding set can only shrink while we still hold CAP_SETPCAP, i.e. before the uid changes. */
    if (spec->drop_bounding_set) drop_bounding_set(spec);
    if (spec->set_identity) set_identity(spec);
    set_capabilities(spec);
    CHECK(raw(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), BH_STAGE_NO_NEW_PRIVS);
    if (spec->filter) {
        /* Last: every later call is filtered, and the filter must allow the execve below. */
        struct sock_fprog prog = { spec->filter_len, (struct sock_filter *)spec->filter };
        CHECK(raw(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)&prog, 0, 0), BH_STAGE_SECCOMP);
    }
    raw(SYS_execve, (long)spec->path, (long)spec->argv, (long)spec->envp, 0, 0);
    fail(spec, BH_STAGE_EXEC, errno);
}

/* The page a launching thread shares with its children for failure reports: made on its first launch
   and kept, since the thread's launches follow one another (CLONE_VFORK holds it until execve). */
static __thread struct bh_result *result_page;

int bh_spawn(struct bh_spawn_spec *spec, pid_t *pid, int *pidfd) {
    if (!result_page) {
        void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (page == MAP_FAILED) return -1;
        result_page = page;
    }
    struct bh_result *result = result_page;
    result->stage = BH_STAGE_NONE;
    result->err = 0;
    spec->result_page = result;
    spec->failed_stage = BH_STAGE_NONE;
    spec->failed_errno = 0;
    spec->parent_pid = getpid();

    /* The child runs on this buffer of our own stack. Without CLONE_VM it writes to its private copy of
       the memory, and CLONE_VFORK keeps us suspended until it has exec'd; no stack to map and unmap. */
    char stack[64 * 1024] __attribute__((aligned(64)));

    /* Block every signal so no handler of the parent runs on the child's stack before it resets them. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int fd = -1;
    pid_t child = clone(child_main, stack + sizeof stack, CLONE_VFORK | CLONE_PIDFD | SIGCHLD, spec, &fd);
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    spec->failed_stage = result->stage;
    spec->failed_errno = result->err;
    spec->result_page = NULL;
    if (child < 0) { errno = saved; return -1; }
    *pid = child;
    *pidfd = fd;
    return 0;
}

/* The child between clone and execve. It is a copy of the parent, which may have had other threads, so
   it must not allocate, take locks, or call into libc: every step is a raw system call on data the
   parent prepared. glibc wrappers such as setuid() would try to act on threads that do not exist in
   the child; the raw calls below act on this task alone.

   It also touches no memory but its stack, the block of data the parent prepared and the shared
   result page: no errno, no string literal, no global variable, no call outside this file. The parent
   relies on that to leave its data segments out of the child's copy of memory (spawn.c). Keep it so:
   a read of any other memory here makes the child die with SIGSEGV before execve.

   Why not CLONE_VM (posix_spawn's way): at execve the kernel folds the old address space's peak RSS into
   the task's rusage, so a child sharing the launcher's memory would report the launcher's ~7 MiB as its
   own peak. CLONE_VFORK still suspends the parent until execve or exit, so the result page can be read
   right after clone returns. */
#define _GNU_SOURCE
#include "child.h"
#include "raw_syscall.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

struct bh_landlock_ruleset_attr { uint64_t handled_access_fs, handled_access_net, scoped; };

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

/* The kernel's struct sigaction for rt_sigaction (not glibc's, which has a larger mask). */
struct kernel_sigaction {
    unsigned long handler;
    unsigned long flags;
    unsigned long restorer;
    uint64_t mask;
};

static _Noreturn void fail(struct bh_spawn_spec *spec, int stage, long err) {
    bh_child_fail(spec, stage, err, 0);
}

/* fail(), with which part of the stage failed (the op of a mount view). */
static _Noreturn void fail_at(struct bh_spawn_spec *spec, int stage, long err, int detail) {
    struct bh_result *result = spec->result_page;
    result->detail = detail;
    result->err = (int)err;
    result->stage = stage;
    for (;;) sys(SYS_exit_group, 127, 0, 0, 0, 0);
}

#define CHECK(expr, stage) do { long r_ = (expr); if (r_ < 0) fail(spec, (stage), -r_); } while (0)

static void reset_signals(struct bh_spawn_spec *spec) {
    struct kernel_sigaction dfl;
    dfl.handler = 0; /* SIG_DFL */
    dfl.flags = 0;
    dfl.restorer = 0;
    dfl.mask = 0;
    for (long sig = 1; sig <= 64; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        long r = sys(SYS_rt_sigaction, sig, (long)&dfl, 0, 8, 0);
        /* EINVAL for numbers the kernel reserves is fine; anything else is not. */
        if (r < 0 && r != -EINVAL) fail(spec, BH_STAGE_SIGNALS, -r);
    }
    uint64_t empty = 0;
    CHECK(sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&empty, 0, 8, 0), BH_STAGE_SIGNALS);
}

static void arm_parent_death(struct bh_spawn_spec *spec) {
    CHECK(sys(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0), BH_STAGE_PARENT_DEATH);
    /* The parent may have died before the signal was armed (prctl(2), PR_SET_PDEATHSIG). */
    if (sys(SYS_getppid, 0, 0, 0, 0, 0) != spec->parent_pid) fail(spec, BH_STAGE_PARENT_DEATH, ESRCH);
}

/* A new user namespace starts without a uid or gid map: the child maps its own ids (a single line
   mapping the writer's own id is what an unprivileged process may write, user_namespaces(7)), after
   denying setgroups, which gid_map requires of an unprivileged writer. */
static void write_proc_files(struct bh_spawn_spec *spec) {
    if (spec->proc_write_count == 0) return;
#define fail(spec, stage, err) bh_child_fail((spec), (stage), (err), CLONE_NEWUSER)
    /* The launcher is not dumpable (so a task of its uid cannot read it through /proc), and the child
       inherited that: its /proc/self files then belong to root, and an unprivileged child cannot open
       its own uid_map (proc(5), PR_SET_DUMPABLE). The task does not exist yet, and execve sets the flag
       anew for the program anyway. */
    CHECK(sys(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0), BH_STAGE_NAMESPACES);
    for (int i = 0; i < spec->proc_write_count; i++) {
        const struct bh_proc_write *w = &spec->proc_writes[i];
        long fd = sys(SYS_openat, AT_FDCWD, (long)w->path, O_WRONLY | O_CLOEXEC, 0, 0);
        if (fd < 0) fail(spec, BH_STAGE_NAMESPACES, -fd);
        long r = sys(SYS_write, fd, (long)w->text, w->length, 0, 0);
        sys(SYS_close, fd, 0, 0, 0, 0);
        if (r < 0) fail(spec, BH_STAGE_NAMESPACES, -r);
        if (r != w->length) fail(spec, BH_STAGE_NAMESPACES, EIO);
    }
#undef fail
}

static void join_cgroups(struct bh_spawn_spec *spec) {
    char zero = '0'; /* "0": the writing process itself */
    for (int i = 0; i < spec->cgroup_count; i++)
        CHECK(sys(SYS_write, spec->cgroup_procs_fds[i], (long)&zero, 1, 0, 0), BH_STAGE_CGROUP);
}

static void setup_stdio(struct bh_spawn_spec *spec) {
    for (int i = 0; i < 3; i++) {
        int src = spec->stdio[i];
        if (src >= 0 && src != i) {
            CHECK(sys(SYS_dup3, src, i, 0, 0, 0), BH_STAGE_STDIO);
        } else {
            /* An inherited descriptor may carry FD_CLOEXEC; the task expects it open. */
            long flags = sys(SYS_fcntl, i, F_GETFD, 0, 0, 0);
            if (flags > 0) CHECK(sys(SYS_fcntl, i, F_SETFD, 0, 0, 0), BH_STAGE_STDIO);
        }
    }
}

/* Closes [first, last]; the kernel caps `last` at its table size. */
static void close_between(struct bh_spawn_spec *spec, unsigned first, unsigned last) {
    if (first > last) return;
    long r = sys(SYS_close_range, first, last, 0, 0, 0);
    if (r == 0) return;
    if (r != -ENOSYS) fail(spec, BH_STAGE_CLOSE_FDS, -r);
    /* Kernels before 5.9: close up to the hard descriptor limit; /proc/self/fd would need opendir(). */
    struct { uint64_t cur, max; } lim;
    CHECK(sys(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&lim, 0), BH_STAGE_CLOSE_FDS);
    uint64_t top = lim.max > (1u << 20) ? (1u << 20) : lim.max;
    for (uint64_t fd = first; fd < top && fd <= last; fd++) sys(SYS_close, (long)fd, 0, 0, 0, 0);
}

/* Everything but stdio, the prepared Landlock ruleset (closed once entered), the launch pipe of a
   pid namespace launch (close-on-exec: the parent reads its end until execve), and, with a seccomp
   listener, the socket init sends it over and init's end notice: the task shares init's descriptor table
   until its execve (notify_child.c), so what it closed here init would lose; both are close-on-exec. */
static void close_other_fds(struct bh_spawn_spec *spec) {
    int keep[4];
    keep[0] = spec->landlock_ruleset;
    keep[1] = spec->sync_fd;
    keep[2] = spec->notify ? spec->notify_socket : -1;
    keep[3] = spec->notify ? spec->end_notice_fd : -1;
    for (int i = 1; i < 4; i++)
        for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) { int t = keep[j]; keep[j] = keep[j - 1]; keep[j - 1] = t; }
    unsigned next = 3;
    for (int i = 0; i < 4; i++) {
        if (keep[i] < 3 || (unsigned)keep[i] < next) continue;
        close_between(spec, next, (unsigned)keep[i] - 1);
        next = (unsigned)keep[i] + 1;
    }
    close_between(spec, next, ~0U);
}

static void apply_rlimits(struct bh_spawn_spec *spec) {
    for (int i = 0; i < spec->rlimit_count; i++) {
        struct { uint64_t cur, max; } lim;
        lim.cur = spec->rlimits[i].soft;
        lim.max = spec->rlimits[i].hard;
        CHECK(sys(SYS_prlimit64, 0, spec->rlimits[i].resource, (long)&lim, 0, 0), BH_STAGE_RLIMITS);
    }
}

static void drop_bounding_set(struct bh_spawn_spec *spec) {
    for (int cap = 0; cap <= spec->last_cap && cap < 64; cap++) {
        if (spec->keep_caps & (1ULL << cap)) continue;
        CHECK(sys(SYS_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0), BH_STAGE_BOUNDING_SET);
    }
}

/* A root launcher's task makes its user namespace last, once it has the ids it runs as on the host
   (`user:`, or root's own with no supplementary groups): a user namespace made by the clone would keep
   root's ids and groups outside, and its one-line maps would have no room for the uid of `user:`. Its
   other namespaces, made by the clone, then belong to the initial user namespace, where the task holds
   no capability. */
static void enter_user_namespace(struct bh_spawn_spec *spec) {
    /* Without CAP_SETGID there are no groups of root's to drop. */
    if (!spec->set_identity) {
        long g = sys(SYS_setgroups, 0, 0, 0, 0, 0);
        if (g < 0 && g != -EPERM) fail(spec, BH_STAGE_IDENTITY, -g);
    }
    long r = sys(SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0);
    if (r < 0) bh_child_fail(spec, BH_STAGE_NAMESPACES, -r, CLONE_NEWUSER);
    /* Credentials in a new user namespace clear the parent-death signal, as a uid change does. */
    arm_parent_death(spec);
    write_proc_files(spec);
    /* And come with a full bounding set (set_cred_user_ns): dropped again, with the CAP_SETPCAP the
       namespace gives its maker. */
    if (spec->drop_bounding_set) drop_bounding_set(spec);
}

static void set_identity(struct bh_spawn_spec *spec) {
    if (spec->keep_caps) CHECK(sys(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0), BH_STAGE_IDENTITY);
    /* setgroups before setgid before setuid: once the uid changes the rest is no longer allowed. */
    CHECK(sys(SYS_setgroups, spec->group_count, (long)spec->groups, 0, 0, 0), BH_STAGE_IDENTITY);
    CHECK(sys(SYS_setresgid, spec->gid, spec->gid, spec->gid, 0, 0), BH_STAGE_IDENTITY);
    CHECK(sys(SYS_setresuid, spec->uid, spec->uid, spec->uid, 0, 0), BH_STAGE_IDENTITY);
    uid_t r, e, s;
    CHECK(sys(SYS_getresuid, (long)&r, (long)&e, (long)&s, 0, 0), BH_STAGE_IDENTITY);
    if (r != spec->uid || e != spec->uid || s != spec->uid) fail(spec, BH_STAGE_IDENTITY, EPERM);
    /* A credential change clears the parent-death signal: arm it again. */
    arm_parent_death(spec);
}

static void set_capabilities(struct bh_spawn_spec *spec) {
    struct __user_cap_header_struct header;
    header.version = _LINUX_CAPABILITY_VERSION_3;
    header.pid = 0;
    struct __user_cap_data_struct data[2];
    uint32_t low = (uint32_t)(spec->keep_caps & 0xffffffffu), high = (uint32_t)(spec->keep_caps >> 32);
    data[0].effective = data[0].permitted = data[0].inheritable = low;
    data[1].effective = data[1].permitted = data[1].inheritable = high;
    CHECK(sys(SYS_capset, (long)&header, (long)data, 0, 0, 0), BH_STAGE_CAPABILITIES);
    CHECK(sys(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), BH_STAGE_CAPABILITIES);
    /* Ambient capabilities carry kept capabilities across execve for a non-root uid. */
    for (int cap = 0; cap < 64; cap++) {
        if (!(spec->keep_caps & (1ULL << cap))) continue;
        CHECK(sys(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0), BH_STAGE_CAPABILITIES);
    }
}

/* A Landlock domain that handles no file or network access, only signals: the task and its descendants
   may signal one another but nothing outside, so they cannot kill or stop the launcher (which a task
   under the launcher's own uid otherwise can, and then survive it) or any other process of that uid.
   Needs no_new_privs, set just before. */
static void scope_signals(struct bh_spawn_spec *spec) {
    struct bh_landlock_ruleset_attr attr;
    attr.handled_access_fs = 0;
    attr.handled_access_net = 0;
    attr.scoped = BH_LANDLOCK_SCOPE_SIGNAL;
    long fd = sys(BH_SYS_landlock_create_ruleset, (long)&attr, sizeof attr, 0, 0, 0);
    if (fd < 0) fail(spec, BH_STAGE_LANDLOCK, -fd);
    long r = sys(BH_SYS_landlock_restrict_self, fd, 0, 0, 0, 0);
    sys(SYS_close, fd, 0, 0, 0, 0);
    if (r < 0) fail(spec, BH_STAGE_LANDLOCK, -r);
}

/* The ruleset the parent prepared (today: no writes into the cgroup file systems, see CgroupShield.swift;
   it scopes signals too when the kernel can). */
static void enter_prepared_ruleset(struct bh_spawn_spec *spec) {
    long r = sys(BH_SYS_landlock_restrict_self, spec->landlock_ruleset, 0, 0, 0, 0);
    sys(SYS_close, spec->landlock_ruleset, 0, 0, 0, 0);
    if (r < 0) fail(spec, BH_STAGE_LANDLOCK, -r);
}

int bh_child_main(void *arg) {
    struct bh_spawn_spec *spec = arg;
    reset_signals(spec);
    /* A new session: no controlling terminal, so no TIOCSTI injection into the launcher's terminal. */
    CHECK(sys(SYS_setsid, 0, 0, 0, 0, 0), BH_STAGE_SESSION);
    /* pid 1 of a new pid namespace sees no parent (getppid() is 0): init checks on the launcher its own way. */
    if (!(spec->namespaces & CLONE_NEWPID)) arm_parent_death(spec);
    if (!spec->unshare_user) write_proc_files(spec);
    bh_enter_namespaces(spec);
    if (spec->mount_view) {
        /* After the user namespace's maps (mounting needs its capabilities) and a pid namespace's /proc,
           before the working directory, which is a path in the view; in init, so the task is born in it. */
        int failed = 0;
        long r = bh_child_mount_view(spec->mount_view, &failed);
        if (r < 0) fail_at(spec, BH_STAGE_MOUNT_VIEW, -r, failed);
    }
    if (spec->namespaces & CLONE_NEWPID) {
        bh_become_init(spec);
        /* The task, pid 2: a session of its own again (init's is not the task's to share), and a parent-
           death signal for when init goes. */
        CHECK(sys(SYS_setsid, 0, 0, 0, 0, 0), BH_STAGE_SESSION);
        spec->parent_pid = 1;
        arm_parent_death(spec);
    }
    join_cgroups(spec);
    /* Only now: a cgroup namespace is rooted at the cgroup its maker is in, and the task's view should
       start at its own slot, not at bulkhead's cgroup (from which it could not even move into the slot). */
    if (spec->namespaces & CLONE_NEWCGROUP) {
        long r = sys(SYS_unshare, CLONE_NEWCGROUP, 0, 0, 0, 0);
        if (r < 0) bh_child_fail(spec, BH_STAGE_NAMESPACES, -r, CLONE_NEWCGROUP);
    }
    setup_stdio(spec);
    close_other_fds(spec);
    apply_rlimits(spec);
    if (spec->workdir) CHECK(sys(SYS_chdir, (long)spec->workdir, 0, 0, 0, 0), BH_STAGE_WORKDIR);
    /* The bounding set can only shrink while we still hold CAP_SETPCAP, i.e. before the uid changes. */
    if (spec->drop_bounding_set) drop_bounding_set(spec);
    if (spec->set_identity) set_identity(spec);
    if (spec->unshare_user) enter_user_namespace(spec);
    set_capabilities(spec);
    CHECK(sys(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), BH_STAGE_NO_NEW_PRIVS);
    /* One domain, not two: a second layer that handles file rights would make the kernel refuse every
       rename into another directory for lack of LANDLOCK_ACCESS_FS_REFER in the signal-only layer. */
    if (spec->landlock_ruleset >= 3) enter_prepared_ruleset(spec);
    else if (spec->scope_signals) scope_signals(spec);
    /* Last: every later call is filtered, and the filter must allow the execve below. */
    if (spec->filter) bh_child_load_filter(spec);
    long r = sys(SYS_execve, (long)spec->path, (long)spec->argv, (long)spec->envp, 0, 0);
    fail(spec, BH_STAGE_EXEC, -r);
}

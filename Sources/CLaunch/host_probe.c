/* The kernel features `bulkhead doctor` reports, each found by trying it (host_probe.h). */
#define _GNU_SOURCE
#include "host_probe.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_seccomp
#define SYS_seccomp __NR_seccomp
#endif
#define BH_SECCOMP_GET_ACTION_AVAIL 2
#define BH_SECCOMP_GET_NOTIF_SIZES 3
#define BH_CLOSE_RANGE_CLOEXEC (1U << 2)
#define BH_KEYCTL_GET_KEYRING_ID 0
#define BH_KEY_SPEC_USER_KEYRING (-4)

int bh_probe_seccomp_action(uint32_t action) {
    return (int)syscall(SYS_seccomp, BH_SECCOMP_GET_ACTION_AVAIL, 0, &action);
}

int bh_probe_seccomp_notif_sizes(uint16_t *notif, uint16_t *resp, uint16_t *data) {
    /* struct seccomp_notif_sizes: three __u16. */
    uint16_t sizes[3] = { 0, 0, 0 };
    if (syscall(SYS_seccomp, BH_SECCOMP_GET_NOTIF_SIZES, 0, sizes) < 0) return -1;
    *notif = sizes[0];
    *resp = sizes[1];
    *data = sizes[2];
    return 0;
}

void bh_probe_pidfd(int *open_errno, int *signal_errno) {
    *open_errno = 0;
    *signal_errno = 0;
    int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    if (fd < 0) {
        *open_errno = errno;
        *signal_errno = errno;
        return;
    }
    if (syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0) < 0) *signal_errno = errno;
    close(fd);
}

void bh_probe_close_range(int *plain_errno, int *cloexec_errno) {
    /* The highest descriptor number there is: never open, so nothing is closed or changed. */
    unsigned int unused = ~0U;
    *plain_errno = syscall(SYS_close_range, unused, unused, 0) < 0 ? errno : 0;
    *cloexec_errno = syscall(SYS_close_range, unused, unused, BH_CLOSE_RANGE_CLOEXEC) < 0 ? errno : 0;
}

int32_t bh_probe_user_keyring(void) {
    /* create = 1: the user keyring is made on first use, as CSeal's first add_key would. */
    return (int32_t)syscall(SYS_keyctl, BH_KEYCTL_GET_KEYRING_ID, BH_KEY_SPEC_USER_KEYRING, 1);
}

/* ---- namespaces ---- */

/* Shared by the helper, its child and this process (MAP_SHARED): where each is, and what failed. */
struct probe_page { volatile int step; volatile int error; volatile int signal; };

/* Everything the helper and its child use, prepared before the fork: they make only system calls. */
struct probe_plan {
    unsigned long flags;
    uid_t uid;
    gid_t gid;
    int drop_identity;
    char uid_map[32];
    char gid_map[32];
    struct probe_page *page;
};

static void fail_exit(struct probe_page *page, int step, int err) {
    page->step = step;
    page->error = err;
    for (;;) syscall(SYS_exit_group, 1);
}

static void write_proc(struct probe_page *page, int step, const char *path, const char *text) {
    page->step = step;
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail_exit(page, step, errno);
    long length = 0;
    while (text[length]) length++;
    if (syscall(SYS_write, fd, text, length) != length) fail_exit(page, step, errno ? errno : EIO);
    syscall(SYS_close, fd);
}

/* The child in the new namespaces. */
static void in_namespaces(const struct probe_plan *plan) {
    struct probe_page *page = plan->page;
    if (plan->flags & CLONE_NEWUSER) {
        /* As the launcher's child does (child.c): a process that is not dumpable (bulkhead's supervisor,
           or this one after its uid changed) has its /proc files owned by root, and could not write its
           own maps (proc(5), PR_SET_DUMPABLE). */
        page->step = BH_PROBE_STEP_SETGROUPS;
        if (syscall(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) fail_exit(page, BH_PROBE_STEP_SETGROUPS, errno);
        write_proc(plan->page, BH_PROBE_STEP_SETGROUPS, "/proc/self/setgroups", "deny");
        write_proc(plan->page, BH_PROBE_STEP_UID_MAP, "/proc/self/uid_map", plan->uid_map);
        write_proc(plan->page, BH_PROBE_STEP_GID_MAP, "/proc/self/gid_map", plan->gid_map);
    }
    for (;;) syscall(SYS_exit_group, 0);
}

/* The helper: a forked copy of one thread of this process, single-threaded as clone(CLONE_NEWUSER)
   requires. */
static void helper(const struct probe_plan *plan) {
    struct probe_page *page = plan->page;
    if (plan->drop_identity) {
        page->step = BH_PROBE_STEP_IDENTITY;
        /* setgroups before setgid before setuid; each checked (a failed setuid would probe as root). */
        if (syscall(SYS_setgroups, 0, NULL) < 0) fail_exit(page, BH_PROBE_STEP_IDENTITY, errno);
        if (syscall(SYS_setresgid, plan->gid, plan->gid, plan->gid) < 0) fail_exit(page, BH_PROBE_STEP_IDENTITY, errno);
        if (syscall(SYS_setresuid, plan->uid, plan->uid, plan->uid) < 0) fail_exit(page, BH_PROBE_STEP_IDENTITY, errno);
    }
    page->step = BH_PROBE_STEP_CLONE;
    /* No new stack: without CLONE_VM the child returns here on its own copy of this one, as from fork. */
    long child = syscall(SYS_clone, plan->flags | SIGCHLD, 0, 0, 0, 0);
    if (child < 0) fail_exit(page, BH_PROBE_STEP_CLONE, errno);
    if (child == 0) in_namespaces(plan);
    int status = 0;
    long waited;
    do waited = syscall(SYS_wait4, child, &status, __WALL, 0);
    while (waited < 0 && errno == EINTR);
    if (waited < 0) fail_exit(page, BH_PROBE_STEP_WAIT, errno);
    if (WIFSIGNALED(status)) {
        /* Killed in the namespaces; the page says at which step. */
        page->signal = WTERMSIG(status);
        for (;;) syscall(SYS_exit_group, 1);
    }
    /* The child filled the page when it failed; otherwise everything worked. */
    if (WEXITSTATUS(status) == 0) page->step = BH_PROBE_STEP_NONE;
    for (;;) syscall(SYS_exit_group, WEXITSTATUS(status));
}

int bh_probe_namespaces(unsigned long flags, uid_t uid, gid_t gid, struct bh_namespace_probe *result) {
    struct probe_plan plan;
    memset(&plan, 0, sizeof plan);
    plan.flags = flags;
    plan.drop_identity = uid != (uid_t)-1;
    plan.uid = plan.drop_identity ? uid : geteuid();
    plan.gid = plan.drop_identity ? gid : getegid();
    snprintf(plan.uid_map, sizeof plan.uid_map, "%u %u 1\n", (unsigned)plan.uid, (unsigned)plan.uid);
    snprintf(plan.gid_map, sizeof plan.gid_map, "%u %u 1\n", (unsigned)plan.gid, (unsigned)plan.gid);
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return -1;
    plan.page = page;
    plan.page->step = BH_PROBE_STEP_FORK;
    plan.page->error = 0;
    plan.page->signal = 0;

    /* fork(), not a raw clone: it waits for launches of other threads to leave the window in which the
       launcher's data segments are kept out of children (spawn.c), which a raw clone would not. */
    pid_t pid = fork();
    if (pid < 0) {
        int saved = errno;
        munmap(page, 4096);
        errno = saved;
        return -1;
    }
    if (pid == 0) helper(&plan);

    int status = 0;
    pid_t waited;
    do waited = waitpid(pid, &status, __WALL);
    while (waited < 0 && errno == EINTR);
    int wait_errno = errno;
    result->step = plan.page->step;
    result->error = plan.page->error;
    result->signal = plan.page->signal;
    if (waited < 0) {
        result->step = BH_PROBE_STEP_WAIT;
        result->error = wait_errno;
    } else if (WIFSIGNALED(status)) {
        result->signal = WTERMSIG(status);
    } else if (WEXITSTATUS(status) != 0 && result->step == BH_PROBE_STEP_NONE) {
        result->step = BH_PROBE_STEP_WAIT;
        result->error = EIO;
    }
    munmap(page, 4096);
    return 0;
}

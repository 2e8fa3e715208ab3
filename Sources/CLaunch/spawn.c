/* The parent's half of a launch: copies everything the child will read into one block, then clones.

   Leaving the data segments out of the child. A child made without CLONE_VM gets a copy of the
   launcher's memory: the kernel copies the page-table entries of every written mapping, write-protects
   the launcher's own pages (each later write faults), and execve tears the copy down again. The
   writable segments of the executable (.data, .bss and, in static Swift binaries, .rodata too) are
   most of that: 300-500 entries, against a few dozen for the heap and stack. The child code reads
   none of them (child.c), so they are marked MADV_DONTFORK for the duration of the clone and set back
   at once. Measured on the 2-core test VM: 45-90 µs less per launch, and the peak RSS reported for a
   small task drops by the ~1 MiB of launcher pages the copy brought along.

   Another thread's fork() in that window would give its child a memory without those segments. So
   a fork handler (pthread_atfork) makes every fork() through libc wait until no launch is inside the
   window, and launches wait while a fork is under way; launches from several threads may share the
   window. Signals are blocked across it, so no handler of this thread can fork either. Only a fork
   that bypasses libc (a raw clone system call without CLONE_VM, or glibc's _Fork) is not held back.
   Where the handler cannot be registered, segments are left out only while the process is
   single-threaded (glibc's __libc_single_threaded). */
#define _GNU_SOURCE
#include "child.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <link.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>
#if __has_include(<sys/single_threaded.h>)
#include <sys/single_threaded.h>
#define BH_KNOWS_THREADS 1
#else
#define BH_KNOWS_THREADS 0
#endif

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/* ---- one block with every byte the child reads ---- */

struct block { char *base; size_t used, size; };

static void *take(struct block *b, size_t bytes) {
    size_t at = (b->used + 15) & ~(size_t)15;
    b->used = at + bytes;
    return b->base ? b->base + at : NULL;
}

static char *copy_string(struct block *b, const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *to = take(b, n);
    if (to) memcpy(to, s, n);
    return to;
}

static char **copy_strings(struct block *b, char *const *list) {
    size_t n = 0;
    while (list && list[n]) n++;
    char **to = take(b, (n + 1) * sizeof *to);
    for (size_t i = 0; i < n; i++) {
        char *s = copy_string(b, list[i]);
        if (to) to[i] = s;
    }
    if (to) to[n] = NULL;
    return to;
}

static const void *copy_bytes(struct block *b, const void *from, size_t bytes) {
    if (!from || bytes == 0) return NULL;
    void *to = take(b, bytes);
    if (to) memcpy(to, from, bytes);
    return to;
}

static const struct bh_mount_view *lay_out_view(struct block *b, const struct bh_mount_view *in) {
    if (!in) return NULL;
    struct bh_mount_view *out = take(b, sizeof *out);
    struct bh_mount_op *ops = take(b, (size_t)in->op_count * sizeof *ops);
    for (int i = 0; i < in->op_count; i++) {
        const struct bh_mount_op *op = &in->ops[i];
        const char *source = copy_string(b, op->source), *target = copy_string(b, op->target), *data = copy_string(b, op->data);
        if (ops) { ops[i] = *op; ops[i].source = source; ops[i].target = target; ops[i].data = data; }
    }
    const char *strings[10] = { in->staging, in->staging_new_root, in->staging_old_root, in->new_root, in->old_root,
                                in->tmpfs, in->staging_data, in->root_data, in->slash, in->dot };
    const char *copies[10];
    for (int i = 0; i < 10; i++) copies[i] = copy_string(b, strings[i]);
    if (out) {
        out->staging = copies[0]; out->staging_new_root = copies[1]; out->staging_old_root = copies[2];
        out->new_root = copies[3]; out->old_root = copies[4]; out->tmpfs = copies[5];
        out->staging_data = copies[6]; out->root_data = copies[7]; out->slash = copies[8]; out->dot = copies[9];
        out->ops = ops;
        out->op_count = in->op_count;
        out->landlock_ruleset = in->landlock_ruleset;
        out->seal_root = in->seal_root;
    }
    return out;
}

/* Lays `in` out in `b` and returns the copy's spec; with b->base NULL it only measures. */
static struct bh_spawn_spec *lay_out(struct block *b, const struct bh_spawn_spec *in) {
    struct bh_spawn_spec *out = take(b, sizeof *out);
    if (out) *out = *in;
    const char *path = copy_string(b, in->path);
    const char *workdir = copy_string(b, in->workdir);
    const char *hostname = copy_bytes(b, in->hostname, in->hostname ? (size_t)in->hostname_length : 0);
    char **argv = copy_strings(b, in->argv);
    char **envp = copy_strings(b, in->envp);
    const int *fds = copy_bytes(b, in->cgroup_procs_fds, (size_t)in->cgroup_count * sizeof(int));
    const struct bh_rlimit *rlimits = copy_bytes(b, in->rlimits, (size_t)in->rlimit_count * sizeof(struct bh_rlimit));
    const gid_t *groups = copy_bytes(b, in->groups, (size_t)in->group_count * sizeof(gid_t));
    const void *filter = copy_bytes(b, in->filter, (size_t)in->filter_len * 8);
    struct bh_proc_write *writes = take(b, (size_t)in->proc_write_count * sizeof *writes);
    for (int i = 0; i < in->proc_write_count; i++) {
        const char *path = copy_string(b, in->proc_writes[i].path);
        const char *text = copy_string(b, in->proc_writes[i].text);
        if (writes) { writes[i].path = path; writes[i].text = text; writes[i].length = (long)strlen(in->proc_writes[i].text); }
    }
    const struct bh_mount_view *view = lay_out_view(b, in->mount_view);
    if (out) {
        out->mount_view = view;
        out->path = path;
        out->workdir = workdir;
        out->hostname = hostname;
        out->argv = argv;
        out->envp = envp;
        out->cgroup_procs_fds = fds;
        out->rlimits = rlimits;
        out->groups = groups;
        out->filter = filter;
        out->proc_writes = in->proc_write_count > 0 ? writes : NULL;
    }
    return out;
}

/* ---- the executable's writable segments ---- */

struct range { uintptr_t lo, hi; };
static struct range segments[4];
static int segment_count;
static pthread_once_t segments_once = PTHREAD_ONCE_INIT;

static int collect_main_program(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size; (void)data;
    uintptr_t page = getauxval(AT_PAGESZ);
    if (page == 0) page = 4096;
    for (int i = 0; i < info->dlpi_phnum && segment_count < 4; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W) || ph->p_memsz == 0) continue;
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        segments[segment_count].lo = start & ~(page - 1);
        segments[segment_count].hi = (start + ph->p_memsz + page - 1) & ~(page - 1);
        segment_count++;
    }
    return 1; /* the main program comes first; shared objects are left alone */
}

static int inside_segments(const void *p, size_t bytes) {
    uintptr_t lo = (uintptr_t)p, hi = lo + bytes;
    for (int i = 0; i < segment_count; i++)
        if (lo < segments[i].hi && hi > segments[i].lo) return 1;
    return 0;
}

static void mark_segments(int advice) {
    for (int i = 0; i < segment_count; i++)
        madvise((void *)segments[i].lo, segments[i].hi - segments[i].lo, advice);
}

/* ---- keeping fork() out of the window ---- */

static pthread_mutex_t window_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t window_empty = PTHREAD_COND_INITIALIZER;
static int launches_in_window;
static int fork_guard_ready;

static void before_fork(void) {
    pthread_mutex_lock(&window_lock);
    while (launches_in_window > 0) pthread_cond_wait(&window_empty, &window_lock);
}

static void after_fork_in_parent(void) { pthread_mutex_unlock(&window_lock); }

/* The child has one thread, a copy of the one that forked: start the lock afresh. */
static void after_fork_in_child(void) {
    pthread_mutex_init(&window_lock, NULL);
    pthread_cond_init(&window_empty, NULL);
    launches_in_window = 0;
}

static void enter_window(void) {
    pthread_mutex_lock(&window_lock);
    if (launches_in_window++ == 0) mark_segments(MADV_DONTFORK);
    pthread_mutex_unlock(&window_lock);
}

static void leave_window(void) {
    pthread_mutex_lock(&window_lock);
    if (--launches_in_window == 0) {
        mark_segments(MADV_DOFORK);
        pthread_cond_broadcast(&window_empty);
    }
    pthread_mutex_unlock(&window_lock);
}

/* Once per process: the segments, and the fork handler that guards the window. */
static void find_segments(void) {
    dl_iterate_phdr(collect_main_program, NULL);
    fork_guard_ready = pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child) == 0;
}

/* ---- clone ---- */

/* The page a launching thread shares with its children for failure reports: made on its first launch
   and kept, since the thread's launches follow one another (CLONE_VFORK holds it until execve). */
static __thread struct bh_result *result_page;

/* ---- a pid namespace's launch ---- */

/* A pid namespace launch cannot use CLONE_VFORK, which would hold the launcher until its init exits. It
   waits instead for end-of-file on a pipe whose write end (close-on-exec) only the child holds: init
   closes its copy once it has forked the task, and the task's goes at its execve, or with it when its
   setup fails. Another thread's fork in that moment would hold a copy until it execs or exits, and only
   delay the launch. */
struct pid_namespace_launch { int pipe[2]; int parent_pidfd; int notice[2]; struct bh_init_report *report; };

static void end_pid_namespace_launch(struct pid_namespace_launch *l) {
    int fds[5] = { l->pipe[0], l->pipe[1], l->parent_pidfd, l->notice[0], l->notice[1] };
    for (int i = 0; i < 5; i++) if (fds[i] >= 0) close(fds[i]);
    l->pipe[0] = l->pipe[1] = l->parent_pidfd = l->notice[0] = l->notice[1] = -1;
}

/* Descriptors 0-2 are the task's stdio, which the child sets up over whatever it inherited. */
static int above_stdio(int fd) {
    if (fd < 0 || fd > 2) return fd;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return moved;
}

static int begin_pid_namespace_launch(struct pid_namespace_launch *l) {
    l->pipe[0] = l->pipe[1] = l->parent_pidfd = l->notice[0] = l->notice[1] = -1;
    l->report = NULL;
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return -1;
    l->report = page;
    if (pipe2(l->pipe, O_CLOEXEC) < 0 || pipe2(l->notice, O_CLOEXEC) < 0) goto failed;
    l->pipe[0] = above_stdio(l->pipe[0]);
    l->pipe[1] = above_stdio(l->pipe[1]);
    l->notice[0] = above_stdio(l->notice[0]);
    l->notice[1] = above_stdio(l->notice[1]);
    l->parent_pidfd = above_stdio((int)syscall(SYS_pidfd_open, getpid(), 0));
    if (l->pipe[0] < 0 || l->pipe[1] < 0 || l->notice[0] < 0 || l->notice[1] < 0 || l->parent_pidfd < 0) goto failed;
    return 0;
failed:;
    int saved = errno;
    end_pid_namespace_launch(l);
    munmap(l->report, 4096);
    l->report = NULL;
    errno = saved;
    return -1;
}

/* Waits for end-of-file on the launch pipe. With a seccomp listener, which init sends while the task
   goes on to its execve, also for that: the task's execve passes through the filter, and where the
   policy refuses it with a notification (every refusal of a reported or watched policy is one) the
   task waits for an answer that only the launcher can give, and would never exec. A notification on
   the listener before end-of-file is that execve (the only call the task makes after loading the
   filter): the wait ends there and the supervisor answers it as any other. */
static void wait_for_exec(struct pid_namespace_launch *l, int notify_receive, int *listener) {
    close(l->pipe[1]);
    l->pipe[1] = -1;
    *listener = -1;
    int watched = notify_receive;
    for (;;) {
        struct pollfd fds[2];
        fds[0].fd = l->pipe[0]; fds[0].events = POLLIN; fds[0].revents = 0;
        fds[1].fd = watched; fds[1].events = POLLIN; fds[1].revents = 0;
        int n = poll(fds, watched >= 0 ? 2 : 1, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            char byte;
            while (read(l->pipe[0], &byte, 1) < 0 && errno == EINTR) {}
            return;
        }
        if (fds[0].revents) return; /* nothing is ever written: end-of-file */
        if (!(fds[1].revents & POLLIN)) { watched = -1; continue; }
        if (*listener >= 0) return;
        *listener = bh_notify_receive_fd(notify_receive);
        watched = *listener;
    }
}

int bh_init_report_take(const void *page, int *code, int *status, struct rusage *usage) {
    const struct bh_init_report *report = page;
    if (!report || !__atomic_load_n(&report->ended, __ATOMIC_ACQUIRE)) return 0;
    int w = report->wait_status;
    if (WIFEXITED(w)) { *code = CLD_EXITED; *status = WEXITSTATUS(w); }
    else { *code = WCOREDUMP(w) ? CLD_DUMPED : CLD_KILLED; *status = WTERMSIG(w); }
    *usage = report->usage;
    return 1;
}

void bh_init_report_free(void *page) {
    if (page) munmap(page, 4096);
}

int bh_spawn(struct bh_spawn_spec *spec, pid_t *pid, int *pidfd) {
    spec->failed_stage = BH_STAGE_NONE;
    spec->failed_errno = 0;
    spec->failed_namespace = 0;
    spec->init_report = NULL;
    spec->failed_detail = 0;
    spec->end_notice = -1;
    spec->listener = -1;
    if (!result_page) {
        void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (page == MAP_FAILED) return -1;
        result_page = page;
    }
    struct bh_result *result = result_page;
    result->stage = BH_STAGE_NONE;
    result->err = 0;
    result->namespace_flag = 0;
    int with_init = (spec->namespaces & CLONE_NEWPID) != 0;
    struct pid_namespace_launch launch = { { -1, -1 }, -1, { -1, -1 }, NULL };
    if (with_init && begin_pid_namespace_launch(&launch) < 0) return -1;
    result->detail = 0;

    struct block b = { NULL, 0, 0 };
    lay_out(&b, spec);
    b.size = b.used;
    b.used = 0;
    b.base = malloc(b.size);
    if (!b.base) {
        if (with_init) { end_pid_namespace_launch(&launch); munmap(launch.report, 4096); }
        errno = ENOMEM;
        return -1;
    }
    struct bh_spawn_spec *copy = lay_out(&b, spec);
    copy->result_page = result;
    copy->parent_pid = getpid();
    copy->sync_fd = launch.pipe[1];
    copy->parent_pidfd = launch.parent_pidfd;
    copy->end_notice_fd = launch.notice[1];
    copy->init_report = launch.report;

    /* The child runs on this buffer of our own stack. Without CLONE_VM it writes to its private copy of
       the memory, and CLONE_VFORK keeps us suspended until it has exec'd; no stack to map and unmap. */
    char stack[64 * 1024] __attribute__((aligned(64)));

    pthread_once(&segments_once, find_segments);
    int leave_out = BH_CHILD_IS_SELF_CONTAINED && segment_count > 0
        && !inside_segments(b.base, b.size) && !inside_segments(stack, sizeof stack)
        && !inside_segments(result, sizeof *result);
    if (!fork_guard_ready) {
#if BH_KNOWS_THREADS
        leave_out = leave_out && __libc_single_threaded;
#else
        leave_out = 0;
#endif
    }

    /* Block every signal so no handler of the parent runs on the child's stack before it resets them
       (and none can fork while the segments are left out). */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    if (leave_out) enter_window();
    int fd = -1;
    /* The cgroup namespace is the task's to make, once it is in its cgroup (child.c). */
    int flags = CLONE_PIDFD | SIGCHLD | (int)(spec->namespaces & ~(unsigned long)CLONE_NEWCGROUP);
    if (!with_init) flags |= CLONE_VFORK;
    pid_t child = clone(bh_child_main, stack + sizeof stack, flags, copy, &fd);
    int saved = errno;
    if (leave_out) leave_window();
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    free(b.base);
    if (with_init) {
        if (child >= 0) {
            wait_for_exec(&launch, spec->notify ? spec->notify_receive : -1, &spec->listener);
            spec->end_notice = launch.notice[0];
            launch.notice[0] = -1;
        }
        end_pid_namespace_launch(&launch);
        if (child < 0) munmap(launch.report, 4096);
        else spec->init_report = launch.report;
    }
    spec->failed_stage = result->stage;
    spec->failed_errno = result->err;
    spec->failed_namespace = result->namespace_flag;
    spec->failed_detail = result->detail;
    if (child < 0) { errno = saved; return -1; }
    *pid = child;
    *pidfd = fd;
    return 0;
}

/* ---- reaping an init that has sent its end notice ---- */

/* A launcher that exits first would leave each init still tearing its namespaces down to the system's
   init, which need not reap promptly (this VM's pid 1 let bubblewrap's pid 1 processes pile up as
   zombies): exit() waits for the reaps under way. */
static pthread_mutex_t reap_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reaps_done = PTHREAD_COND_INITIALIZER;
static int reaps_pending;
static pthread_once_t reap_at_exit_once = PTHREAD_ONCE_INIT;

static void wait_for_reaps(void) {
    pthread_mutex_lock(&reap_lock);
    while (reaps_pending > 0) pthread_cond_wait(&reaps_done, &reap_lock);
    pthread_mutex_unlock(&reap_lock);
}

static void register_reap_at_exit(void) { atexit(wait_for_reaps); }

static void reap_now(int pidfd) {
    siginfo_t info;
    while (bh_waitid_pidfd(pidfd, &info, WEXITED, NULL) < 0 && errno == EINTR) {}
    close(pidfd);
}

static void *reap(void *arg) {
    reap_now((int)(intptr_t)arg);
    pthread_mutex_lock(&reap_lock);
    if (--reaps_pending == 0) pthread_cond_broadcast(&reaps_done);
    pthread_mutex_unlock(&reap_lock);
    return NULL;
}

void bh_reap_later(int pidfd) {
    pthread_once(&reap_at_exit_once, register_reap_at_exit);
    pthread_mutex_lock(&reap_lock);
    reaps_pending++;
    pthread_mutex_unlock(&reap_lock);
    pthread_attr_t attr;
    pthread_t thread;
    int ready = pthread_attr_init(&attr) == 0;
    if (ready) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 64 * 1024);
    }
    int started = ready && pthread_create(&thread, &attr, reap, (void *)(intptr_t)pidfd) == 0;
    if (ready) pthread_attr_destroy(&attr);
    if (!started) reap((void *)(intptr_t)pidfd);
}

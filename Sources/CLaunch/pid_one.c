/* Bulkhead's init: pid 1 of a task's pid namespace. Child code (see child.c for its rules: raw system
   calls on the prepared block, no libc, no literal, no global); it never runs Swift and never execs.

   Why an init of our own rather than the task as pid 1: pid 1 of a namespace gets no signal it has no
   handler for (pid_namespaces(7)), so a task there would ignore the SIGTERM of `sh -c 'kill -TERM $$'`
   and every SIGINT a program does not catch; and whatever the task's orphans leave as zombies would be
   nobody's to reap. Init forks the task and stays: it relays signals to it, reaps every process that
   ends in the namespace, reports the task's wait status and resource usage on a shared page (a pid 1
   cannot re-raise a fatal signal on itself to pass it on), and exits when the task has ended. Bulkhead's
   death kills init (PR_SET_PDEATHSIG), and with it the namespace.

   When the task has ended, init SIGKILLs whatever is left in the namespace and reaps it all, as the
   kernel would at init's exit (zap_pid_ns_processes in kernel/pid_namespace.c): every process of the
   namespace is init's descendant, and one whose parent dies is init's child before that parent can be
   reaped, so wait4 says ECHILD only once none is left. Then it writes one byte on the end notice, a pipe
   the launcher watches, and exits. The launcher has the task's ending from that byte, without waiting
   for init's own exit: in it the kernel tears the namespaces down (the mount namespace's unmounts end in
   an RCU grace period, its file systems are shut down), 0.2-0.5 ms on the test VM and more while other
   sandboxes tear theirs down; init is reaped in the background (spawn.c), and `bulkhead run` finishes
   its report meanwhile (it waits for the reap before it exits: no zombie is left to the system's init).
   bubblewrap's monitor returns on its pid 1's report in the same way. Without the byte (init was
   killed), the launcher waits for init's exit, after which the kernel has killed everything. */
#define _GNU_SOURCE
#include "child.h"
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#ifndef __WALL
#define __WALL 0x40000000
#endif

/* The signals init passes on to the task: what a shell, a terminal or a service manager sends to end,
   reload or resize a program. SIGKILL and SIGSTOP cannot be caught; SIGCHLD is init's own. */
static uint64_t bit(int sig) { return 1ULL << (sig - 1); }

static uint64_t relayed_signals(void) {
    return bit(SIGHUP) | bit(SIGINT) | bit(SIGQUIT) | bit(SIGUSR1) | bit(SIGUSR2) | bit(SIGALRM) | bit(SIGTERM)
         | bit(SIGCONT) | bit(SIGWINCH);
}

/* PR_SET_PDEATHSIG races with the launcher's death, and getppid() cannot tell: it is 0 for a pid 1 whose
   parent lives outside the namespace. The launcher's pidfd can: readable once it has exited. */
static void arm_parent_death(struct bh_spawn_spec *spec) {
    /* With a seccomp listener, init holds it and must outlive every task process: told by a signal it
       waits for, it kills them all first (notify_child.c). */
    long r = sys(SYS_prctl, PR_SET_PDEATHSIG, spec->notify ? BH_INIT_STOP_SIGNAL : SIGKILL, 0, 0, 0);
    if (r < 0) bh_child_fail(spec, BH_STAGE_PARENT_DEATH, -r, 0);
    struct pollfd launcher;
    launcher.fd = spec->parent_pidfd;
    launcher.events = POLLIN;
    launcher.revents = 0;
    struct { long sec, nsec; } now;
    now.sec = 0; now.nsec = 0;
    r = sys(SYS_ppoll, (long)&launcher, 1, (long)&now, 0, 0);
    if (r < 0) bh_child_fail(spec, BH_STAGE_PARENT_DEATH, -r, 0);
    if (r > 0) bh_child_fail(spec, BH_STAGE_PARENT_DEATH, ESRCH, 0);
}

static void report(struct bh_spawn_spec *spec, int status, const struct rusage *usage) {
    struct bh_init_report *page = spec->init_report;
    page->wait_status = status;
    /* Word by word through volatile: a struct copy may become a call to memcpy, outside the child code. */
    const long *from = (const long *)usage;
    volatile long *to = (volatile long *)&page->usage;
    for (unsigned i = 0; i < sizeof *usage / sizeof(long); i++) to[i] = from[i];
    __atomic_store_n(&page->ended, 1, __ATOMIC_RELEASE);
}

static void close_span(unsigned first, unsigned last) {
    if (first > last) return;
    if (sys(SYS_close_range, first, last, 0, 0, 0) != -ENOSYS) return;
    /* Before Linux 5.9: up to the hard descriptor limit (a left-over write end would hold the launch). */
    struct { uint64_t cur, max; } lim;
    uint64_t top = 1u << 20;
    if (sys(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&lim, 0) == 0 && lim.max < top) top = lim.max;
    if (top > (uint64_t)last + 1) top = (uint64_t)last + 1;
    for (uint64_t fd = first; fd < top; fd++) sys(SYS_close, (long)fd, 0, 0, 0, 0);
}

void bh_init_close_all_but(int keep_a, int keep_b) {
    int keep[2];
    keep[0] = keep_a < keep_b ? keep_a : keep_b;
    keep[1] = keep_a < keep_b ? keep_b : keep_a;
    unsigned next = 0;
    for (int i = 0; i < 2; i++) {
        if (keep[i] < 0 || (unsigned)keep[i] < next) continue;
        if ((unsigned)keep[i] > next) close_span(next, (unsigned)keep[i] - 1);
        next = (unsigned)keep[i] + 1;
    }
    close_span(next, ~0U);
}

/* Everything left in the namespace: killed, then reaped until none is. */
static void empty_namespace(void) {
    sys(SYS_kill, -1, SIGKILL, 0, 0, 0);
    for (;;) {
        int status = 0;
        long pid = sys(SYS_wait4, -1, (long)&status, __WALL, 0, 0);
        if (pid == -ECHILD) return;
        if (pid < 0 && pid != -EINTR) return;
    }
}

static _Noreturn void serve(struct bh_spawn_spec *spec, long task) {
    uint64_t relayed = relayed_signals();
    uint64_t waited = relayed | bit(SIGCHLD) | bit(BH_INIT_STOP_SIGNAL);
    int task_ended = 0;
    for (;;) {
        siginfo_t info;
        long sig = sys(SYS_rt_sigtimedwait, (long)&waited, (long)&info, 0, 8, 0);
        if (sig == SIGCHLD) {
            /* Init is the only reaper of its namespace: every process there that ends is its child. */
            for (;;) {
                int status = 0;
                struct rusage usage;
                long pid = sys(SYS_wait4, -1, (long)&status, WNOHANG | __WALL, (long)&usage, 0);
                if (pid <= 0) break;
                if (pid == task) { report(spec, status, &usage); task_ended = 1; }
            }
            if (task_ended) {
                empty_namespace();
                if (spec->end_notice_fd >= 0) {
                    char done = 1;
                    sys(SYS_write, spec->end_notice_fd, (long)&done, 1, 0, 0);
                }
                for (;;) sys(SYS_exit_group, 0, 0, 0, 0, 0);
            }
        } else if (sig == BH_INIT_STOP_SIGNAL) {
            /* Every process of the namespace but init; the task is then reaped and reported above. */
            sys(SYS_kill, -1, SIGKILL, 0, 0, 0);
        } else if (sig > 0 && (bit((int)sig) & relayed)) {
            sys(SYS_kill, task, sig, 0, 0, 0);
        }
    }
}

void bh_become_init(struct bh_spawn_spec *spec) {
    arm_parent_death(spec);
    /* The map writes made the child dumpable; init holds capabilities the task must not reach. */
    long r = sys(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (r < 0) bh_child_fail(spec, BH_STAGE_NAMESPACES, -r, CLONE_NEWPID);
    /* Blocked signals are never ignored, even for a pid 1 without handlers (sig_ignored() in
       kernel/signal.c): blocked, they wait for rt_sigtimedwait; no handler ever runs in init. */
    uint64_t waited = relayed_signals() | bit(SIGCHLD) | bit(BH_INIT_STOP_SIGNAL);
    r = sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&waited, 0, 8, 0);
    if (r < 0) bh_child_fail(spec, BH_STAGE_SIGNALS, -r, 0);
    /* With a listener to hand over, the task shares init's descriptor table until init has it. */
    long task = sys(SYS_clone, SIGCHLD | (spec->notify ? CLONE_FILES : 0), 0, 0, 0, 0);
    if (task < 0) bh_child_fail(spec, BH_STAGE_CLONE, -task, 0);
    if (task == 0) {
        uint64_t none = 0;
        r = sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, 8, 0);
        if (r < 0) bh_child_fail(spec, BH_STAGE_SIGNALS, -r, 0);
        return;
    }
    /* Init keeps no descriptor but the listener and the end notice: the launch pipe must reach end-of-file
       when the task execs, and the task's stdout and stderr when it ends. */
    if (spec->notify && bh_init_send_listener(spec, task) == 0) serve(spec, task);
    bh_init_close_all_but(spec->end_notice_fd, -1);
    serve(spec, task);
}

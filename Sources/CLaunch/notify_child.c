/* Child code (see child.c for its rules: raw system calls on the prepared block, no libc, no literal,
   no global): loading the seccomp filter, and handing its user-notification listener to the launcher.

   The listener exists only once the filter is loaded, and from then on every system call of the task
   is filtered: a sendmsg the policy refuses could not pass the listener on (it would wait for a listener
   nobody holds yet, or fail). So the task makes no call at all after loading it but execve: init, which
   shares the task's descriptor table until then (CLONE_FILES, pid_one.c) and is not filtered, reads the
   listener's number from the shared page, sends it to the launcher over a socket the launcher prepared
   (SCM_RIGHTS, unix(7)), takes a table of its own (unshare(CLONE_FILES)) and keeps only the listener in
   it. The task does not wait for that: it publishes the number and execs at once. Its execve takes a
   table of its own (unshare_files in fs/exec.c) and closes its copy of the listener (close-on-exec),
   while the table init keeps holds the original for init to send; a notified call the program makes in
   the meantime waits in the kernel until the launcher reads it. (A task that spun on the page until init
   had sent it held the CPU init needed: on a 2-core VM the launch stalled 1.4-5 ms in a third of the
   runs, until the scheduler preempted the spinner.) Should the hand-off fail, init SIGKILLs the task
   before anything closes the listener, and the launcher, receiving no listener, refuses the launch.

   Why init keeps a copy: when the last holder of a listener closes it, the kernel fails every pending and
   later notified call with ENOSYS (seccomp_unotify(2)), and a task that was to be killed would go on
   after its call. While init holds it, a notified call waits; if the launcher dies, init is told by a
   signal it waits for (PR_SET_PDEATHSIG, BH_INIT_STOP_SIGNAL), SIGKILLs every process of its namespace
   (a task with SIGKILL pending never returns to user space) and only then exits, closing the listener. */
#define _GNU_SOURCE
#include "child.h"
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif

void bh_child_load_filter(struct bh_spawn_spec *spec) {
    struct sock_fprog prog;
    prog.len = spec->filter_len;
    prog.filter = (struct sock_filter *)spec->filter;
    if (!spec->notify) {
        long r = sys(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)&prog, 0, 0);
        if (r < 0) bh_child_fail(spec, BH_STAGE_SECCOMP, -r, 0);
        return;
    }
    struct bh_init_report *page = spec->init_report;
    long fd = sys(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, (long)&prog, 0, 0);
    if (fd < 0) bh_child_fail(spec, BH_STAGE_SECCOMP, -fd, 0);
    page->listener_fd = (int)fd;
    __atomic_store_n(&page->listener_ready, 1, __ATOMIC_RELEASE);
}

/* 1 once the task has ended (it is not reaped here: init's loop reports it). */
static int task_ended(long task) {
    siginfo_t info;
    info.si_pid = 0;
    long r = sys(SYS_waitid, P_PID, task, (long)&info, WEXITED | WNOHANG | WNOWAIT, 0);
    return r < 0 || info.si_pid != 0;
}

static long send_fd(int socket, int fd) {
    char byte = 0;
    struct iovec iov;
    iov.iov_base = &byte;
    iov.iov_len = 1;
    union { struct cmsghdr header; char space[CMSG_SPACE(sizeof(int))]; } control;
    for (unsigned i = 0; i < sizeof control; i++) ((volatile char *)&control)[i] = 0;
    struct msghdr msg;
    msg.msg_name = 0;
    msg.msg_namelen = 0;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = &control;
    msg.msg_controllen = sizeof control;
    msg.msg_flags = 0;
    control.header.cmsg_len = CMSG_LEN(sizeof(int));
    control.header.cmsg_level = SOL_SOCKET;
    control.header.cmsg_type = SCM_RIGHTS;
    *(int *)CMSG_DATA(&control.header) = fd;
    return sys(SYS_sendmsg, socket, (long)&msg, MSG_NOSIGNAL, 0, 0);
}

long bh_init_send_listener(struct bh_spawn_spec *spec, long task) {
    struct bh_init_report *page = spec->init_report;
    /* The task gets there in well under a millisecond after its setup; init looks every 20 µs. Without
       a timer slack of its own each look took 90-140 µs on the test VM (the default slack is 50 µs,
       prctl(2) PR_SET_TIMERSLACK), and the launcher waits for the hand-off; only a latency, so a refusal
       is ignored. */
    sys(SYS_prctl, PR_SET_TIMERSLACK, 1, 0, 0, 0);
    struct { long sec, nsec; } pause;
    pause.sec = 0;
    pause.nsec = 20000;
    while (!__atomic_load_n(&page->listener_ready, __ATOMIC_ACQUIRE)) {
        if (task_ended(task)) return -ECHILD;
        int zero = 0;
        sys(SYS_futex, (long)&page->listener_ready, FUTEX_WAIT, zero, (long)&pause, 0);
    }
    int listener = page->listener_fd;
    long r = send_fd(spec->notify_socket, listener);
    if (r >= 0) r = sys(SYS_unshare, CLONE_FILES, 0, 0, 0, 0);
    if (r < 0) {
        /* Dead before the caller closes anything: with the listener gone, a notified call would go on.
           The launcher reads the failure once init has closed the launch pipe. */
        struct bh_result *result = spec->result_page;
        result->err = (int)-r;
        result->stage = BH_STAGE_SECCOMP;
        sys(SYS_kill, task, SIGKILL, 0, 0, 0);
        return r;
    }
    /* A table of init's own now: everything but the listener and the end notice goes (the launch pipe
       must reach end-of-file at the task's execve). */
    bh_init_close_all_but(listener, spec->end_notice_fd);
    return 0;
}

/* Which namespaces this kernel and uid let bulkhead make: asked only after a launch's clone was refused,
   to name the key that cannot be applied. The probe child shares the caller's memory (CLONE_VM, like
   posix_spawn) and returns at once: glibc's clone() ends it with a raw exit system call, and it touches
   nothing else, so no libc state of another thread is ever needed. */
#define _GNU_SOURCE
#include "child.h"
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <pthread.h>
#include <sys/wait.h>

static int exit_at_once(void *arg) { (void)arg; return 0; }

int bh_probe_namespaces(unsigned long flags) {
    char stack[16 * 1024] __attribute__((aligned(64)));
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t child = clone(exit_at_once, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD | (int)flags, NULL);
    int err = child < 0 ? errno : 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (child < 0) return err;
    siginfo_t info;
    while (waitid(P_PID, (id_t)child, &info, WEXITED) < 0 && errno == EINTR) {}
    return 0;
}

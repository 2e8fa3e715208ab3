/* Shared by the two halves of a launch: spawn.c (the parent) and child.c (the child before execve). */
#ifndef BULKHEAD_CHILD_H
#define BULKHEAD_CHILD_H
#include "launch.h"
#include "raw_syscall.h"
#include <sys/resource.h>

/* Landlock system call numbers, spelled out: the system headers may predate Landlock (Linux 5.13). The
   same on every architecture (asm-generic/unistd.h numbering). */
#define BH_SYS_landlock_create_ruleset 444
#define BH_SYS_landlock_add_rule 445
#define BH_SYS_landlock_restrict_self 446
#define BH_LANDLOCK_SCOPE_SIGNAL (1ULL << 1)

/* The page the child reports a failure through; MAP_SHARED, so the parent sees it after clone. */
struct bh_result { volatile int stage; volatile int err; volatile int detail; volatile unsigned long namespace_flag; };

/* The page a pid namespace's init reports the task's ending on (MAP_SHARED, one per launch: init outlives
   the launch call). `ended` is written last. */
struct bh_init_report {
    int wait_status;                 /* as wait4 gives it */
    struct rusage usage;             /* the kernel's struct rusage; glibc's has the same layout */
    volatile int ended;
    /* The seccomp listener's hand-off (notify_child.c): the task sets listener_fd then listener_ready. */
    volatile int listener_fd;
    volatile int listener_ready;
};

/* Builds the task's file-system view (mount_view.c) in the child's new mount namespace: 0, or -errno with
   *failed the index of the op or the BH_VIEW_STEP_* that failed. Hidden, so child.c calls it directly
   and not through a table in a data segment. */
__attribute__((visibility("hidden")))
long bh_child_mount_view(const struct bh_mount_view *view, int *failed);

/* The child's entry point for clone(). `arg` is a struct bh_spawn_spec whose pointers all lead into
   one block the parent copied them into (see spawn.c). */
int bh_child_main(void *arg);

/* Child code in other files (namespace_setup.c, pid_one.c): hidden, so the calls are direct and reach
   no table of the launcher's. */
#define BH_CHILD_CODE __attribute__((visibility("hidden")))

/* Makes what the namespaces the child was cloned into need: private mount propagation, a fresh /proc
   (with a pid namespace), the host name, loopback up. */
BH_CHILD_CODE void bh_enter_namespaces(struct bh_spawn_spec *spec);

/* With a pid namespace: the child is its pid 1. Forks the task, which returns from here to go on with
   its setup; init itself never returns (it relays signals, reaps, reports the task's ending, exits). */
BH_CHILD_CODE void bh_become_init(struct bh_spawn_spec *spec);

/* Loads the filter, last thing before execve. With a notify socket: with a seccomp listener, whose number
   the task publishes for init to send to the launcher (notify_child.c). */
BH_CHILD_CODE void bh_child_load_filter(struct bh_spawn_spec *spec);

/* Init's half of the hand-off: waits for the task's listener, sends it to the launcher and keeps a copy
   of it (and, of its other descriptors, the end notice's only). Returns 0, or -errno when the hand-off
   failed (the task is then killed and the failure reported on the result page). */
BH_CHILD_CODE long bh_init_send_listener(struct bh_spawn_spec *spec, long task);

/* Closes every descriptor of init's table but `keep_a` and `keep_b` (-1: none). */
BH_CHILD_CODE void bh_init_close_all_but(int keep_a, int keep_b);

/* Reports `stage` and `err` (and, for a namespace step, its CLONE_NEW* flag) on the result page and
   exits 127. Every failure between clone and execve ends here. */
static inline _Noreturn void bh_child_fail(struct bh_spawn_spec *spec, int stage, long err, unsigned long namespace_flag) {
    struct bh_result *result = spec->result_page;
    result->err = (int)err;
    result->namespace_flag = namespace_flag;
    result->stage = stage;
    for (;;) sys(SYS_exit_group, 127, 0, 0, 0, 0);
}

/* 1 when the child code makes its system calls itself (no libc, no errno, no global variable), so the
   parent may leave its own data segments out of the child's copy of memory. */
#if defined(__x86_64__) || defined(__aarch64__)
#define BH_CHILD_IS_SELF_CONTAINED 1
#else
#define BH_CHILD_IS_SELF_CONTAINED 0
#endif

#endif

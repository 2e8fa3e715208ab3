/* Shared by the two halves of a launch: spawn.c (the parent) and child.c (the child before execve). */
#ifndef BULKHEAD_CHILD_H
#define BULKHEAD_CHILD_H
#include "launch.h"

/* Landlock system call numbers, spelled out: the system headers may predate Landlock (Linux 5.13). The
   same on every architecture (asm-generic/unistd.h numbering). */
#define BH_SYS_landlock_create_ruleset 444
#define BH_SYS_landlock_add_rule 445
#define BH_SYS_landlock_restrict_self 446
#define BH_LANDLOCK_SCOPE_SIGNAL (1ULL << 1)

/* The page the child reports a failure through; MAP_SHARED, so the parent sees it after clone. */
struct bh_result { volatile int stage; volatile int err; volatile int detail; };

/* Builds the task's file-system view (mount_view.c) in the child's new mount namespace: 0, or -errno with
   *failed the index of the op or the BH_VIEW_STEP_* that failed. Hidden, so child.c calls it directly
   and not through a table in a data segment. */
__attribute__((visibility("hidden")))
long bh_child_mount_view(const struct bh_mount_view *view, int *failed);

/* The child's entry point for clone(). `arg` is a struct bh_spawn_spec whose pointers all lead into
   one block the parent copied them into (see spawn.c). */
int bh_child_main(void *arg);

/* 1 when the child code makes its system calls itself (no libc, no errno, no global variable), so the
   parent may leave its own data segments out of the child's copy of memory. */
#if defined(__x86_64__) || defined(__aarch64__)
#define BH_CHILD_IS_SELF_CONTAINED 1
#else
#define BH_CHILD_IS_SELF_CONTAINED 0
#endif

#endif

/* The child's file-system view (MountView.swift prepares it): in a new mount namespace, a root made of a
   tmpfs holding read-only or writable binds of exactly what is granted, tmpfs mounts, a minimal /dev and
   /proc, entered with pivot_root. Same rules as child.c: raw system calls only, no memory but the stack
   and the block the parent prepared (every string passed to the kernel is in it), no libc.

   The old root stays reachable during the build through a first pivot_root onto a small staging tmpfs
   (the old root then sits at old_root, whole: a tmpfs over /tmp in the view cannot shadow a grant under
   the host's /tmp). The view is built under new_root; a second pivot_root(".", ".") makes it the root,
   and the staging root, stacked over it with the old root inside, is detached (pivot_root(2), NOTES). */
#define _GNU_SOURCE
#include "child.h"
#include "raw_syscall.h"
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/vfs.h>

/* The same numbers on every architecture (asm-generic numbering): open_tree and move_mount (Linux 5.2),
   openat2 (5.6), mount_setattr (5.12). */
#define BH_SYS_open_tree 428
#define BH_SYS_move_mount 429
#define BH_SYS_openat2 437
#define BH_SYS_mount_setattr 442
#define BH_OPEN_TREE_CLONE 1
#define BH_MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define BH_RESOLVE_NO_SYMLINKS 0x04
struct bh_open_how { uint64_t flags, mode, resolve; };
struct bh_mount_setattr_request { uint64_t attr_set, attr_clr, propagation, userns_fd; };

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

/* statfs(2) f_flags (ST_* in statvfs.h, spelled out: not all are MS_* of the same value). A bind inherits
   them from its source, and in a user namespace they are locked (mount_namespaces(7)): a remount that
   leaves one out is refused with EPERM. */
#define BH_ST_RDONLY 0x0001
#define BH_ST_NOSUID 0x0002
#define BH_ST_NODEV 0x0004
#define BH_ST_NOEXEC 0x0008
#define BH_ST_NOATIME 0x0400
#define BH_ST_NODIRATIME 0x0800
#define BH_ST_RELATIME 0x1000

static unsigned long locked_flags(unsigned long st) {
    unsigned long ms = 0;
    if (st & BH_ST_RDONLY) ms |= MS_RDONLY;
    if (st & BH_ST_NOSUID) ms |= MS_NOSUID;
    if (st & BH_ST_NODEV) ms |= MS_NODEV;
    if (st & BH_ST_NOEXEC) ms |= MS_NOEXEC;
    if (st & BH_ST_NOATIME) ms |= MS_NOATIME;
    if (st & BH_ST_NODIRATIME) ms |= MS_NODIRATIME;
    if (st & BH_ST_RELATIME) ms |= MS_RELATIME;
    return ms;
}

/* Before Linux 5.12: MS_REMOUNT|MS_BIND with the requested flags and every flag the mount already has.
   Only the mount at `target` itself: submounts of a recursive bind keep their flags on such a kernel,
   which the parent refuses to leave writable (MountView.swift). */
static long remount_with(const char *target, uint64_t attr) {
    struct statfs info;
    long r = sys(SYS_statfs, (long)target, (long)&info, 0, 0, 0);
    if (r < 0) return r;
    unsigned long flags = MS_REMOUNT | MS_BIND | locked_flags((unsigned long)info.f_flags);
    if (attr & MOUNT_ATTR_RDONLY) flags |= MS_RDONLY;
    if (attr & MOUNT_ATTR_NOSUID) flags |= MS_NOSUID;
    if (attr & MOUNT_ATTR_NODEV) flags |= MS_NODEV;
    if (attr & MOUNT_ATTR_NOEXEC) flags |= MS_NOEXEC;
    return sys(SYS_mount, 0, (long)target, 0, (long)flags, 0);
}

/* Adds `attr` to the mount at `target` (and with `recursive` to every mount beneath it). mount_setattr
   only sets: flags the source had, locked or not, are kept. MS_BIND alone ignores MS_RDONLY, hence a
   second call after every bind (mount(2), "Creating a bind mount"). */
static long set_attr(const char *target, uint64_t attr, int recursive) {
    if (attr == 0) return 0;
    struct bh_mount_setattr_request request;
    request.attr_set = attr;
    request.attr_clr = 0;
    request.propagation = 0;
    request.userns_fd = 0;
    long flags = AT_SYMLINK_NOFOLLOW | (recursive ? AT_RECURSIVE : 0);
    long r = sys(BH_SYS_mount_setattr, AT_FDCWD, (long)target, flags, (long)&request, sizeof request);
    if (r == -ENOSYS) r = remount_with(target, attr);
    return r;
}

/* A recursive bind of `source` at `target`. The parent resolved every symlink of `source` when it made the
   view, which may be long before this launch: a directory on the way that has since become a symlink (a
   task that could write beside a grant may have swapped one in) would take mount(2) elsewhere on the
   host. So the source is opened refusing any symlink (openat2, RESOLVE_NO_SYMLINKS: ELOOP), and that
   very file's tree is cloned and moved into place. Before Linux 5.6, a plain bind. */
static long bind_tree(const char *source, const char *target) {
    char empty = 0;
    struct bh_open_how how;
    how.flags = O_PATH | O_CLOEXEC;
    how.mode = 0;
    how.resolve = BH_RESOLVE_NO_SYMLINKS;
    long fd = sys(BH_SYS_openat2, AT_FDCWD, (long)source, (long)&how, sizeof how, 0);
    if (fd == -ENOSYS) return sys(SYS_mount, (long)source, (long)target, 0, MS_BIND | MS_REC, 0);
    if (fd < 0) return fd;
    long tree = sys(BH_SYS_open_tree, fd, (long)&empty, BH_OPEN_TREE_CLONE | AT_RECURSIVE | AT_EMPTY_PATH, 0, 0);
    sys(SYS_close, fd, 0, 0, 0, 0);
    if (tree < 0) return tree;
    long r = sys(BH_SYS_move_mount, tree, (long)&empty, AT_FDCWD, (long)target, BH_MOVE_MOUNT_F_EMPTY_PATH);
    sys(SYS_close, tree, 0, 0, 0, 0);
    return r;
}

/* A Landlock rule for a file system of the view's own. The ruleset is the task's, entered later (child.c);
   a rule names an inode, so it holds wherever the pivot puts the mount. */
static long grant_beneath(int ruleset, const char *directory, uint64_t access) {
    long fd = sys(SYS_openat, AT_FDCWD, (long)directory, O_PATH | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW, 0, 0);
    if (fd < 0) return fd;
    /* struct landlock_path_beneath_attr is packed: 12 bytes. */
    struct __attribute__((packed)) { uint64_t allowed_access; int32_t parent_fd; } rule;
    rule.allowed_access = access;
    rule.parent_fd = (int32_t)fd;
    long r = sys(BH_SYS_landlock_add_rule, ruleset, 1 /* LANDLOCK_RULE_PATH_BENEATH */, (long)&rule, 0, 0);
    sys(SYS_close, fd, 0, 0, 0, 0);
    return r;
}

/* Bit tests, not a switch or a chain of ==: either may compile to a jump table in .rodata, which the child
   must not read. */
static long make_op(const struct bh_mount_view *view, const struct bh_mount_op *op) {
    long r;
    if (op->kind & BH_MOUNT_LANDLOCK) return grant_beneath(view->landlock_ruleset, op->target, op->attr);
    if (op->kind & BH_MOUNT_BIND) {
        r = bind_tree(op->source, op->target);
        return r < 0 ? r : set_attr(op->target, op->attr, 1);
    }
    if (op->kind & BH_MOUNT_FS) {
        /* A new mount takes its flags in the same call, unlike a bind: one call, not two. */
        unsigned long flags = MS_NOSUID | MS_NODEV;
        if (op->attr & MOUNT_ATTR_RDONLY) flags |= MS_RDONLY;
        if (op->attr & MOUNT_ATTR_NOEXEC) flags |= MS_NOEXEC;
        return sys(SYS_mount, (long)op->source, (long)op->target, (long)op->source, (long)flags, (long)op->data);
    }
    if (op->kind & BH_MOUNT_DIRECTORY) {
        r = sys(SYS_mkdirat, AT_FDCWD, (long)op->target, op->mode, 0, 0);
        return r == -EEXIST ? 0 : r;
    }
    if (op->kind & BH_MOUNT_FILE) {
        r = sys(SYS_openat, AT_FDCWD, (long)op->target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, op->mode, 0);
        if (r < 0) return r;
        sys(SYS_close, r, 0, 0, 0, 0);
        return 0;
    }
    if (op->kind & BH_MOUNT_SYMLINK) return sys(SYS_symlinkat, (long)op->source, AT_FDCWD, (long)op->target, 0, 0);
    if (op->kind & BH_MOUNT_SET_ATTR) return set_attr(op->target, op->attr, 0);
    return -EINVAL;
}

/* Returns 0, or -errno with *failed set to the index of the op or the BH_VIEW_STEP_* that failed. */
__attribute__((visibility("hidden")))
long bh_child_mount_view(const struct bh_mount_view *view, int *failed) {
    long r;
#define STEP(expr, step) do { r = (expr); if (r < 0) { *failed = (step); return r; } } while (0)
    /* Private, recursively: nothing mounted or unmounted here reaches the launcher's namespace. */
    STEP(sys(SYS_mount, 0, (long)view->slash, 0, MS_REC | MS_PRIVATE, 0), BH_VIEW_STEP_PRIVATE);
    STEP(sys(SYS_mount, (long)view->tmpfs, (long)view->staging, (long)view->tmpfs, MS_NOSUID | MS_NODEV | MS_NOEXEC,
             (long)view->staging_data), BH_VIEW_STEP_STAGING);
    STEP(sys(SYS_mkdirat, AT_FDCWD, (long)view->staging_new_root, 0755, 0, 0), BH_VIEW_STEP_STAGING);
    STEP(sys(SYS_mkdirat, AT_FDCWD, (long)view->staging_old_root, 0755, 0, 0), BH_VIEW_STEP_STAGING);
    STEP(sys(SYS_pivot_root, (long)view->staging, (long)view->staging_old_root, 0, 0, 0), BH_VIEW_STEP_FIRST_PIVOT);
    STEP(sys(SYS_chdir, (long)view->slash, 0, 0, 0, 0), BH_VIEW_STEP_FIRST_PIVOT);
    STEP(sys(SYS_mount, (long)view->tmpfs, (long)view->new_root, (long)view->tmpfs, MS_NOSUID | MS_NODEV,
             (long)view->root_data), BH_VIEW_STEP_NEW_ROOT);
    for (int i = 0; i < view->op_count; i++) STEP(make_op(view, &view->ops[i]), i);
    STEP(sys(SYS_chdir, (long)view->new_root, 0, 0, 0, 0), BH_VIEW_STEP_SECOND_PIVOT);
    STEP(sys(SYS_pivot_root, (long)view->dot, (long)view->dot, 0, 0, 0), BH_VIEW_STEP_SECOND_PIVOT);
    /* The staging root now lies over the new one, the old root mounted in it: one lazy unmount detaches
       both (every unmount ends in an RCU grace period, the most expensive step of the view). */
    STEP(sys(SYS_umount2, (long)view->dot, MNT_DETACH, 0, 0, 0), BH_VIEW_STEP_DETACH_OLD);
    STEP(sys(SYS_chdir, (long)view->slash, 0, 0, 0, 0), BH_VIEW_STEP_SECOND_PIVOT);
    /* Last: the directories and mount points the ops made on it are in place; the task may add none. */
    STEP(set_attr(view->slash, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0), BH_VIEW_STEP_SEAL_ROOT);
#undef STEP
    return 0;
}

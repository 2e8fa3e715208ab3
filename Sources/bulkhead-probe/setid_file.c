/* Every route by which a task could leave a set-user-ID or set-group-ID file, or one with file
   capabilities: a task running as root (without capabilities) owns almost every file, so such a file
   is a local root for any user who runs it. Exit 0 only when PATH afterwards carries the bits or the
   attribute: refusals are reported as the errno the call got. */
#define _GNU_SOURCE
#include "probe.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define SETID (S_ISUID | S_ISGID)

/* A file-capability attribute (VFS_CAP_REVISION_2) granting CAP_NET_RAW, effective. */
static const unsigned char capability[20] = {0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00};

static int outcome(const char *route, const char *path, long rc) {
    if (rc < 0) return fail_errno(route, errno);
    struct stat info;
    if (lstat(path, &info) < 0) return fail_errno("stat", errno);
    if (info.st_mode & SETID) {
        printf("%s: ok, mode %o\n", route, (unsigned)info.st_mode);
        return EXIT_OK;
    }
    printf("%s: no set-id bit, mode %o\n", route, (unsigned)info.st_mode);
    return EXIT_OTHER;
}

/* The file the chmod routes change: an existing one (a policy may forbid creating files), else a new one. */
static long make_plain(const char *path) {
    struct stat info;
    if (lstat(path, &info) == 0) return 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}

int mode_setid_file(const char *route, const char *path) {
    const mode_t suid = S_ISUID | 0755, sgid = S_ISGID | 0755;
    if (!strcmp(route, "chmod")) { if (make_plain(path) < 0) return fail_errno("create", errno); return outcome(route, path, syscall(SYS_chmod, path, suid)); }
    if (!strcmp(route, "chmod-setgid")) { if (make_plain(path) < 0) return fail_errno("create", errno); return outcome(route, path, syscall(SYS_chmod, path, sgid)); }
    if (!strcmp(route, "fchmodat")) { if (make_plain(path) < 0) return fail_errno("create", errno); return outcome(route, path, syscall(SYS_fchmodat, AT_FDCWD, path, suid)); }
    if (!strcmp(route, "fchmodat2")) {
        if (make_plain(path) < 0) return fail_errno("create", errno);
        return outcome(route, path, syscall(452 /* fchmodat2, Linux 6.6 */, AT_FDCWD, path, suid, 0));
    }
    if (!strcmp(route, "fchmod")) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 && make_plain(path) == 0) fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) return fail_errno("open", errno);
        long rc = syscall(SYS_fchmod, fd, suid);
        int saved = errno;
        close(fd);
        errno = saved;
        return outcome(route, path, rc);
    }
    if (!strcmp(route, "creat")) return outcome(route, path, syscall(SYS_creat, path, suid));
    if (!strcmp(route, "open")) return outcome(route, path, syscall(SYS_open, path, O_WRONLY | O_CREAT | O_CLOEXEC, suid));
    if (!strcmp(route, "openat")) return outcome(route, path, syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_CLOEXEC, sgid));
    /* An unnamed file made with the bits, then given a name. */
    if (!strcmp(route, "tmpfile")) {
        char directory[4096];
        snprintf(directory, sizeof directory, "%s", path);
        char *slash = strrchr(directory, '/');
        if (slash) *slash = 0; else snprintf(directory, sizeof directory, ".");
        long fd = syscall(SYS_openat, AT_FDCWD, directory, O_TMPFILE | O_WRONLY | O_CLOEXEC, suid);
        if (fd < 0) return fail_errno(route, errno);
        char self[64];
        snprintf(self, sizeof self, "/proc/self/fd/%ld", fd);
        long rc = linkat(AT_FDCWD, self, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
        return outcome(route, path, rc);
    }
    if (!strcmp(route, "mknod")) return outcome(route, path, syscall(SYS_mknod, path, S_IFREG | suid, 0));
    if (!strcmp(route, "mknodat")) return outcome(route, path, syscall(SYS_mknodat, AT_FDCWD, path, S_IFREG | sgid, 0));
    if (!strcmp(route, "mkdir")) return outcome(route, path, syscall(SYS_mkdir, path, sgid));
    if (!strcmp(route, "setxattr-capability")) {
        if (make_plain(path) < 0) return fail_errno("create", errno);
        if (setxattr(path, "security.capability", capability, sizeof capability, 0) < 0) return fail_errno(route, errno);
        printf("%s: ok, file capabilities set\n", route);
        return EXIT_OK;
    }
    fprintf(stderr, "setid-file: unknown route %s\n", route);
    return EXIT_USAGE;
}

/* Audit probes, file family: reading what the task's uid should not, writing outside what it was given,
   links that lead out of a folder, the launcher's /proc entries, file handles, and privilege through a
   set-user-ID binary. Files come from the auditor's fixture (arguments); "-" as the first argument
   means the auditor could not make it, and the second argument says why. */
#define _GNU_SOURCE
#include "audit.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_secret(const char *path, const char *how) {
    char buf[256];
    long n = audit_read_file(path, buf, sizeof buf);
    if (n < 0) return audit_blocked((int)-n, "openat", "%s %s", how, path);
    buf[strcspn(buf, "\n")] = 0;
    return audit_escaped("read %s %s: \"%.60s\"", how, path, buf);
}

static int root_only(int argc, char **argv) {
    if (!strcmp(argv[0], "-")) return audit_na("%s", argc > 1 ? argv[1] : "no file");
    return read_secret(argv[0], "the root-only file");
}

static int other_home(int argc, char **argv) {
    if (!strcmp(argv[0], "-")) return audit_na("%s", argc > 1 ? argv[1] : "no file");
    return read_secret(argv[0], "a file in another user's home");
}

static int list_root(int argc, char **argv) {
    (void)argc; (void)argv;
    int fd = open("/root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return audit_na("this machine has no /root");
        return audit_blocked(errno, "openat", "/root");
    }
    DIR *d = fdopendir(fd);
    if (!d) { int e = errno; close(fd); return audit_blocked(e, "getdents64", "/root"); }
    errno = 0;
    int entries = 0;
    struct dirent *e;
    char first[64] = "";
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (!entries) snprintf(first, sizeof first, "%.60s", e->d_name);
        entries++;
    }
    int err = errno;
    closedir(d);
    if (err) return audit_blocked(err, "getdents64", "/root");
    return audit_escaped("listed /root: %d entries%s%s", entries, entries ? ", the first " : "", first);
}

static int write_outside(int argc, char **argv) {
    (void)argc;
    char path[4096];
    snprintf(path, sizeof path, "%s/bulkhead-audit-%d", argv[0], (int)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return audit_blocked(errno, "openat", "O_CREAT in %s", argv[0]);
    long n = write(fd, "x", 1);
    close(fd);
    unlink(path);
    return audit_escaped("created %s (wrote %ld byte, then removed it)", path, n);
}

/* Plants a link in a folder of its own inside GRANTED, pointing at SECRET outside it, and reads through it. */
static int link_out(char **argv, int hard) {
    char dir[4096], link_path[4200];
    snprintf(dir, sizeof dir, "%s/probe-XXXXXX", argv[0]);
    if (!mkdtemp(dir)) return audit_blocked(errno, "mkdir", "a folder in %s", argv[0]);
    snprintf(link_path, sizeof link_path, "%s/link", dir);
    int rc = hard ? link(argv[1], link_path) : symlink(argv[1], link_path);
    if (rc != 0) {
        int e = errno;
        rmdir(dir);
        return audit_blocked(e, hard ? "linkat" : "symlinkat", "%s -> %s", link_path, argv[1]);
    }
    char buf[256];
    long n = audit_read_file(link_path, buf, sizeof buf);
    unlink(link_path);
    rmdir(dir);
    if (n < 0) return audit_blocked((int)-n, "openat", "through the %s link to %s", hard ? "hard" : "symbolic", argv[1]);
    buf[strcspn(buf, "\n")] = 0;
    return audit_escaped("read %s outside the folder through a %s link: \"%.60s\"", argv[1], hard ? "hard" : "symbolic", buf);
}

static int symlink_out(int argc, char **argv) { (void)argc; return link_out(argv, 0); }
static int hardlink_out(int argc, char **argv) { (void)argc; return link_out(argv, 1); }

static int proc_environ(int argc, char **argv) {
    (void)argc;
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%s/environ", argv[0]);
    long n = audit_read_file(path, buf, sizeof buf);
    if (n < 0) return audit_blocked((int)-n, "openat", "%s", path);
    return audit_escaped("read %ld bytes of bulkhead's environment from %s, starting \"%.30s\"", n, path, buf);
}

static int proc_fd(int argc, char **argv) {
    (void)argc;
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/fd", argv[0]);
    DIR *d = opendir(path);
    if (!d) return audit_blocked(errno, "openat", "%s", path);
    struct dirent *e;
    char target[512] = "";
    int count = 0;
    errno = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (!count) {
            char link_path[384];
            snprintf(link_path, sizeof link_path, "%s/%s", path, e->d_name);
            ssize_t n = readlink(link_path, target, sizeof target - 1);
            target[n < 0 ? 0 : n] = 0;
        }
        count++;
    }
    int err = errno;
    closedir(d);
    if (err) return audit_blocked(err, "getdents64", "%s", path);
    return audit_escaped("listed %d of bulkhead's descriptors in %s (the first points to %s)", count, path, target[0] ? target : "?");
}

static int proc_mem(int argc, char **argv) {
    (void)argc;
    char path[64], maps[64], buf[512];
    snprintf(path, sizeof path, "/proc/%s/mem", argv[0]);
    snprintf(maps, sizeof maps, "/proc/%s/maps", argv[0]);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return audit_blocked(errno, "openat", "%s", path);
    long n = audit_read_file(maps, buf, sizeof buf);
    unsigned long address = n > 0 ? strtoul(buf, NULL, 16) : 0;
    unsigned char bytes[4] = {0};
    if (address && pread(fd, bytes, 4, (off_t)address) == 4) {
        close(fd);
        return audit_escaped("read bulkhead's memory through %s: %02x %02x %02x %02x at 0x%lx", path, bytes[0], bytes[1], bytes[2], bytes[3], address);
    }
    int e = errno;
    close(fd);
    if (!address) return audit_escaped("opened %s for reading (its maps were not readable to pick an address)", path);
    return audit_blocked(e, "pread64", "%s at 0x%lx", path, address);
}

static int launcher_exe(int argc, char **argv) {
    (void)argc;
    char path[64], buf[8];
    snprintf(path, sizeof path, "/proc/%s/exe", argv[0]);
    long n = audit_read_file(path, buf, sizeof buf);
    if (n < 0) return audit_blocked((int)-n, "openat", "%s", path);
    if (n < 4 || memcmp(buf, "\177ELF", 4) != 0) return audit_escaped("opened %s (not an ELF file?)", path);
    return audit_escaped("opened the launcher's binary through %s and read its ELF header", path);
}

static int open_by_handle(int argc, char **argv) {
    (void)argc;
    struct { struct file_handle h; unsigned char bytes[128]; } handle;
    handle.h.handle_bytes = sizeof handle.bytes;
    int mount_id;
    if (name_to_handle_at(AT_FDCWD, argv[0], &handle.h, &mount_id, 0) != 0) {
        if (errno == EOPNOTSUPP) return audit_na("the file system of %s makes no file handles", argv[0]);
        return audit_blocked(errno, "name_to_handle_at", "%s", argv[0]);
    }
    int mount_fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (mount_fd < 0) return audit_blocked(errno, "openat", "/");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", argv[0]);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = 0;
        int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (d >= 0) { close(mount_fd); mount_fd = d; }
    }
    int fd = open_by_handle_at(mount_fd, &handle.h, O_RDONLY | O_CLOEXEC);
    int e = errno;
    close(mount_fd);
    if (fd < 0) return audit_blocked(e, "open_by_handle_at", "a handle of %s", argv[0]);
    char buf[64] = "";
    long n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    buf[strcspn(buf, "\n")] = 0;
    return audit_escaped("opened %s by its file handle, past every path check: \"%.40s\"", argv[0], buf);
}

/* no_new_privs, read from the kernel: while it is off, executing a set-user-ID binary grants its owner's uid. */
static int setuid_nnp(int argc, char **argv) {
    (void)argc; (void)argv;
    char buf[4096];
    long n = audit_read_file("/proc/self/status", buf, sizeof buf);
    if (n < 0) return audit_blocked((int)-n, "openat", "/proc/self/status");
    char *line = strstr(buf, "NoNewPrivs:");
    if (!line) return audit_na("the kernel does not report NoNewPrivs");
    if (atoi(line + strlen("NoNewPrivs:")) == 1)
        return audit_blocked_by("no_new_privs", "execve", "a set-user-ID binary runs without its owner's privilege");
    static const char *const candidates[] = {"/usr/bin/su", "/usr/bin/passwd", "/usr/bin/mount", "/usr/bin/sudo", "/bin/su"};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        struct stat st;
        if (stat(candidates[i], &st) == 0 && (st.st_mode & S_ISUID) && st.st_uid == 0)
            return audit_escaped("no_new_privs is off: %s (set-user-ID root) would run as root", candidates[i]);
    }
    return audit_escaped("no_new_privs is off: any set-user-ID binary would run with its owner's privilege");
}

const struct audit_probe audit_file_probes[] = {
    {"file-root-only", root_only, 1},        {"file-other-home", other_home, 1},
    {"file-list-root", list_root, 0},        {"file-write-outside", write_outside, 1},
    {"file-symlink-out", symlink_out, 2},    {"file-hardlink-out", hardlink_out, 2},
    {"file-proc-environ", proc_environ, 1},  {"file-proc-fd", proc_fd, 1},
    {"file-proc-mem", proc_mem, 1},          {"file-launcher-exe", launcher_exe, 1},
    {"file-open-by-handle", open_by_handle, 1}, {"file-setuid-nnp", setuid_nnp, 0},
    {0},
};

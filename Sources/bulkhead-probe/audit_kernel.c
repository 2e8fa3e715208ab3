/* Audit probes, kernel-surface family: the interfaces kernel exploits start from, privileged
   operations, alternate system-call entry points, terminal injection, capabilities and descriptors.
   Where success would change the system, the probe makes a call that fails harmlessly *after* the
   kernel's permission checks (kexec_load with unknown flags, init_module of nothing, pivot_root onto a
   folder that is no mount point): an error from past those checks is the evidence. */
#define _GNU_SOURCE
#include "audit.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

extern char **environ;

static int got_fd(long fd, int e, const char *call, const char *what) {
    if (fd < 0) return audit_blocked(e, call, "%s", what);
    close((int)fd);
    return audit_escaped("%s: got descriptor %ld", what, fd);
}

static int bpf_map(int argc, char **argv) {
    (void)argc; (void)argv;
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 4;
    attr.max_entries = 1;
    long fd = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr);
    return got_fd(fd, errno, "bpf", "created an eBPF map (BPF_MAP_CREATE)");
}

static int perf(int argc, char **argv) {
    (void)argc; (void)argv;
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    attr.disabled = 1;
    long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
    return got_fd(fd, errno, "perf_event_open", "opened a perf event");
}

static int io_uring(int argc, char **argv) {
    (void)argc; (void)argv;
    struct io_uring_params params;
    memset(&params, 0, sizeof params);
    long fd = syscall(SYS_io_uring_setup, 1, &params);
    return got_fd(fd, errno, "io_uring_setup", "set up an io_uring (its operations bypass seccomp)");
}

static int uffd(int argc, char **argv) {
    (void)argc; (void)argv;
    long fd = syscall(SYS_userfaultfd, O_CLOEXEC);
    if (fd < 0 && errno == EPERM) fd = syscall(SYS_userfaultfd, O_CLOEXEC | 1 /* UFFD_USER_MODE_ONLY */);
    return got_fd(fd, errno, "userfaultfd", "made a userfaultfd (stalls page faults at will)");
}

static int keyring(int argc, char **argv) {
    (void)argc; (void)argv;
    long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0);
    if (id < 0) return audit_blocked(errno, "keyctl", "KEYCTL_GET_KEYRING_ID of the user keyring");
    return audit_escaped("reached the uid's kernel keyring (id %ld), shared with the host's processes of that uid", id);
}

static int kexec(int argc, char **argv) {
    (void)argc; (void)argv;
    /* 0x100 is no kexec flag: past the CAP_SYS_BOOT check the kernel answers EINVAL and loads nothing. */
    long rc = syscall(SYS_kexec_load, 0, 0, NULL, 0x100UL);
    if (rc == 0) return audit_escaped("kexec_load accepted a call");
    if (errno == EINVAL) return audit_escaped("kexec_load passed the CAP_SYS_BOOT check (EINVAL for the unknown flag)");
    return audit_blocked(errno, "kexec_load", "with an unknown flag");
}

static int init_module(int argc, char **argv) {
    (void)argc; (void)argv;
    long rc = syscall(SYS_init_module, NULL, 0UL, "");
    if (rc == 0) return audit_escaped("init_module accepted nothing");
    if (errno == ENOEXEC || errno == EFAULT || errno == EINVAL)
        return audit_escaped("init_module passed the CAP_SYS_MODULE check (%s for an empty image)", strerrorname_np(errno));
    return audit_blocked(errno, "init_module", "an empty image");
}

static int do_mount(int argc, char **argv) {
    (void)argc;
    if (mount("bulkhead-audit", argv[0], "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k") != 0)
        return audit_blocked(errno, "mount", "a tmpfs on %s", argv[0]);
    umount2(argv[0], MNT_DETACH);
    return audit_escaped("mounted a tmpfs on %s in the host's mount table (and unmounted it)", argv[0]);
}

static int do_umount(int argc, char **argv) {
    (void)argc;
    if (umount2(argv[0], 0) == 0) return audit_escaped("unmounted %s", argv[0]);
    if (errno == EINVAL) return audit_escaped("umount2 passed the CAP_SYS_ADMIN check (EINVAL: %s is no mount point)", argv[0]);
    return audit_blocked(errno, "umount2", "%s", argv[0]);
}

static int do_pivot_root(int argc, char **argv) {
    (void)argc;
    /* The folder is no mount point: the kernel refuses with EINVAL once the caller may pivot at all. */
    if (syscall(SYS_pivot_root, argv[0], argv[0]) == 0) return audit_escaped("pivot_root succeeded");
    if (errno == EINVAL || errno == EBUSY)
        return audit_escaped("pivot_root passed the CAP_SYS_ADMIN check (%s on a folder that is no mount point)", strerrorname_np(errno));
    return audit_blocked(errno, "pivot_root", "%s", argv[0]);
}

static int do_chroot(int argc, char **argv) {
    (void)argc;
    if (chroot(argv[0]) != 0) return audit_blocked(errno, "chroot", "%s", argv[0]);
    return audit_escaped("changed its root directory to %s (chroot)", argv[0]);
}

static const struct { const char *name; int flag; } namespace_flags[] = {
    {"mount", CLONE_NEWNS}, {"uts", CLONE_NEWUTS}, {"ipc", CLONE_NEWIPC}, {"net", CLONE_NEWNET},
    {"pid", CLONE_NEWPID},  {"cgroup", CLONE_NEWCGROUP}, {"user", CLONE_NEWUSER},
};

static int do_unshare(int argc, char **argv) {
    (void)argc; (void)argv;
    char made[128] = "";
    int first_errno = 0;
    for (size_t i = 0; i < sizeof namespace_flags / sizeof namespace_flags[0]; i++) {
        if (syscall(SYS_unshare, namespace_flags[i].flag) == 0) {
            strcat(made, " ");
            strcat(made, namespace_flags[i].name);
        } else if (!first_errno) {
            first_errno = errno;
        }
    }
    if (made[0]) return audit_escaped("unshare made new namespaces:%s", made);
    return audit_blocked(first_errno, "unshare", "every namespace flag");
}

static int clone_namespace(int argc, char **argv) {
    (void)argc; (void)argv;
    /* Like fork (no new stack: the child runs on a copy of this one), in a new user namespace. */
    long pid = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), 0UL, NULL, NULL, 0UL);
    if (pid < 0) return audit_blocked(errno, "clone", "CLONE_NEWUSER");
    if (pid == 0) syscall(SYS_exit_group, 0);
    waitpid((pid_t)pid, NULL, 0);
    return audit_escaped("clone made a child in a new user namespace (pid %ld)", pid);
}

static int clone3_namespace(int argc, char **argv) {
    (void)argc; (void)argv;
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_NEWUSER;
    args.exit_signal = SIGCHLD;
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0) return audit_blocked(errno, "clone3", "CLONE_NEWUSER");
    if (pid == 0) syscall(SYS_exit_group, 0);
    waitpid((pid_t)pid, NULL, 0);
    return audit_escaped("clone3 made a child in a new user namespace (pid %ld)", pid);
}

static int do_setns(int argc, char **argv) {
    (void)argc;
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/ns/net", argv[0]);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return audit_blocked(errno, "openat", "%s", path);
    long rc = syscall(SYS_setns, fd, CLONE_NEWNET);
    int e = errno;
    close(fd);
    if (rc != 0) return audit_blocked(e, "setns", "the network namespace of process %s", argv[0]);
    return audit_escaped("joined the network namespace of process %s outside the task (setns)", argv[0]);
}

static int do_personality(int argc, char **argv) {
    (void)argc; (void)argv;
    if (syscall(SYS_personality, (unsigned long)(PER_LINUX | READ_IMPLIES_EXEC)) == -1)
        return audit_blocked(errno, "personality", "PER_LINUX|READ_IMPLIES_EXEC");
    long now = syscall(SYS_personality, 0xffffffffUL);
    if (now != -1 && (now & READ_IMPLIES_EXEC)) return audit_escaped("set READ_IMPLIES_EXEC: every readable mapping of a new program is executable");
    return audit_blocked(EINVAL, "personality", "READ_IMPLIES_EXEC did not stick (now 0x%lx)", now);
}

#if defined(__x86_64__)
static long int80(long nr, long a1, long a2) {
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a1), "c"(a2) : "memory");
    return ret;
}

static int int80_getpid(int argc, char **argv) {
    (void)argc; (void)argv;
    long rc = int80(20, 0, 0); /* getpid in the i386 table */
    if (rc < 0 && rc >= -4095) return audit_blocked((int)-rc, "int0x80", "getpid through the i386 entry point");
    return audit_escaped("int 0x80 entered the i386 system-call table (getpid gave %ld)", rc);
}

static int x32_getpid(int argc, char **argv) {
    (void)argc; (void)argv;
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(39L | 0x40000000L) : "rcx", "r11", "memory");
    if (ret < 0 && ret >= -4095) return audit_blocked((int)-ret, "x32", "getpid with the x32 bit set");
    return audit_escaped("the x32 entry point answered getpid (%ld)", ret);
}

static int socketcall(int argc, char **argv) {
    (void)argc; (void)argv;
    /* The i386 socketcall multiplexer takes a pointer to its arguments, which must lie below 4 GiB. */
    unsigned int *args = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (args == MAP_FAILED) return audit_na("no memory below 4 GiB for the arguments");
    args[0] = 2; /* AF_INET */
    args[1] = 1; /* SOCK_STREAM */
    args[2] = 0;
    long rc = int80(102, 1 /* SYS_SOCKET */, (long)(unsigned long)args);
    if (rc < 0 && rc >= -4095) return audit_blocked((int)-rc, "int0x80", "socketcall(SYS_SOCKET, AF_INET)");
    return audit_escaped("made an AF_INET socket (descriptor %ld) through the i386 socketcall multiplexer", rc);
}
#else
static int int80_getpid(int argc, char **argv) { (void)argc; (void)argv; return audit_na("not x86_64"); }
static int x32_getpid(int argc, char **argv) { (void)argc; (void)argv; return audit_na("not x86_64"); }
static int socketcall(int argc, char **argv) { (void)argc; (void)argv; return audit_na("not x86_64"); }
#endif

static int memfd_exec(int argc, char **argv) {
    (void)argc; (void)argv;
    int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (self < 0) return audit_blocked(errno, "openat", "/proc/self/exe");
    struct stat st;
    if (fstat(self, &st) != 0) return audit_blocked(errno, "fstat", "/proc/self/exe");
    int fd = (int)syscall(SYS_memfd_create, "bulkhead-audit", 0U);
    if (fd < 0) return audit_blocked(errno, "memfd_create", "an anonymous file");
    off_t offset = 0;
    while (offset < st.st_size)
        if (sendfile(fd, self, &offset, (size_t)(st.st_size - offset)) <= 0) return audit_blocked(errno, "sendfile", "into the memfd");
    close(self);
    char *const args[] = {"bulkhead-probe", "audit", "kern-memfd-landed", NULL};
    syscall(SYS_execveat, fd, "", args, environ, AT_EMPTY_PATH);
    return audit_blocked(errno, "execveat", "the program in the memfd");
}

static int memfd_landed(int argc, char **argv) {
    (void)argc; (void)argv;
    return audit_escaped("ran a program from a memfd that never touched a file system (memfd_create + execveat)");
}

/* A pseudo-terminal of the probe's own: injecting into it disturbs nobody. */
static int terminal_ioctl(const char *name, unsigned long request, int high) {
    if (high) request |= 0x100000000UL; /* the kernel reads only the low 32 bits */
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) return audit_blocked(errno, "openat", "/dev/ptmx");
    if (grantpt(master) != 0 || unlockpt(master) != 0) return audit_blocked(errno, "ioctl", "unlocking the pseudo-terminal");
    char *slave_name = ptsname(master);
    int slave = slave_name ? open(slave_name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
    if (slave < 0) return audit_blocked(errno, "openat", "%s", slave_name ? slave_name : "the terminal");
    char c = 0; /* TIOCLINUX subcode 0 is no command; TIOCSTI injects a NUL */
    long rc = syscall(SYS_ioctl, slave, request, &c);
    int e = errno;
    close(slave);
    close(master);
    const char *how = high ? " with high bits set on the request" : "";
    if (rc == 0) return audit_escaped("%s%s: the call went through", name, how);
    if (!strcmp(name, "TIOCLINUX") && (e == ENOTTY || e == EINVAL))
        return audit_escaped("TIOCLINUX%s reached the kernel (%s: a pseudo-terminal is no virtual console)", how, strerrorname_np(e));
    return audit_blocked(e, "ioctl", "%s%s", name, how);
}

static int tiocsti(int argc, char **argv) { (void)argc; (void)argv; return terminal_ioctl("TIOCSTI", TIOCSTI, 0); }
static int tiocsti_high(int argc, char **argv) { (void)argc; (void)argv; return terminal_ioctl("TIOCSTI", TIOCSTI, 1); }
static int tioclinux(int argc, char **argv) { (void)argc; (void)argv; return terminal_ioctl("TIOCLINUX", TIOCLINUX, 0); }
static int tioclinux_high(int argc, char **argv) { (void)argc; (void)argv; return terminal_ioctl("TIOCLINUX", TIOCLINUX, 1); }

static int capset_regain(int argc, char **argv) {
    (void)argc; (void)argv;
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) != 0) return audit_blocked(errno, "capget", "the own capabilities");
    /* Ask for CAP_SYS_ADMIN in all three sets: only a task that still holds it in its permitted set may. */
    data[0].permitted |= 1U << CAP_SYS_ADMIN;
    data[0].effective |= 1U << CAP_SYS_ADMIN;
    if (syscall(SYS_capset, &header, data) != 0) return audit_blocked(errno, "capset", "CAP_SYS_ADMIN");
    return audit_escaped("holds CAP_SYS_ADMIN in its effective set after capset");
}

static unsigned long long status_hex(const char *buf, const char *key) {
    const char *line = strstr(buf, key);
    return line ? strtoull(line + strlen(key), NULL, 16) : 0;
}

static int file_caps(int argc, char **argv) {
    (void)argc; (void)argv;
    char buf[4096];
    long n = audit_read_file("/proc/self/status", buf, sizeof buf);
    if (n < 0) return audit_blocked((int)-n, "openat", "/proc/self/status");
    const char *nnp = strstr(buf, "NoNewPrivs:");
    if (nnp && atoi(nnp + strlen("NoNewPrivs:")) == 1)
        return audit_blocked_by("no_new_privs", "execve", "file capabilities of an executed program are not granted");
    unsigned long long bounding = status_hex(buf, "CapBnd:");
    if (!bounding) return audit_blocked_by("bounding_set", "execve", "the bounding set is empty: file capabilities grant nothing");
    return audit_escaped("no_new_privs is off and the bounding set is 0x%llx: a program with file capabilities gains them", bounding);
}

static int inherited_fds(int argc, char **argv) {
    (void)argc; (void)argv;
    DIR *d = opendir("/proc/self/fd");
    if (!d) return audit_blocked(errno, "openat", "/proc/self/fd");
    int self = dirfd(d), found = -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        int fd = atoi(e->d_name);
        if (fd > 2 && fd != self) { found = fd; break; }
    }
    closedir(d);
    if (found < 0) return audit_blocked_by("closed", "close_range", "no descriptor beyond stdin, stdout and stderr reached the task");
    char path[64], target[512];
    snprintf(path, sizeof path, "/proc/self/fd/%d", found);
    ssize_t len = readlink(path, target, sizeof target - 1);
    target[len < 0 ? 0 : len] = 0;
    return audit_escaped("inherited descriptor %d (%s) from the launcher", found, target);
}

const struct audit_probe audit_kernel_probes[] = {
    {"kern-bpf", bpf_map, 0},               {"kern-perf-event", perf, 0},
    {"kern-io-uring", io_uring, 0},         {"kern-userfaultfd", uffd, 0},
    {"kern-keyctl", keyring, 0},            {"kern-kexec", kexec, 0},
    {"kern-init-module", init_module, 0},   {"kern-mount", do_mount, 1},
    {"kern-umount", do_umount, 1},          {"kern-pivot-root", do_pivot_root, 1},
    {"kern-chroot", do_chroot, 1},          {"kern-unshare", do_unshare, 0},
    {"kern-clone-newuser", clone_namespace, 0}, {"kern-clone3-newuser", clone3_namespace, 0},
    {"kern-setns", do_setns, 1},            {"kern-personality", do_personality, 0},
    {"kern-int80", int80_getpid, 0},        {"kern-x32", x32_getpid, 0},
    {"kern-socketcall", socketcall, 0},     {"kern-memfd-exec", memfd_exec, 0},
    {"kern-memfd-landed", memfd_landed, 0}, {"kern-tiocsti", tiocsti, 0},
    {"kern-tiocsti-high", tiocsti_high, 0}, {"kern-tioclinux", tioclinux, 0},
    {"kern-tioclinux-high", tioclinux_high, 0}, {"kern-capset", capset_regain, 0},
    {"kern-file-caps", file_caps, 0},       {"kern-inherited-fds", inherited_fds, 0},
    {0},
};

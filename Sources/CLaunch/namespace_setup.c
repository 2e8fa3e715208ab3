/* Child code (see child.c for its rules: raw system calls on the prepared block, no libc, no literal,
   no global): what the namespaces the child was cloned into need before the task may run. It runs in
   the child the clone put into them: pid 1 of a new pid namespace, or else the task itself. The few
   names it needs ("/", "/proc", "lo") are spelled into stack arrays one character at a time: a string
   literal would live in .rodata, which the child's copy of memory may not have (spawn.c). */
#define _GNU_SOURCE
#include "child.h"
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>

static void check(struct bh_spawn_spec *spec, long r, unsigned long flag) {
    if (r < 0) bh_child_fail(spec, BH_STAGE_NAMESPACES, -r, flag);
}

/* The mount namespace starts as a copy of the launcher's, with shared propagation where the host uses
   it: a mount made inside would appear on the host, and the host's later mounts inside. So everything is
   made private, recursively, before anything is mounted (mount_namespaces(7)). */
static void make_mounts_private(struct bh_spawn_spec *spec) {
    char root[2];
    root[0] = '/'; root[1] = 0;
    check(spec, sys(SYS_mount, 0, (long)root, 0, MS_REC | MS_PRIVATE, 0), CLONE_NEWNS);
}

/* A /proc of the new pid namespace over the old one, so that the task's /proc (ps, /proc/self) shows its
   own processes only. Must be mounted by a process inside that namespace: procfs takes the pid
   namespace of whoever mounts it. */
static void mount_proc(struct bh_spawn_spec *spec) {
    char path[6], type[5];
    path[0] = '/'; path[1] = 'p'; path[2] = 'r'; path[3] = 'o'; path[4] = 'c'; path[5] = 0;
    type[0] = 'p'; type[1] = 'r'; type[2] = 'o'; type[3] = 'c'; type[4] = 0;
    check(spec, sys(SYS_mount, (long)type, (long)path, (long)type, MS_NOSUID | MS_NODEV | MS_NOEXEC, 0), CLONE_NEWPID);
}

/* A new network namespace has a loopback device, down. Up, a server and a client inside one task can
   talk over 127.0.0.1 and ::1; nothing else exists to reach. */
static void bring_loopback_up(struct bh_spawn_spec *spec) {
    long fd = sys(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0, 0, 0);
    check(spec, fd, CLONE_NEWNET);
    struct ifreq request;
    /* Only the name and the flags are read by SIOCSIFFLAGS; a field-by-field zeroing, not a memset call. */
    for (unsigned i = 0; i < sizeof request.ifr_name; i++) ((volatile char *)request.ifr_name)[i] = 0;
    request.ifr_name[0] = 'l'; request.ifr_name[1] = 'o';
    long r = sys(SYS_ioctl, fd, SIOCGIFFLAGS, (long)&request, 0, 0);
    if (r >= 0) {
        request.ifr_flags |= IFF_UP;
        r = sys(SYS_ioctl, fd, SIOCSIFFLAGS, (long)&request, 0, 0);
    }
    sys(SYS_close, fd, 0, 0, 0, 0);
    check(spec, r, CLONE_NEWNET);
}

void bh_enter_namespaces(struct bh_spawn_spec *spec) {
    unsigned long flags = spec->namespaces;
    if (flags & CLONE_NEWNS) {
        make_mounts_private(spec);
        if (flags & CLONE_NEWPID) mount_proc(spec);
    }
    if ((flags & CLONE_NEWUTS) && spec->hostname)
        check(spec, sys(SYS_sethostname, (long)spec->hostname, spec->hostname_length, 0, 0, 0), CLONE_NEWUTS);
    if (flags & CLONE_NEWNET) bring_loopback_up(spec);
}

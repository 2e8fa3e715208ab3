/* Raw system call wrappers for the parent side (Swift cannot call variadic syscall()). */
#define _GNU_SOURCE
#include "child.h"
#include <errno.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <stdio.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

int bh_pidfd_send_signal(int pidfd, int sig) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int bh_waitid_pidfd(int pidfd, siginfo_t *info, int options, struct rusage *usage) {
    return (int)syscall(SYS_waitid, P_PIDFD, pidfd, info, options, usage);
}

int bh_capget_effective(uint64_t *effective, uint64_t *permitted) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) < 0) return -1;
    *effective = (uint64_t)data[0].effective | ((uint64_t)data[1].effective << 32);
    *permitted = (uint64_t)data[0].permitted | ((uint64_t)data[1].permitted << 32);
    return 0;
}

int bh_siginfo_code(const siginfo_t *info) { return info->si_code; }
int bh_siginfo_status(const siginfo_t *info) { return info->si_status; }

int bh_set_dumpable(int dumpable) {
    return (int)syscall(SYS_prctl, PR_SET_DUMPABLE, dumpable, 0, 0, 0);
}

pid_t bh_gettid(void) { return (pid_t)syscall(SYS_gettid); }

int bh_set_child_subreaper(void) {
    return (int)syscall(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

long bh_filesystem_type(const char *path) {
    struct statfs info;
    if (statfs(path, &info) < 0) return -1;
    return (long)info.f_type;
}

int bh_landlock_fs_ruleset(uint64_t handled_fs, int scope_signals) {
    /* struct landlock_ruleset_attr: handled_access_fs, handled_access_net (ABI 4), scoped (ABI 6). Only
       as long as needed: a kernel of an older ABI refuses a size it does not know. */
    uint64_t attr[3] = { handled_fs, 0, scope_signals ? BH_LANDLOCK_SCOPE_SIGNAL : 0 };
    size_t size = scope_signals ? sizeof attr : sizeof attr[0];
    return (int)syscall(BH_SYS_landlock_create_ruleset, attr, size, 0);
}

int bh_landlock_ruleset(uint64_t handled_fs, uint64_t handled_net, uint64_t scoped) {
    uint64_t attr[3] = { handled_fs, handled_net, scoped };
    size_t size = scoped ? sizeof attr : handled_net ? 2 * sizeof attr[0] : sizeof attr[0];
    return (int)syscall(BH_SYS_landlock_create_ruleset, attr, size, 0);
}

int bh_landlock_allow_port(int ruleset, uint64_t port, uint64_t access) {
    /* struct landlock_net_port_attr: two __u64, not packed. */
    uint64_t rule[2] = { access, port };
    return (int)syscall(BH_SYS_landlock_add_rule, ruleset, 2 /* LANDLOCK_RULE_NET_PORT */, rule, 0);
}

int bh_landlock_allow_beneath(int ruleset, int parent_fd, uint64_t access) {
    /* struct landlock_path_beneath_attr is packed: 12 bytes. */
    struct __attribute__((packed)) { uint64_t allowed_access; int32_t parent_fd; } rule = { access, parent_fd };
    return (int)syscall(BH_SYS_landlock_add_rule, ruleset, 1 /* LANDLOCK_RULE_PATH_BENEATH */, &rule, 0);
}

int bh_landlock_abi(void) {
    /* landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) */
    return (int)syscall(BH_SYS_landlock_create_ruleset, NULL, 0, 1);
}

int bh_mount_setattr_available(void) {
    /* By the kernel's release, not by calling it: bulkhead may itself run under a filter that kills on
       mount_setattr (its own default policy does), and a probe would end bulkhead instead of answering. */
    struct utsname name;
    if (uname(&name) != 0) return 0;
    int major = 0, minor = 0;
    if (sscanf(name.release, "%d.%d", &major, &minor) != 2) return 0;
    return major > 5 || (major == 5 && minor >= 12);
}

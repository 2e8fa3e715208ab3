#ifndef BULKHEAD_HOST_PROBE_H
#define BULKHEAD_HOST_PROBE_H
/* What `bulkhead doctor` asks the kernel directly: calls Swift cannot make (variadic syscall(), clone
   with namespace flags) and the short-lived children that try what a launch would do. Every function
   answers by trying, never by reading a version number: a seccomp filter bulkhead itself runs under, a
   security module or a sysctl can take away what the kernel release would promise. */
#include <stdint.h>
#include <sys/types.h>

/* seccomp return actions, as SECCOMP_GET_ACTION_AVAIL takes them (linux/seccomp.h). */
#define BH_SECCOMP_RET_KILL_PROCESS 0x80000000U
#define BH_SECCOMP_RET_KILL_THREAD  0x00000000U
#define BH_SECCOMP_RET_TRAP         0x00030000U
#define BH_SECCOMP_RET_ERRNO        0x00050000U
#define BH_SECCOMP_RET_USER_NOTIF   0x7fc00000U
#define BH_SECCOMP_RET_TRACE        0x7ff00000U
#define BH_SECCOMP_RET_LOG          0x7ffc0000U
#define BH_SECCOMP_RET_ALLOW        0x7fff0000U

/* seccomp(SECCOMP_GET_ACTION_AVAIL) for one action: 0 when the kernel knows it, else -1 with errno
   (EOPNOTSUPP: an action the kernel does not know; ENOSYS, EPERM: seccomp(2) itself refused). */
int bh_probe_seccomp_action(uint32_t action);

/* seccomp(SECCOMP_GET_NOTIF_SIZES) (Linux 5.0): the sizes of the user-notification structures, or -1
   with errno. */
int bh_probe_seccomp_notif_sizes(uint16_t *_Nonnull notif, uint16_t *_Nonnull resp, uint16_t *_Nonnull data);

/* pidfd_open(2) of this process and pidfd_send_signal(2) of signal 0 through it: 0 each when it
   worked, else -1 with errno in *open_errno / *signal_errno (signal is not tried without a pidfd). */
void bh_probe_pidfd(int *_Nonnull open_errno, int *_Nonnull signal_errno);

/* close_range(2) on a descriptor number nothing uses, without flags and with CLOSE_RANGE_CLOEXEC
   (Linux 5.11): 0 each when accepted, else the errno. */
void bh_probe_close_range(int *_Nonnull plain_errno, int *_Nonnull cloexec_errno);

/* keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, create): the serial of this uid's user keyring,
   or -1 with errno (ENOSYS, EPERM: a filter or a kernel without keys). */
int32_t bh_probe_user_keyring(void);

/* Steps of a namespace probe, in the order they are made. */
enum bh_probe_step {
    BH_PROBE_STEP_NONE = 0,
    BH_PROBE_STEP_FORK = 1,      /* the probe's own process (a plain fork) */
    BH_PROBE_STEP_IDENTITY = 2,  /* dropping to the uid and gid to try as */
    BH_PROBE_STEP_CLONE = 3,     /* clone with the namespace flags */
    BH_PROBE_STEP_SETGROUPS = 4, /* writing "deny" to the new user namespace's /proc/self/setgroups */
    BH_PROBE_STEP_UID_MAP = 5,   /* writing its uid_map */
    BH_PROBE_STEP_GID_MAP = 6,   /* writing its gid_map */
    BH_PROBE_STEP_WAIT = 7,      /* waiting for the child in the namespaces */
};

struct bh_namespace_probe {
    int step;   /* BH_PROBE_STEP_NONE when everything worked, else the step that failed */
    int error;  /* its errno */
    int signal; /* non-zero: a probe process was killed by this signal at `step` (a seccomp filter's SIGSYS) */
};

/* Tries to make a process in the namespaces `flags` (CLONE_NEW* bits) the way a launch would: a
   forked helper (only raw system calls: this process has other threads) that, when `uid` is not
   (uid_t)-1, first drops to uid/gid with no supplementary groups (needs root), then clones a child
   with `flags`; with CLONE_NEWUSER the child writes "deny" to setgroups and maps its own uid and gid
   (the one line an unprivileged process may write, user_namespaces(7)), then exits. The helper reports
   through a shared page. Returns 0 (and fills *result) once the helper was reaped, -1 with errno when
   it could not be started. */
int bh_probe_namespaces(unsigned long flags, uid_t uid, gid_t gid, struct bh_namespace_probe *_Nonnull result);

#endif

#ifndef BULKHEAD_LAUNCH_H
#define BULKHEAD_LAUNCH_H
/* The fork→exec path. Everything in bh_spawn_spec is prepared by the parent, and bh_spawn copies it into
   one block before the clone; the child only reads that block and makes raw system calls: no
   allocation, no locks, no libc (child.c). */
#include <stdint.h>
#include <sys/types.h>
#include <sys/resource.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>

/* rlimit resource numbers; glibc's enum does not import into Swift as plain integers. */
enum bh_resource {
    BH_RLIMIT_CPU = RLIMIT_CPU, BH_RLIMIT_FSIZE = RLIMIT_FSIZE, BH_RLIMIT_CORE = RLIMIT_CORE,
    BH_RLIMIT_STACK = RLIMIT_STACK, BH_RLIMIT_AS = RLIMIT_AS, BH_RLIMIT_NOFILE = RLIMIT_NOFILE,
    BH_RLIMIT_NPROC = RLIMIT_NPROC,
};

/* Setup stages, reported when the child fails before execve. LaunchStage.swift names each; CMirrorTests
   checks that the two agree. */
enum bh_stage {
    BH_STAGE_NONE = 0,
    BH_STAGE_SIGNALS = 1,
    BH_STAGE_SESSION = 2,
    BH_STAGE_PARENT_DEATH = 3,
    BH_STAGE_CGROUP = 4,
    BH_STAGE_STDIO = 5,
    BH_STAGE_CLOSE_FDS = 6,
    BH_STAGE_RLIMITS = 7,
    BH_STAGE_WORKDIR = 8,
    BH_STAGE_BOUNDING_SET = 9,
    BH_STAGE_IDENTITY = 10,
    BH_STAGE_CAPABILITIES = 11,
    BH_STAGE_NO_NEW_PRIVS = 12,
    BH_STAGE_SECCOMP = 13,
    BH_STAGE_EXEC = 14,
    BH_STAGE_CLONE = 15,
    BH_STAGE_LANDLOCK = 16,
    BH_STAGE_NAMESPACES = 17,
    BH_STAGE_MOUNT_VIEW = 18,
};

/* One write the child makes to a file of its own in /proc (a user namespace's uid_map, gid_map and
   setgroups): the parent prepares path and text, the child opens, writes and closes. */
struct bh_proc_write {
    const char *path;
    const char *text;
    long length;                     /* of text: the child calls no strlen, not even one the compiler writes */
};

/* One step of building the task's file-system view (MountView.swift prepares them, mount_view.c makes
   them). Paths are absolute in the launcher's staging root: the old root's files under old_root, the new
   root's under new_root. */
enum bh_mount_kind {                 /* single bits: the child tests them with &, which no compiler turns into a
                                        jump table (a table would be data the child must not read, child.c) */
    BH_MOUNT_BIND = 1 << 0,          /* bind source (recursively) at target, then set attr on every mount of it */
    BH_MOUNT_FS = 1 << 1,            /* mount a file system of type source at target with options data and attr
                                        (always nosuid and nodev; read-only and noexec as attr says) */
    BH_MOUNT_DIRECTORY = 1 << 2,     /* mkdir target */
    BH_MOUNT_FILE = 1 << 3,          /* create an empty file at target (what a bind of a file lands on) */
    BH_MOUNT_SYMLINK = 1 << 4,       /* symlink target -> source */
    BH_MOUNT_SET_ATTR = 1 << 5,      /* set attr on the mount at target alone (a finished tmpfs made read-only) */
    BH_MOUNT_LANDLOCK = 1 << 6,      /* add a Landlock rule granting attr (LANDLOCK_ACCESS_FS_*) beneath the
                                        directory at target to the view's landlock_ruleset: a file system the
                                        view made itself (a tmpfs, /proc) holds no host file the parent's rules
                                        name */
};

/* MOUNT_ATTR_* of linux/mount.h (mount_setattr(2)), which Swift does not see through this header. */
enum bh_mount_attr {
    BH_MOUNT_ATTR_RDONLY = 0x1,
    BH_MOUNT_ATTR_NOSUID = 0x2,
    BH_MOUNT_ATTR_NODEV = 0x4,
    BH_MOUNT_ATTR_NOEXEC = 0x8,
};

struct bh_mount_op {
    int kind;
    const char *source;
    const char *target;
    const char *data;
    uint64_t attr;                   /* BH_MOUNT_ATTR_* */
    unsigned mode;                   /* of a directory or file made */
};

/* The whole view: a staging tmpfs over `staging` becomes the root for a moment (old root at old_root,
   the view built under new_root), then new_root becomes the root and the rest is detached. Every string
   the child passes to the kernel is here: the child code may hold no literal (child.c). */
struct bh_mount_view {
    const char *staging;             /* an existing host directory, e.g. /tmp */
    const char *staging_new_root;    /* staging + new_root, staging + old_root: made before the first pivot */
    const char *staging_old_root;
    const char *new_root;            /* "/newroot" */
    const char *old_root;            /* "/oldroot" */
    const char *tmpfs;               /* "tmpfs" */
    const char *staging_data;        /* tmpfs options of the staging root */
    const char *root_data;           /* tmpfs options of the new root */
    const char *slash;               /* "/" */
    const char *dot;                 /* "." */
    const struct bh_mount_op *ops;
    int op_count;
    int landlock_ruleset;            /* for BH_MOUNT_LANDLOCK ops: the task's ruleset, not yet entered */
    int seal_root;                   /* 1: make the new root read-only at the end (its own tmpfs; 0 when a
                                        grant of / is bound over it and carries its own flags) */
};

struct bh_rlimit {
    int resource;
    uint64_t soft;
    uint64_t hard;
};

struct bh_spawn_spec {
    const char *path;
    char *const *argv;
    char *const *envp;
    const char *workdir;             /* NULL: keep the current directory */

    unsigned long namespaces;        /* CLONE_NEW* flags: the clone makes them, except CLONE_NEWCGROUP,
                                        which the task makes once it is in its cgroup (see child.c) */
    const struct bh_proc_write *proc_writes; /* the user namespace's maps: made first thing in the child,
                                                or right after `unshare_user` */
    int proc_write_count;
    int unshare_user;                /* 1: the task makes its user namespace itself, after its identity
                                        (CLONE_NEWUSER is then not among `namespaces`) */
    const char *hostname;            /* with CLONE_NEWUTS: the host name inside, hostname_length bytes */
    long hostname_length;
    const struct bh_mount_view *mount_view; /* NULL: the launcher's file system as it is */

    int stdio[3];                    /* -1: keep the inherited descriptor of that number */

    const int *cgroup_procs_fds;     /* cgroup.procs (v2) or tasks (v1), opened; the child writes "0" */
    int cgroup_count;

    const struct bh_rlimit *rlimits;
    int rlimit_count;

    int set_identity;                /* 1: setgroups/setresgid/setresuid below */
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    int group_count;

    int drop_bounding_set;           /* 1: PR_CAPBSET_DROP every capability not kept (needs CAP_SETPCAP) */
    int last_cap;                    /* /proc/sys/kernel/cap_last_cap */
    uint64_t keep_caps;              /* bit n: keep capability n in every set */

    int scope_signals;               /* 1: a Landlock domain that keeps the task's signals inside its own tree */
    int landlock_ruleset;            /* >= 3: a prepared Landlock ruleset the child enters instead of
                                        the signal-only one (it scopes signals itself); -1: none */

    const void *filter;              /* struct sock_filter[], NULL: no seccomp */
    unsigned short filter_len;       /* instructions */
    int notify;                      /* 1, with CLONE_NEWPID: the task loads the filter with a seccomp
                                        listener, which init sends over notify_socket (SCM_RIGHTS) and keeps
                                        (notify_child.c); 0: no listener */
    int notify_socket;
    int notify_receive;              /* with notify: the launcher's end of that socket; bh_spawn takes the
                                        listener from it while it waits for the task's execve */

    /* Set by bh_spawn in the child's copy. */
    pid_t parent_pid;
    void *result_page;               /* the page the child reports a failure through */
    int sync_fd;                     /* with CLONE_NEWPID: the write end (close-on-exec) of the pipe the
                                        parent reads until the task has exec'd or died; -1: none */
    int parent_pidfd;                /* with CLONE_NEWPID: the launcher, for init to check it still lives */
    int end_notice_fd;               /* with CLONE_NEWPID: the write end (close-on-exec) of the pipe init
                                        writes one byte to once the task has ended and nothing else is left
                                        in its namespace (pid_one.c); -1: none */

    /* Set on return from bh_spawn. */
    int failed_stage;                /* non-zero when the child failed before execve */
    int failed_errno;
    unsigned long failed_namespace;  /* with BH_STAGE_NAMESPACES: the CLONE_NEW* flag whose setup failed */
    void *init_report;               /* with CLONE_NEWPID: the page init reports the task's ending on (read
                                        it with bh_init_report_take once init is reaped, then free it) */
    int failed_detail;               /* BH_STAGE_MOUNT_VIEW: index of the op, or a negative BH_VIEW_STEP_* */
    int end_notice;                  /* with CLONE_NEWPID: the read end (close-on-exec) of that pipe, the
                                        caller's to close; -1: none */
    int listener;                    /* with notify: the task's seccomp listener, the caller's to close;
                                        -1 when it did not arrive (see bh_spawn) */
};

/* The steps of a mount view that are not ops, as failed_detail reports them. */
enum bh_view_step {
    BH_VIEW_STEP_PRIVATE = -1,       /* make every mount private */
    BH_VIEW_STEP_STAGING = -2,       /* the staging tmpfs and its two directories */
    BH_VIEW_STEP_FIRST_PIVOT = -3,
    BH_VIEW_STEP_NEW_ROOT = -4,      /* the tmpfs of the new root */
    BH_VIEW_STEP_DETACH_OLD = -5,    /* the staging root and the old root in it */
    BH_VIEW_STEP_SECOND_PIVOT = -6,
    BH_VIEW_STEP_SEAL_ROOT = -7,     /* the new root made read-only */
};

/* Sent to a pid namespace's init (pid_one.c) to end the task: init SIGKILLs every process of its
   namespace, reaps the task and reports it as killed by SIGKILL, with its resource usage. A plain
   SIGKILL of init would end the namespace as well, but lose that report. */
enum { BH_INIT_STOP_SIGNAL = 64 };

/* Starts the child. Returns 0 and sets *pid and *pidfd, or -1 with errno (stage BH_STAGE_CLONE).
   When the child failed before execve, spec->failed_stage is non-zero on return and the child has
   exited (status 127); the caller still reaps it through the pidfd. With notify, it returns once the
   task has exec'd, or once a notification waits on the listener before that: the policy refused the
   task's own execve, which waits for the caller to answer it. */
int bh_spawn(struct bh_spawn_spec *spec, pid_t *pid, int *pidfd);

/* What init reported about the task (pid namespace launches): 1 and the waitid-style code (CLD_EXITED,
   CLD_KILLED, CLD_DUMPED), status and resource usage of the task and the descendants it reaped; 0 when
   init ended without reporting (it was killed). */
int bh_init_report_take(const void *page, int *code, int *status, struct rusage *usage);
void bh_init_report_free(void *page);

/* Waits for the child behind `pidfd` and closes it, on a thread of its own; where no thread can be
   started, at once. For a pid namespace's init that has sent the end notice: its exit (the namespaces'
   teardown) is no part of the launch. exit() waits for the reaps under way. */
void bh_reap_later(int pidfd);

/* Raw wrappers Swift cannot call directly. */
int bh_pidfd_send_signal(int pidfd, int sig);
/* waitid(P_PIDFD) with the rusage argument of the raw system call. */
int bh_waitid_pidfd(int pidfd, siginfo_t *info, int options, struct rusage *usage);
int bh_capget_effective(uint64_t *effective, uint64_t *permitted);
int bh_set_dumpable(int dumpable);
int bh_set_child_subreaper(void);
pid_t bh_gettid(void);
/* The Landlock ABI version the kernel offers, or -1 with errno (ENOSYS, EOPNOTSUPP: none). */
int bh_landlock_abi(void);
/* A Landlock ruleset handling the file-system rights `handled_fs` and, with `scope_signals`, scoping
   signals (ABI 6): its descriptor (close-on-exec), or -1 with errno. */
int bh_landlock_fs_ruleset(uint64_t handled_fs, int scope_signals);
/* A Landlock ruleset handling `handled_fs` (file-system rights), `handled_net` (TCP rights, ABI 4) and
   `scoped` (scopes, ABI 6): its descriptor (close-on-exec), or -1 with errno. The attribute is passed only
   as long as the fields in use, so an older kernel takes what it knows. */
int bh_landlock_ruleset(uint64_t handled_fs, uint64_t handled_net, uint64_t scoped);
/* Adds a rule granting the TCP rights `access` on `port` (LANDLOCK_RULE_NET_PORT, ABI 4). */
int bh_landlock_allow_port(int ruleset, uint64_t port, uint64_t access);
/* Adds a rule granting `access` beneath the file or directory open as `parent_fd` (O_PATH is enough). */
int bh_landlock_allow_beneath(int ruleset, int parent_fd, uint64_t access);
/* statfs(2) f_type of the file system holding `path` (a *_SUPER_MAGIC), or -1 with errno. */
long bh_filesystem_type(const char *path);

/* 1 when the kernel has mount_setattr(2) (Linux 5.12), which sets a bind's flags on every mount beneath it. */
int bh_mount_setattr_available(void);

/* ---- seccomp user notification, the supervisor's side (notify.c, seccomp_unotify(2)) ---- */

/* One notified call, as SECCOMP_IOCTL_NOTIF_RECV reports it. */
struct bh_notification {
    uint64_t id;
    uint32_t pid;                    /* thread id, in the supervisor's pid namespace */
    int32_t nr;
    uint32_t arch;                   /* AUDIT_ARCH_* */
    uint64_t instruction_pointer;
    uint64_t args[6];
};

/* 1 when the kernel offers SECCOMP_RET_USER_NOTIF and SECCOMP_USER_NOTIF_FLAG_CONTINUE (Linux 5.5). */
int bh_notify_available(void);
/* A connected SOCK_SEQPACKET pair, close-on-exec, both above descriptor 2. 0, or -1 with errno. */
int bh_notify_socketpair(int fds[2]);
/* The descriptor sent over `socket` (SCM_RIGHTS), received close-on-exec without waiting; -1 with errno
   (EAGAIN: nothing was sent). */
int bh_notify_receive_fd(int socket);
/* The next notification (blocks unless the listener is non-blocking); 0, or -1 with errno (ENOENT: the
   thread was killed or its call interrupted before it was read). */
int bh_notify_receive(int listener, struct bh_notification *out);
/* Answers notification `id`: the call fails with -`error` (error > 0), returns `value` (error == 0), or,
   with `continue_call`, runs as if unfiltered. 0, or -1 with errno (ENOENT: the call is gone). */
int bh_notify_respond(int listener, uint64_t id, int error, int64_t value, int continue_call);
/* 1 while notification `id` is still pending (memory read for it still belongs to that call). */
int bh_notify_id_valid(int listener, uint64_t id);
/* Runs the classic BPF seccomp program on the call of `n`: the action it returns (SECCOMP_RET_*). The
   supervisor's oracle: the policy's own filter says what the call would have met. */
uint32_t bh_seccomp_evaluate(const void *filter, unsigned count, const struct bh_notification *n);
/* Reads up to `length` bytes of process `pid`'s memory at `address` (process_vm_readv); bytes read or -1. */
long bh_read_process_memory(pid_t pid, uint64_t address, void *to, unsigned long length);

/* siginfo_t accessors: the fields are macros over unions. */
int bh_siginfo_code(const siginfo_t *info);
int bh_siginfo_status(const siginfo_t *info);

#endif

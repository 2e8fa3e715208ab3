/* Audit probes, resource family. Each takes a safety cap from the auditor (just past the policy's
   limit, or a modest amount when there is none) and stops there: reaching the cap is the escape,
   failing before it (or being killed) is the block. Nothing outlives the probe: children are killed,
   the disk file is unlinked before the first write. */
#define _GNU_SOURCE
#include "audit.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long cap_of(const char *arg) { long n = strtol(arg, NULL, 10); return n > 0 ? n : 1; }

static int fork_bomb(int argc, char **argv) {
    (void)argc;
    long cap = cap_of(argv[0]), count = 0;
    pid_t *pids = calloc((size_t)cap, sizeof *pids);
    if (!pids) return audit_na("no memory for %ld pids", cap);
    int e = 0;
    for (; count < cap; count++) {
        pid_t pid = fork();
        if (pid == 0) { pause(); _exit(0); }
        if (pid < 0) { e = errno; break; }
        pids[count] = pid;
    }
    for (long i = 0; i < count; i++) kill(pids[i], SIGKILL);
    for (long i = 0; i < count; i++) waitpid(pids[i], NULL, 0);
    free(pids);
    if (count < cap) return audit_blocked(e, "fork", "after %ld processes", count);
    return audit_escaped("started %ld processes (the probe's cap) without being stopped", count);
}

static void *idle_thread(void *arg) { pause(); return arg; }

static int thread_bomb(int argc, char **argv) {
    (void)argc;
    long cap = cap_of(argv[0]), count = 0;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    int e = 0;
    for (; count < cap; count++) {
        pthread_t t;
        e = pthread_create(&t, &attr, idle_thread, NULL);
        if (e != 0) break;
    }
    /* exit_group (returning from main) ends the paused threads. */
    if (count < cap) return audit_blocked(e, "clone", "after %ld threads", count);
    return audit_escaped("started %ld threads (the probe's cap) without being stopped", count);
}

static int memory_bomb(int argc, char **argv) {
    (void)argc;
    long cap = cap_of(argv[0]), mib = 0;
    for (; mib < cap; mib += 16) {
        char *p = mmap(NULL, 16UL << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return audit_blocked(errno, "mmap", "after %ld MiB", mib);
        for (size_t i = 0; i < (16UL << 20); i += 4096) p[i] = 1; /* charged only when touched */
    }
    return audit_escaped("held %ld MiB of touched memory (the probe's cap) without being stopped", mib);
}

static int cpu_spin(int argc, char **argv) {
    (void)argc;
    double cap = strtod(argv[0], NULL);
    struct timespec ts;
    volatile unsigned long spins = 0;
    do {
        for (int i = 0; i < 1000000; i++) spins++;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    } while ((double)ts.tv_sec + ts.tv_nsec / 1e9 < cap);
    return audit_escaped("spun %.1f s of CPU (the probe's cap) without being stopped", cap);
}

static int disk_fill(int argc, char **argv) {
    (void)argc;
    long cap = cap_of(argv[1]);
    char path[4096];
    snprintf(path, sizeof path, "%s/bulkhead-audit-fill-XXXXXX", argv[0]);
    int fd = mkostemp(path, O_CLOEXEC);
    if (fd < 0) return audit_blocked(errno, "openat", "O_CREAT in %s", argv[0]);
    unlink(path); /* the space goes back when the probe ends, however it ends */
    signal(SIGXFSZ, SIG_IGN); /* EFBIG instead of death at file-size */
    static char chunk[1 << 20];
    memset(chunk, 'x', sizeof chunk);
    long mib = 0;
    for (; mib < cap; mib++) {
        ssize_t n = write(fd, chunk, sizeof chunk);
        if (n != (ssize_t)sizeof chunk) {
            int e = n < 0 ? errno : EFBIG;
            close(fd);
            return audit_blocked(e, "write", "after %ld MiB", mib);
        }
    }
    close(fd);
    return audit_escaped("wrote %ld MiB to one file (the probe's cap) without being stopped", mib);
}

static int open_files(int argc, char **argv) {
    (void)argc;
    long cap = cap_of(argv[0]), count = 0;
    /* A hostile task first raises its soft limit as far as the hard one allows. */
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) == 0) { r.rlim_cur = r.rlim_max; setrlimit(RLIMIT_NOFILE, &r); }
    for (; count < cap; count++)
        if (open("/dev/null", O_RDONLY | O_CLOEXEC) < 0) return audit_blocked(errno, "openat", "after %ld descriptors", count);
    return audit_escaped("held %ld open descriptors (the probe's cap) without being stopped", count);
}

static int inotify_instances(int argc, char **argv) {
    (void)argc;
    long cap = cap_of(argv[0]), count = 0;
    for (; count < cap; count++)
        if (inotify_init1(IN_CLOEXEC) < 0) return audit_blocked(errno, "inotify_init1", "after %ld instances", count);
    return audit_escaped("held %ld inotify instances (the probe's cap) from the uid's share, which the host's processes of that uid use too", count);
}

/* Watches on distinct directories under /usr (read-only: nothing is made), up to the cap or as many
   directories as there are. */
static int inotify_watches(int argc, char **argv) {
    (void)argc;
    long cap = cap_of(argv[0]), count = 0;
    int fd = inotify_init1(IN_CLOEXEC);
    if (fd < 0) return audit_blocked(errno, "inotify_init1", "an inotify instance");
    /* Breadth-first over directory paths kept in one growing list. */
    size_t capacity = 4096, head = 0, tail = 0;
    char **queue = calloc(capacity, sizeof *queue);
    if (!queue) return audit_na("no memory");
    queue[tail++] = strdup("/usr");
    int e = 0;
    while (head < tail && count < cap) {
        char *dir = queue[head++];
        if (inotify_add_watch(fd, dir, IN_ACCESS | IN_ONLYDIR) >= 0) {
            count++;
        } else if (errno == ENOSPC || errno == ENOMEM) {
            e = errno;
            break;
        }
        DIR *d = opendir(dir);
        struct dirent *entry;
        while (d && (entry = readdir(d)) && tail < capacity) {
            if (entry->d_type != DT_DIR || entry->d_name[0] == '.') continue;
            char *child = malloc(strlen(dir) + strlen(entry->d_name) + 2);
            if (!child) break;
            sprintf(child, "%s/%s", dir, entry->d_name);
            queue[tail++] = child;
        }
        if (d) closedir(d);
    }
    if (e) return audit_blocked(e, "inotify_add_watch", "after %ld watches", count);
    if (count < cap && count < 64) return audit_na("only %ld directories under /usr to watch", count);
    return audit_escaped("held %ld inotify watches (the probe's cap, or every directory it found) from the uid's share, which the host's processes of that uid use too", count);
}

const struct audit_probe audit_resource_probes[] = {
    {"res-fork-bomb", fork_bomb, 1},     {"res-thread-bomb", thread_bomb, 1},
    {"res-memory-bomb", memory_bomb, 1}, {"res-cpu-spin", cpu_spin, 1},
    {"res-disk-fill", disk_fill, 2},     {"res-open-files", open_files, 1},
    {"res-inotify", inotify_instances, 1}, {"res-inotify-watches", inotify_watches, 1},
    {0},
};

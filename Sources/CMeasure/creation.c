#include "internal.h"
#include "measure.h"
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

static void *bh_empty_thread(void *argument) { return argument; }

int bh_measure_thread_create_join(double *seconds, int count) {
    int filled = 0;
    for (int i = 0; i < count; i++) {
        pthread_t thread;
        double start = bh_now();
        int rc = pthread_create(&thread, NULL, bh_empty_thread, NULL);
        if (rc != 0) return filled > 0 ? filled : -rc;
        pthread_join(thread, NULL);
        seconds[filled++] = bh_now() - start;
    }
    return filled;
}

int bh_measure_fork_wait(double *seconds, int count) {
    int filled = 0;
    for (int i = 0; i < count; i++) {
        double start = bh_now();
        pid_t pid = fork();
        if (pid < 0) return filled > 0 ? filled : -errno;
        if (pid == 0) _exit(0);   /* the child runs nothing else: no Swift, no allocation */
        int status = bh_wait_status(pid);
        double elapsed = bh_now() - start;
        if (status == 0) seconds[filled++] = elapsed;
    }
    return filled;
}

int bh_measure_fork_exec_wait(const char *path, double *seconds, int count) {
    /* argv and envp are built before the fork: the child only calls execve and _exit. */
    char *const argv[] = {(char *)path, NULL};
    char *const envp[] = {NULL};
    int filled = 0;
    for (int i = 0; i < count; i++) {
        double start = bh_now();
        pid_t pid = fork();
        if (pid < 0) return filled > 0 ? filled : -errno;
        if (pid == 0) { execve(path, argv, envp); _exit(127); }
        int status = bh_wait_status(pid);
        double elapsed = bh_now() - start;
        if (status == 0) seconds[filled++] = elapsed;
    }
    return filled;
}

int bh_measure_posix_spawn_wait(const char *path, double *seconds, int count) {
    char *const argv[] = {(char *)path, NULL};
    char *const envp[] = {NULL};
    int filled = 0;
    for (int i = 0; i < count; i++) {
        double start = bh_now();
        pid_t pid;
        int rc = posix_spawn(&pid, path, NULL, NULL, argv, envp);
        if (rc != 0) return filled > 0 ? filled : -rc;
        int status = bh_wait_status(pid);
        double elapsed = bh_now() - start;
        if (status == 0) seconds[filled++] = elapsed;
    }
    return filled;
}

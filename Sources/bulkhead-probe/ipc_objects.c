/* IPC objects that belong to a namespace rather than a process: a task that leaves them behind keeps
   their memory charged after it ended, unless it had an IPC namespace of its own. */
#define _GNU_SOURCE
#include "probe.h"
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

int mode_ipc_leave(const char *key_text, const char *bytes_text, int sysv_only) {
    key_t key = (key_t)parse_num(key_text);
    size_t bytes = (size_t)parse_num(bytes_text);
    int shm = shmget(key, bytes, IPC_CREAT | 0600);
    if (shm < 0) return fail_errno("shmget", errno);
    char *memory = shmat(shm, NULL, 0);
    if (memory == (void *)-1) return fail_errno("shmat", errno);
    memset(memory, 1, bytes); /* charged to the task's memory cgroup now */
    shmdt(memory);
    if (msgget(key, IPC_CREAT | 0600) < 0) return fail_errno("msgget", errno);
    if (semget(key, 1, IPC_CREAT | 0600) < 0) return fail_errno("semget", errno);
    if (sysv_only) { printf("ipc-leave: ok\n"); return EXIT_OK; }
    char name[64];
    snprintf(name, sizeof name, "/bulkhead-probe-%s", key_text);
    mqd_t queue = mq_open(name, O_CREAT | O_RDWR | O_CLOEXEC, 0600, NULL);
    if (queue == (mqd_t)-1) return fail_errno("mq_open", errno);
    mq_close(queue);
    printf("ipc-leave: ok\n");
    return EXIT_OK;
}

/* Exit 0 when none of what ipc-leave KEY makes exists in this IPC namespace; otherwise names each one,
   removes it (so a failing test leaves nothing behind) and exits EXIT_OTHER. */
int mode_ipc_check(const char *key_text) {
    key_t key = (key_t)parse_num(key_text);
    int found = 0;
    int id = shmget(key, 0, 0);
    if (id >= 0) { printf("shm segment left\n"); shmctl(id, IPC_RMID, NULL); found = 1; }
    id = msgget(key, 0);
    if (id >= 0) { printf("message queue left\n"); msgctl(id, IPC_RMID, NULL); found = 1; }
    id = semget(key, 0, 0);
    if (id >= 0) { printf("semaphore set left\n"); semctl(id, 0, IPC_RMID); found = 1; }
    char name[64];
    snprintf(name, sizeof name, "/bulkhead-probe-%s", key_text);
    mqd_t queue = mq_open(name, O_RDONLY | O_CLOEXEC);
    if (queue != (mqd_t)-1) { printf("POSIX message queue left\n"); mq_close(queue); mq_unlink(name); found = 1; }
    if (found) return EXIT_OTHER;
    printf("ipc-check: none left\n");
    return EXIT_OK;
}

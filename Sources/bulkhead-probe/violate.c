/* violate CALL THREADS PROCESSES [LOOPS]: makes one refusable call (raw, so libc changes nothing) from
   THREADS threads in each of PROCESSES processes, LOOPS times each (default 1), and prints "after CALL"
   whenever the call returns: a task killed for the call must never print it. Calls:
   socket (AF_INET, SOCK_STREAM), ptrace (PTRACE_TRACEME), bpf (BPF_PROG_LOAD, no program), mount (of
   nothing, read-only), clone-ns (CLONE_NEWUSER|SIGCHLD), int80-socket (the i386 socketcall), getppid. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "probe.h"

static const char *call_name;
static long loops = 1;

#if defined(__x86_64__)
static long int80_socketcall(void) {
    /* The i386 socketcall multiplexer takes a pointer to its arguments, which must lie below 4 GiB. */
    static unsigned int args[3] = { AF_INET, SOCK_STREAM, 0 };
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(102L), "b"(1L), "c"((long)(unsigned long)args) : "memory");
    return ret;
}
#endif

static long make_call(void) {
    if (!strcmp(call_name, "socket")) return syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
    if (!strcmp(call_name, "ptrace")) return syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
    if (!strcmp(call_name, "bpf")) return syscall(SYS_bpf, 5 /* BPF_PROG_LOAD */, 0, 0);
    if (!strcmp(call_name, "mount")) return syscall(SYS_mount, "none", "/nonexistent", "tmpfs", MS_RDONLY, 0);
    if (!strcmp(call_name, "clone-ns")) {
        long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
        if (pid == 0) _exit(0);
        if (pid > 0) waitpid((pid_t)pid, NULL, 0);
        return pid;
    }
#if defined(__x86_64__)
    if (!strcmp(call_name, "int80-socket")) return int80_socketcall();
#endif
    if (!strcmp(call_name, "getppid")) return syscall(SYS_getppid);
    fprintf(stderr, "violate: unknown call %s\n", call_name);
    _exit(EXIT_USAGE);
}

static void *hammer(void *arg) {
    (void)arg;
    for (long i = 0; i < loops; i++) {
        long rc = make_call();
        char line[96];
        int n = snprintf(line, sizeof line, "after %s: %ld\n", call_name, rc);
        if (write(1, line, (size_t)n) < 0) break;
    }
    return NULL;
}

int mode_violate(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: violate CALL THREADS PROCESSES [LOOPS]\n"); return EXIT_USAGE; }
    call_name = argv[0];
    long threads = parse_num(argv[1]), processes = parse_num(argv[2]);
    if (argc > 3) loops = parse_num(argv[3]);
    for (long p = 1; p < processes; p++) {
        pid_t pid = fork();
        if (pid < 0) return fail_errno("fork", errno);
        if (pid == 0) break;
    }
    pthread_t ids[64];
    long made = 0;
    for (; made < threads - 1 && made < 64; made++)
        if (pthread_create(&ids[made], NULL, hammer, NULL) != 0) break;
    hammer(NULL);
    for (long i = 0; i < made; i++) pthread_join(ids[i], NULL);
    while (wait(NULL) > 0) {}
    return EXIT_OK;
}

/* call-cost CALL COUNT: makes the call COUNT times and prints the nanoseconds per call, whatever each
   call returned (refused calls cost what they cost). */
int mode_call_cost(const char *call, long count) {
    call_name = call;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < count; i++) make_call();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%.3f\n", seconds * 1e9 / (double)(count > 0 ? count : 1));
    return EXIT_OK;
}

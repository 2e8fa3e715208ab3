#include "internal.h"
#include "measure.h"
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

/*
 * Both sides of a ping-pong run on the caller's current CPU: with two CPUs the partner would otherwise
 * spin up on the other one and the figure would be a cross-CPU wake-up latency, not a context switch.
 * The caller's own affinity is restored afterwards (it is a thread of the host process).
 */

/* The echo side: read one byte, write it back, until the pipe closes. Async-signal-safe only. */
static void bh_echo(int in, int out) {
    char byte;
    while (bh_read_full(in, &byte, 1) == 0) {
        if (bh_write_full(out, &byte, 1) != 0) break;
    }
}

/* The driving side: `count` samples of `round_trips` round trips each. */
static int bh_drive(int out, int in, int round_trips, double *seconds, int count) {
    int filled = 0;
    char byte = 'x';
    for (int s = 0; s < count; s++) {
        double start = bh_now();
        for (int i = 0; i < round_trips; i++) {
            if (bh_write_full(out, &byte, 1) != 0 || bh_read_full(in, &byte, 1) != 0) return filled;
        }
        seconds[filled++] = (bh_now() - start) / (2.0 * round_trips);
    }
    return filled;
}

static int bh_pin_to_current_cpu(cpu_set_t *previous) {
    if (sched_getaffinity(0, sizeof *previous, previous) != 0) return -1;
    int cpu = sched_getcpu();
    if (cpu < 0) return -1;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    return sched_setaffinity(0, sizeof one, &one);
}

struct bh_echo_args { int in, out; };

static void *bh_echo_thread(void *raw) {
    struct bh_echo_args *args = raw;
    bh_echo(args->in, args->out);
    return NULL;
}

int bh_measure_thread_pingpong(int round_trips, double *seconds, int count) {
    int to[2], from[2];
    int rc = bh_pipes(to, from);
    if (rc != 0) return rc;
    cpu_set_t previous;
    int pinned = bh_pin_to_current_cpu(&previous) == 0;
    /* The new thread inherits the caller's (now single-CPU) affinity. */
    struct bh_echo_args args = {to[0], from[1]};
    pthread_t thread;
    rc = pthread_create(&thread, NULL, bh_echo_thread, &args);
    int filled = rc == 0 ? bh_drive(to[1], from[0], round_trips, seconds, count) : -rc;
    close(to[1]);   /* EOF ends the echo thread */
    if (rc == 0) pthread_join(thread, NULL);
    close(to[0]); close(from[0]); close(from[1]);
    if (pinned) sched_setaffinity(0, sizeof previous, &previous);
    return filled;
}

int bh_measure_process_pingpong(int round_trips, double *seconds, int count) {
    int to[2], from[2];
    int rc = bh_pipes(to, from);
    if (rc != 0) return rc;
    cpu_set_t previous;
    int pinned = bh_pin_to_current_cpu(&previous) == 0;
    pid_t pid = fork();
    if (pid == 0) {
        close(to[1]); close(from[0]);
        bh_echo(to[0], from[1]);
        _exit(0);
    }
    int filled = pid > 0 ? bh_drive(to[1], from[0], round_trips, seconds, count) : -errno;
    bh_close_pipes(to, from);   /* the child sees EOF and exits */
    if (pid > 0) bh_wait_status(pid);
    if (pinned) sched_setaffinity(0, sizeof previous, &previous);
    return filled;
}

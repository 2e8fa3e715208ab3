#ifndef BULKHEAD_MEASURE_H
#define BULKHEAD_MEASURE_H
/*
 * The C halves of the process-vs-thread measurements. Everything that runs in a forked child lives
 * here: a forked child of a multi-threaded Swift process must never run Swift (swift-subprocess issue 374: it can deadlock), so the
 * children below only make raw system calls (read, write, memcpy, execve, _exit).
 *
 * Conventions: functions taking `double *seconds, int count` fill up to `count` per-iteration timings
 * in seconds and return how many they filled (negative: -errno of the failure before any timing).
 * Functions returning a double return seconds (negative on failure). Swift computes medians and
 * spreads from the samples.
 */
#include <stddef.h>

/* Creation cost. */
int bh_measure_thread_create_join(double *seconds, int count);
int bh_measure_fork_wait(double *seconds, int count);
/* `path` is executed with argv {path, NULL} and an empty environment; it should exit 0 (e.g. /bin/true). */
int bh_measure_fork_exec_wait(const char *path, double *seconds, int count);
int bh_measure_posix_spawn_wait(const char *path, double *seconds, int count);

/*
 * Context-switch cost: two units pass one byte back and forth over two pipes, both pinned to the CPU the
 * caller is on (so every hand-over is a switch on one CPU, not a cross-CPU wake-up). Each sample is the
 * seconds per switch over `round_trips` round trips (two switches each). Threads and processes use the
 * identical method so that the figures compare.
 */
int bh_measure_thread_pingpong(int round_trips, double *seconds, int count);
int bh_measure_process_pingpong(int round_trips, double *seconds, int count);

/*
 * Data exchange: a producer (child process or second thread, started once before timing) sends `bytes`
 * to the caller per sample; a sample runs from the caller's "go" byte to the caller holding the data.
 *   pipe:   the producer writes the bytes into a pipe, the caller reads them into its buffer;
 *   shared: the producer memcpy's into a shared buffer and writes one byte to signal.
 */
int bh_measure_process_pipe_transfer(size_t bytes, double *seconds, int count);
int bh_measure_process_shared_transfer(size_t bytes, double *seconds, int count);
int bh_measure_thread_pipe_transfer(size_t bytes, double *seconds, int count);
int bh_measure_thread_shared_transfer(size_t bytes, double *seconds, int count);

/*
 * Memory isolation: the other unit (a forked child, or a second thread) writes a marker into an
 * ordinary private page of the caller's memory; returns 1 when the caller then sees the marker, 0 when
 * it does not, negative (-errno) when the experiment could not run.
 */
int bh_measure_process_sees_child_write(void);
int bh_measure_thread_sees_thread_write(void);

/*
 * For the demo's disposable child runs (prlimit is a glibc GNU extension Swift's Glibc module does not
 * export): a zero core-file limit for a child whose crash is expected. 0 or -errno.
 */
int bh_measure_no_core_dumps(int pid);

#endif

#include "internal.h"
#include "measure.h"
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * One producer (a forked child or a second thread) is started before timing, so a sample is the data
 * exchange alone, not the creation of the producer. All buffers are mapped and touched by the caller
 * before the fork: the child then only reads, writes, memcpy's and _exit's.
 */

enum bh_channel { BH_PIPE, BH_SHARED };

struct bh_producer {
    enum bh_channel channel;
    int go;          /* read end: one byte per sample, EOF to stop */
    int out;         /* write end: the data (pipe) or one "done" byte (shared) */
    const char *source;
    char *shared;
    size_t bytes;
};

static void bh_produce(const struct bh_producer *p) {
    char byte;
    while (bh_read_full(p->go, &byte, 1) == 0) {
        if (p->channel == BH_PIPE) {
            if (bh_write_full(p->out, p->source, p->bytes) != 0) return;
        } else {
            memcpy(p->shared, p->source, p->bytes);
            if (bh_write_full(p->out, &byte, 1) != 0) return;
        }
    }
}

static void *bh_producer_thread(void *raw) { bh_produce(raw); return NULL; }

static int bh_consume(const struct bh_producer *p, int go, int in, char *destination, double *seconds, int count) {
    int filled = 0;
    char byte = 'g';
    for (int s = 0; s < count; s++) {
        double start = bh_now();
        if (bh_write_full(go, &byte, 1) != 0) break;
        if (p->channel == BH_PIPE) {
            if (bh_read_full(in, destination, p->bytes) != 0) break;
        } else {
            if (bh_read_full(in, &byte, 1) != 0) break;
        }
        seconds[filled++] = bh_now() - start;
    }
    /* A transfer that lost data is no measurement. */
    const char *received = p->channel == BH_PIPE ? destination : p->shared;
    if (filled > 0 && memcmp(received, p->source, p->bytes) != 0) return -EIO;
    return filled;
}

static void *bh_map(size_t bytes, int flags) {
    void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);
    return m == MAP_FAILED ? NULL : m;
}

static int bh_transfer(int use_process, enum bh_channel channel, size_t bytes, double *seconds, int count) {
    if (bytes == 0) return -EINVAL;
    char *source = bh_map(bytes, MAP_PRIVATE);
    char *destination = bh_map(bytes, MAP_PRIVATE);
    /* Between processes the shared buffer must be a MAP_SHARED mapping; between threads all memory is shared. */
    char *shared = bh_map(bytes, use_process ? MAP_SHARED : MAP_PRIVATE);
    int result;
    int go[2], data[2];
    if (!source || !destination || !shared) { result = -ENOMEM; goto unmap; }
    for (size_t i = 0; i < bytes; i++) source[i] = (char)(i * 31 + 7);
    memset(destination, 0, bytes);   /* touched now, so page faults are not timed */
    memset(shared, 0, bytes);
    if ((result = bh_pipes(go, data)) != 0) goto unmap;

    struct bh_producer producer = {channel, go[0], data[1], source, shared, bytes};
    if (use_process) {
        pid_t pid = fork();
        if (pid == 0) {
            close(go[1]); close(data[0]);
            bh_produce(&producer);
            _exit(0);
        }
        result = pid > 0 ? bh_consume(&producer, go[1], data[0], destination, seconds, count) : -errno;
        bh_close_pipes(go, data);
        if (pid > 0) bh_wait_status(pid);
    } else {
        pthread_t thread;
        int rc = pthread_create(&thread, NULL, bh_producer_thread, &producer);
        result = rc == 0 ? bh_consume(&producer, go[1], data[0], destination, seconds, count) : -rc;
        close(go[1]);   /* EOF stops the producer */
        if (rc == 0) pthread_join(thread, NULL);
        close(go[0]); close(data[0]); close(data[1]);
    }
unmap:
    if (source) munmap(source, bytes);
    if (destination) munmap(destination, bytes);
    if (shared) munmap(shared, bytes);
    return result;
}

int bh_measure_process_pipe_transfer(size_t bytes, double *seconds, int count) {
    return bh_transfer(1, BH_PIPE, bytes, seconds, count);
}
int bh_measure_process_shared_transfer(size_t bytes, double *seconds, int count) {
    return bh_transfer(1, BH_SHARED, bytes, seconds, count);
}
int bh_measure_thread_pipe_transfer(size_t bytes, double *seconds, int count) {
    return bh_transfer(0, BH_PIPE, bytes, seconds, count);
}
int bh_measure_thread_shared_transfer(size_t bytes, double *seconds, int count) {
    return bh_transfer(0, BH_SHARED, bytes, seconds, count);
}

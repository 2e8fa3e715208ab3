#include "internal.h"
#include "measure.h"
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * The marker goes into an ordinary private page (what malloc hands out), mapped and zeroed by the caller
 * before the other unit starts. volatile: the compiler must really read the page after the other unit
 * ran, not reuse the zero it wrote.
 */
enum { BH_MARKER = 0x5ca1ab1e };

static volatile int *bh_private_page(void) {
    void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return NULL;
    *(volatile int *)m = 0;
    return m;
}

int bh_measure_process_sees_child_write(void) {
    volatile int *page = bh_private_page();
    if (!page) return -ENOMEM;
    pid_t pid = fork();
    if (pid < 0) { int e = errno; munmap((void *)page, 4096); return -e; }
    if (pid == 0) {
        *page = BH_MARKER;   /* lands in the child's copy of the page */
        _exit(*page == BH_MARKER ? 0 : 1);
    }
    int status = bh_wait_status(pid);
    int seen = *page == BH_MARKER;
    munmap((void *)page, 4096);
    /* Only a child that really wrote the marker makes "not seen" meaningful. */
    if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -ECHILD;
    return seen;
}

static void *bh_writer_thread(void *raw) {
    *(volatile int *)raw = BH_MARKER;
    return NULL;
}

int bh_measure_thread_sees_thread_write(void) {
    volatile int *page = bh_private_page();
    if (!page) return -ENOMEM;
    pthread_t thread;
    int rc = pthread_create(&thread, NULL, bh_writer_thread, (void *)page);
    if (rc != 0) { munmap((void *)page, 4096); return -rc; }
    pthread_join(thread, NULL);
    int seen = *page == BH_MARKER;
    munmap((void *)page, 4096);
    return seen;
}

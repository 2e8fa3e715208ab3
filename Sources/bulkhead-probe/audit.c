/* Dispatch and reporting for the audit probes (audit.h). */
#define _GNU_SOURCE
#include "audit.h"
#include "probe.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void line(const char *head, const char *fmt, va_list ap) {
    fputs(head, stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    fflush(stdout);
}

int audit_escaped(const char *fmt, ...) {
    va_list ap; va_start(ap, fmt); line("escaped ", fmt, ap); va_end(ap);
    return AUDIT_ESCAPED;
}

int audit_blocked(int e, const char *call, const char *fmt, ...) {
    const char *name = strerrorname_np(e);
    printf("blocked %s %s ", name ? name : "E?", call);
    va_list ap; va_start(ap, fmt); line("", fmt, ap); va_end(ap);
    return AUDIT_BLOCKED;
}

int audit_blocked_by(const char *word, const char *call, const char *fmt, ...) {
    printf("blocked %s %s ", word, call);
    va_list ap; va_start(ap, fmt); line("", fmt, ap); va_end(ap);
    return AUDIT_BLOCKED;
}

int audit_na(const char *fmt, ...) {
    va_list ap; va_start(ap, fmt); line("n/a ", fmt, ap); va_end(ap);
    return AUDIT_NA;
}

long audit_read_file(const char *path, char *buf, unsigned long n) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    long got = read(fd, buf, n - 1);
    int e = errno;
    close(fd);
    if (got < 0) return -e;
    buf[got] = 0;
    return got;
}

static const struct audit_probe *const families[] = {
    audit_network_probes, audit_file_probes, audit_process_probes, audit_kernel_probes, audit_resource_probes,
};

int mode_audit(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: bulkhead-probe audit ID ARGS... | --list\n"); return EXIT_USAGE; }
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (const struct audit_probe *p = families[f]; p->id; p++) {
            if (!strcmp(argv[2], "--list")) { printf("%s %d\n", p->id, p->argc); continue; }
            if (strcmp(argv[2], p->id) != 0) continue;
            if (argc - 3 < p->argc) {
                fprintf(stderr, "audit %s: needs %d argument(s)\n", p->id, p->argc);
                return EXIT_USAGE;
            }
            return p->run(argc - 3, argv + 3);
        }
    if (!strcmp(argv[2], "--list")) return EXIT_OK;
    fprintf(stderr, "audit: unknown probe %s\n", argv[2]);
    return EXIT_USAGE;
}

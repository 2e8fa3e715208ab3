/* The raw system call the code between clone and execve makes instead of libc (child.c, mount_view.c,
   namespace_setup.c, pid_one.c): no errno, no wrapper that acts on other threads, no memory but the stack. */
#ifndef BULKHEAD_RAW_SYSCALL_H
#define BULKHEAD_RAW_SYSCALL_H
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A system call without libc: returns the result, or -errno. */
static inline __attribute__((always_inline)) long sys(long nr, long a, long b, long c, long d, long e) {
#if defined(__x86_64__)
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return ret;
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = nr;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory");
    return x0;
#else
    /* Other architectures go through libc; the parent then copies its whole memory (spawn.c). */
    long r = syscall(nr, a, b, c, d, e, 0);
    return r < 0 ? -errno : r;
#endif
}

#endif

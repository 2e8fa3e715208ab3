/* The supervisor's side of seccomp user notification (seccomp_unotify(2)): receiving the listener,
   reading and answering notifications, and evaluating the policy's own filter on a notified call to
   learn which action it would have taken. Parent code: libc is fine here. */
#define _GNU_SOURCE
#include "child.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef SECCOMP_GET_ACTION_AVAIL
#define SECCOMP_GET_ACTION_AVAIL 2
#endif
#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0)
#endif

int bh_notify_available(void) {
    uint32_t action = SECCOMP_RET_USER_NOTIF;
    if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) != 0) return 0;
    /* SECCOMP_USER_NOTIF_FLAG_CONTINUE came in 5.5, a year after the action (5.0); the notification sizes
       call tells a kernel that knows the action at all. */
    struct seccomp_notif_sizes sizes;
    return syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0;
}

static int above_stdio(int fd) {
    if (fd < 0 || fd > 2) return fd;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return moved;
}

int bh_notify_socketpair(int fds[2]) {
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0) return -1;
    fds[0] = above_stdio(fds[0]);
    fds[1] = above_stdio(fds[1]);
    if (fds[0] < 0 || fds[1] < 0) {
        int saved = errno;
        if (fds[0] >= 0) close(fds[0]);
        if (fds[1] >= 0) close(fds[1]);
        errno = saved;
        return -1;
    }
    return 0;
}

int bh_notify_receive_fd(int socket) {
    char byte;
    struct iovec iov = { &byte, 1 };
    union { struct cmsghdr header; char space[CMSG_SPACE(sizeof(int))]; } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg = { 0 };
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = &control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do n = recvmsg(socket, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
    if (n < 0) return -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (n == 0 || !c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int))) {
        errno = EPROTO;
        return -1;
    }
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

/* The kernel's structures may grow: RECV and SEND take the sizes it reports, zeroed. */
static struct seccomp_notif_sizes notif_sizes(void) {
    static struct seccomp_notif_sizes sizes;
    static int known;
    if (!__atomic_load_n(&known, __ATOMIC_ACQUIRE)) {
        struct seccomp_notif_sizes s = { sizeof(struct seccomp_notif), sizeof(struct seccomp_notif_resp),
                                         sizeof(struct seccomp_data) };
        syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &s);
        if (s.seccomp_notif < sizeof(struct seccomp_notif)) s.seccomp_notif = sizeof(struct seccomp_notif);
        if (s.seccomp_notif_resp < sizeof(struct seccomp_notif_resp)) s.seccomp_notif_resp = sizeof(struct seccomp_notif_resp);
        sizes = s;
        __atomic_store_n(&known, 1, __ATOMIC_RELEASE);
    }
    return sizes;
}

int bh_notify_receive(int listener, struct bh_notification *out) {
    struct seccomp_notif_sizes sizes = notif_sizes();
    struct seccomp_notif *n = calloc(1, sizes.seccomp_notif);
    if (!n) return -1;
    int r;
    do r = ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, n); while (r < 0 && errno == EINTR);
    if (r == 0) {
        out->id = n->id;
        out->pid = n->pid;
        out->nr = n->data.nr;
        out->arch = n->data.arch;
        out->instruction_pointer = n->data.instruction_pointer;
        for (int i = 0; i < 6; i++) out->args[i] = n->data.args[i];
    }
    int saved = errno;
    free(n);
    errno = saved;
    return r;
}

int bh_notify_respond(int listener, uint64_t id, int error, int64_t value, int continue_call) {
    struct seccomp_notif_sizes sizes = notif_sizes();
    struct seccomp_notif_resp *resp = calloc(1, sizes.seccomp_notif_resp);
    if (!resp) return -1;
    resp->id = id;
    resp->error = continue_call ? 0 : -error;
    resp->val = continue_call || error ? 0 : value;
    resp->flags = continue_call ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0;
    int r;
    do r = ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp); while (r < 0 && errno == EINTR);
    int saved = errno;
    free(resp);
    errno = saved;
    return r;
}

int bh_notify_id_valid(int listener, uint64_t id) {
    return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

long bh_read_process_memory(pid_t pid, uint64_t address, void *to, unsigned long length) {
    struct iovec local = { to, length }, remote = { (void *)(uintptr_t)address, length };
    return (long)process_vm_readv(pid, &local, 1, &remote, 1, 0);
}

/* Classic BPF as seccomp accepts it (kernel/seccomp.c seccomp_check_filter): loads of seccomp_data words,
   the scratch memory, ALU and jumps on A against K or X, returns. The filter was checked by the kernel
   when the task loaded it; anything else here stops the run with the strictest answer. */
uint32_t bh_seccomp_evaluate(const void *filter, unsigned count, const struct bh_notification *n) {
    const struct sock_filter *code = filter;
    struct seccomp_data data;
    memset(&data, 0, sizeof data);
    data.nr = n->nr;
    data.arch = n->arch;
    data.instruction_pointer = n->instruction_pointer;
    for (int i = 0; i < 6; i++) data.args[i] = n->args[i];
    uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
    for (unsigned pc = 0; pc < count; pc++) {
        const struct sock_filter *f = &code[pc];
        uint32_t k = f->k;
        switch (f->code) {
        case BPF_LD | BPF_W | BPF_ABS:
            if (k > sizeof data - 4 || (k & 3)) return SECCOMP_RET_KILL_PROCESS;
            memcpy(&a, (const char *)&data + k, 4);
            break;
        case BPF_LD | BPF_W | BPF_LEN: a = sizeof data; break;
        case BPF_LDX | BPF_W | BPF_LEN: x = sizeof data; break;
        case BPF_LD | BPF_IMM: a = k; break;
        case BPF_LDX | BPF_IMM: x = k; break;
        case BPF_LD | BPF_MEM: if (k >= BPF_MEMWORDS) return SECCOMP_RET_KILL_PROCESS; a = mem[k]; break;
        case BPF_LDX | BPF_MEM: if (k >= BPF_MEMWORDS) return SECCOMP_RET_KILL_PROCESS; x = mem[k]; break;
        case BPF_ST: if (k >= BPF_MEMWORDS) return SECCOMP_RET_KILL_PROCESS; mem[k] = a; break;
        case BPF_STX: if (k >= BPF_MEMWORDS) return SECCOMP_RET_KILL_PROCESS; mem[k] = x; break;
        case BPF_MISC | BPF_TAX: x = a; break;
        case BPF_MISC | BPF_TXA: a = x; break;
        case BPF_ALU | BPF_ADD | BPF_K: a += k; break;
        case BPF_ALU | BPF_ADD | BPF_X: a += x; break;
        case BPF_ALU | BPF_SUB | BPF_K: a -= k; break;
        case BPF_ALU | BPF_SUB | BPF_X: a -= x; break;
        case BPF_ALU | BPF_MUL | BPF_K: a *= k; break;
        case BPF_ALU | BPF_MUL | BPF_X: a *= x; break;
        case BPF_ALU | BPF_DIV | BPF_K: if (!k) return SECCOMP_RET_KILL_PROCESS; a /= k; break;
        case BPF_ALU | BPF_DIV | BPF_X: if (!x) return SECCOMP_RET_KILL_PROCESS; a /= x; break;
        case BPF_ALU | BPF_AND | BPF_K: a &= k; break;
        case BPF_ALU | BPF_AND | BPF_X: a &= x; break;
        case BPF_ALU | BPF_OR | BPF_K: a |= k; break;
        case BPF_ALU | BPF_OR | BPF_X: a |= x; break;
        case BPF_ALU | BPF_XOR | BPF_K: a ^= k; break;
        case BPF_ALU | BPF_XOR | BPF_X: a ^= x; break;
        case BPF_ALU | BPF_LSH | BPF_K: a = k < 32 ? a << k : 0; break;
        case BPF_ALU | BPF_LSH | BPF_X: a = x < 32 ? a << x : 0; break;
        case BPF_ALU | BPF_RSH | BPF_K: a = k < 32 ? a >> k : 0; break;
        case BPF_ALU | BPF_RSH | BPF_X: a = x < 32 ? a >> x : 0; break;
        case BPF_ALU | BPF_NEG: a = -a; break;
        case BPF_JMP | BPF_JA: pc += k; break;
        case BPF_JMP | BPF_JEQ | BPF_K: pc += a == k ? f->jt : f->jf; break;
        case BPF_JMP | BPF_JEQ | BPF_X: pc += a == x ? f->jt : f->jf; break;
        case BPF_JMP | BPF_JGT | BPF_K: pc += a > k ? f->jt : f->jf; break;
        case BPF_JMP | BPF_JGT | BPF_X: pc += a > x ? f->jt : f->jf; break;
        case BPF_JMP | BPF_JGE | BPF_K: pc += a >= k ? f->jt : f->jf; break;
        case BPF_JMP | BPF_JGE | BPF_X: pc += a >= x ? f->jt : f->jf; break;
        case BPF_JMP | BPF_JSET | BPF_K: pc += (a & k) ? f->jt : f->jf; break;
        case BPF_JMP | BPF_JSET | BPF_X: pc += (a & x) ? f->jt : f->jf; break;
        case BPF_RET | BPF_K: return k;
        case BPF_RET | BPF_A: return a;
        default: return SECCOMP_RET_KILL_PROCESS;
        }
    }
    return SECCOMP_RET_KILL_PROCESS;
}

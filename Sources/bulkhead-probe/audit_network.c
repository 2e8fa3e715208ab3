/* Audit probes, network family: reaching listeners outside the task (the auditor's, passed as
   arguments) and opening socket families that reach the kernel or the host's links. */
#define _GNU_SOURCE
#include "audit.h"
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_alg.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <linux/vm_sockets.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* ADDR PORT into a sockaddr of FAMILY; 0 when ADDR is not an address of that family. */
static socklen_t address(int family, const char *addr, const char *port, struct sockaddr_storage *out) {
    memset(out, 0, sizeof *out);
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)out;
        a->sin_family = AF_INET;
        a->sin_port = htons((unsigned short)atoi(port));
        return inet_pton(AF_INET, addr, &a->sin_addr) == 1 ? sizeof *a : 0;
    }
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((unsigned short)atoi(port));
    return inet_pton(AF_INET6, addr, &a->sin6_addr) == 1 ? sizeof *a : 0;
}

/* A TCP connect to the auditor's listener: the connection completes in its backlog. ADDR "-" means
   the auditor has no such listener, and PORT then says why. */
static int tcp(int family, char **argv) {
    if (!strcmp(argv[0], "-")) return audit_na("%s", argv[1]);
    struct sockaddr_storage sa;
    socklen_t len = address(family, argv[0], argv[1], &sa);
    if (!len) return audit_na("no address to try (%s)", argv[0]);
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return audit_blocked(errno, "socket", "%s stream socket", family == AF_INET ? "AF_INET" : "AF_INET6");
    if (connect(fd, (struct sockaddr *)&sa, len) != 0) {
        int e = errno;
        close(fd);
        return audit_blocked(e, "connect", "to the auditor's listener on %s port %s", argv[0], argv[1]);
    }
    close(fd);
    return audit_escaped("connected to the auditor's TCP listener on %s port %s", argv[0], argv[1]);
}

/* A datagram to the auditor's socket, carrying the probe's id: the auditor confirms it arrived. */
static int udp(int family, char **argv, const char *id) {
    if (!strcmp(argv[0], "-")) return audit_na("%s", argv[1]);
    struct sockaddr_storage sa;
    socklen_t len = address(family, argv[0], argv[1], &sa);
    if (!len) return audit_na("no address to try (%s)", argv[0]);
    int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return audit_blocked(errno, "socket", "%s datagram socket", family == AF_INET ? "AF_INET" : "AF_INET6");
    char payload[128];
    int n = snprintf(payload, sizeof payload, "bulkhead-audit %s", id);
    if (sendto(fd, payload, (size_t)n, 0, (struct sockaddr *)&sa, len) != n) {
        int e = errno;
        close(fd);
        return audit_blocked(e, "sendto", "to the auditor's socket on %s port %s", argv[0], argv[1]);
    }
    close(fd);
    return audit_escaped("sent a datagram to the auditor's socket on %s port %s", argv[0], argv[1]);
}

static int tcp4(int argc, char **argv) { (void)argc; return tcp(AF_INET, argv); }
static int tcp6(int argc, char **argv) { (void)argc; return tcp(AF_INET6, argv); }
static int udp4(int argc, char **argv) { (void)argc; return udp(AF_INET, argv, "net-udp4-loopback"); }
static int udp6(int argc, char **argv) { (void)argc; return udp(AF_INET6, argv, "net-udp6-loopback"); }
static int udp4_routable(int argc, char **argv) { (void)argc; return udp(AF_INET, argv, "net-udp4-routable"); }
static int udp6_routable(int argc, char **argv) { (void)argc; return udp(AF_INET6, argv, "net-udp6-routable"); }

static int open_socket(int domain, int type, int protocol, const char *what) {
    int fd = socket(domain, type | SOCK_CLOEXEC, protocol);
    if (fd < 0) return audit_blocked(errno, "socket", "%s", what);
    close(fd);
    return audit_escaped("opened %s", what);
}

static int raw(int argc, char **argv) {
    (void)argc; (void)argv;
    return open_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP, "a raw IPv4 socket (forges any packet)");
}

static int packet(int argc, char **argv) {
    (void)argc; (void)argv;
    return open_socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL), "an AF_PACKET socket (sees every frame of the host's links)");
}

static int vsock(int argc, char **argv) {
    (void)argc; (void)argv;
    return open_socket(AF_VSOCK, SOCK_STREAM, 0, "an AF_VSOCK socket (reaches the hypervisor and other guests)");
}

static int netlink(int argc, char **argv) {
    (void)argc; (void)argv;
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) return audit_blocked(errno, "socket", "AF_NETLINK NETLINK_ROUTE");
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        return audit_blocked(e, "bind", "AF_NETLINK NETLINK_ROUTE");
    }
    close(fd);
    return audit_escaped("opened and bound a NETLINK_ROUTE socket (talks to the kernel's routing and link tables)");
}

static int alg(int argc, char **argv) {
    (void)argc; (void)argv;
    int fd = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) return audit_blocked(errno, "socket", "AF_ALG");
    struct sockaddr_alg sa = {.salg_family = AF_ALG};
    strcpy((char *)sa.salg_type, "hash");
    strcpy((char *)sa.salg_name, "sha256");
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        return audit_blocked(e, "bind", "AF_ALG hash sha256");
    }
    close(fd);
    return audit_escaped("opened an AF_ALG socket and bound the kernel's sha256");
}

static int unix_connect(const char *name, int abstract) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t n = strlen(name);
    if (n + 2 > sizeof sa.sun_path) return audit_na("socket name too long");
    memcpy(sa.sun_path + (abstract ? 1 : 0), name, n);
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (abstract ? 1 : 1));
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return audit_blocked(errno, "socket", "AF_UNIX stream socket");
    if (connect(fd, (struct sockaddr *)&sa, len) != 0) {
        int e = errno;
        close(fd);
        return audit_blocked(e, "connect", "to the auditor's %s socket %s%s", abstract ? "abstract" : "named", abstract ? "@" : "", name);
    }
    close(fd);
    return audit_escaped("connected to the auditor's %s unix socket %s%s", abstract ? "abstract" : "named", abstract ? "@" : "", name);
}

static int unix_abstract(int argc, char **argv) { (void)argc; return unix_connect(argv[0], 1); }
static int unix_named(int argc, char **argv) { (void)argc; return unix_connect(argv[0], 0); }

const struct audit_probe audit_network_probes[] = {
    {"net-tcp4-loopback", tcp4, 2},  {"net-tcp6-loopback", tcp6, 2},
    {"net-udp4-loopback", udp4, 2},  {"net-udp6-loopback", udp6, 2},
    {"net-tcp4-routable", tcp4, 2},  {"net-tcp6-routable", tcp6, 2},
    {"net-udp4-routable", udp4_routable, 2}, {"net-udp6-routable", udp6_routable, 2},
    {"net-raw", raw, 0},             {"net-packet", packet, 0},
    {"net-netlink", netlink, 0},     {"net-alg", alg, 0},
    {"net-vsock", vsock, 0},         {"net-unix-abstract", unix_abstract, 1},
    {"net-unix-named", unix_named, 1},
    {0},
};

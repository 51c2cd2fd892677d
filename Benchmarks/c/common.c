/* Helpers shared by the workloads. */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

void die(const char *what) {
    fprintf(stderr, IMPL ": %s: %s\n", what, strerror(errno));
    exit(2);
}

int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

long rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) die("open /proc/self/status");
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) { kib = strtol(line + 6, NULL, 10); break; }
    fclose(f);
    return kib;
}

static struct sockaddr_in loopback(uint16_t port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
}

int tcp_listener(int backlog, uint16_t *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd);
    struct sockaddr_in a = loopback(0);
    CHECK(bind(fd, (struct sockaddr *)&a, sizeof a));
    CHECK(listen(fd, backlog));
    socklen_t len = sizeof a;
    CHECK(getsockname(fd, (struct sockaddr *)&a, &len));
    *port = ntohs(a.sin_port);
    return fd;
}

int tcp_connect(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd);
    struct sockaddr_in a = loopback(port);
    CHECK(connect(fd, (struct sockaddr *)&a, sizeof a));
    return fd;
}

void set_nodelay(int fd) {
    int one = 1;
    CHECK(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
}

void send_all(int fd, const void *buf, size_t n) {
    const char *p = buf;
    while (n > 0) {
        ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
        if (r < 0) {
            if (errno == EINTR) continue;
            die("send");
        }
        p += r;
        n -= (size_t)r;
    }
}

size_t recv_all(int fd, void *buf, size_t n) {
    char *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(fd, p + got, n - got, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno == ECONNRESET && got == 0) return 0;
            die("recv");
        }
        if (r == 0) {
            if (got == 0) return 0;
            errno = EPIPE;
            die("recv: EOF inside a message");
        }
        got += (size_t)r;
    }
    return got;
}

pthread_t start_thread(void *(*fn)(void *), void *arg) {
    pthread_t t;
    int rc = pthread_create(&t, NULL, fn, arg);
    if (rc != 0) { errno = rc; die("pthread_create"); }
    return t;
}

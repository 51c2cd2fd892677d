/* W1 tcp-pingpong, W3 udp-pingpong, W5 unix-pingpong. */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest rank on sorted samples: sample[ceil(pct/100 * n)], 1-based. */
static int64_t percentile(const int64_t *sorted, long n, long pct) {
    long rank = (pct * n + 99) / 100;
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return sorted[rank - 1];
}

/* One round trip: 64 bytes out, 64 bytes back. */
static void exchange(int fd, char *buf, int datagram) {
    if (!datagram) {
        send_all(fd, buf, MSG_SIZE);
        if (recv_all(fd, buf, MSG_SIZE) == 0) { errno = EPIPE; die("recv: unexpected EOF"); }
        return;
    }
    ssize_t r = send(fd, buf, MSG_SIZE, 0);
    if (r != MSG_SIZE) die("send datagram");
    r = recv(fd, buf, MSG_SIZE, 0);
    if (r != MSG_SIZE) die("recv datagram");
}

void pingpong_client(int fd, int datagram, const char *workload) {
    char buf[MSG_SIZE];
    memset(buf, 'p', sizeof buf);
    for (int i = 0; i < PP_WARMUP; i++) exchange(fd, buf, datagram);

    int64_t *lat = malloc(sizeof(int64_t) * PP_MAX);
    if (!lat) die("malloc");
    long n = 0;
    int64_t start = now_ns(), t = start;
    while (n < PP_MAX) {
        int64_t t0 = t;
        exchange(fd, buf, datagram);
        t = now_ns();
        lat[n++] = t - t0;
        if (t - start >= PP_CAP_NS) break;
    }
    double secs = (double)(t - start) / 1e9;

    qsort(lat, (size_t)n, sizeof lat[0], cmp_i64);
    printf("RESULT " IMPL " %s rtt_per_s=%.0f p50_us=%.2f p99_us=%.2f n=%ld secs=%.3f\n", workload,
           (double)n / secs, (double)percentile(lat, n, 50) / 1e3, (double)percentile(lat, n, 99) / 1e3,
           n, secs);
    free(lat);
}

/* Stream echo server: accept one connection, echo 64-byte messages until EOF. */
struct echo_arg { int listener; int nodelay; };

static void *stream_echo(void *p) {
    struct echo_arg *a = p;
    int fd = accept(a->listener, NULL, NULL);
    CHECK(fd);
    if (a->nodelay) set_nodelay(fd);
    char buf[MSG_SIZE];
    while (recv_all(fd, buf, MSG_SIZE) == MSG_SIZE) send_all(fd, buf, MSG_SIZE);
    close(fd);
    return NULL;
}

void w_tcp_pingpong(void) {
    uint16_t port;
    struct echo_arg a = { tcp_listener(128, &port), 1 };
    pthread_t server = start_thread(stream_echo, &a);
    int fd = tcp_connect(port);
    set_nodelay(fd);
    pingpong_client(fd, 0, "tcp-pingpong");
    close(fd);
    pthread_join(server, NULL);
    close(a.listener);
}

void w_unix_pingpong(void) {
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    snprintf(addr.sun_path, sizeof addr.sun_path, "/tmp/anchor-" IMPL "-%d.sock", (int)getpid());
    unlink(addr.sun_path);

    struct echo_arg a = { socket(AF_UNIX, SOCK_STREAM, 0), 0 };
    CHECK(a.listener);
    CHECK(bind(a.listener, (struct sockaddr *)&addr, sizeof addr));
    CHECK(listen(a.listener, 128));
    pthread_t server = start_thread(stream_echo, &a);

    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(fd);
    CHECK(connect(fd, (struct sockaddr *)&addr, sizeof addr));
    pingpong_client(fd, 0, "unix-pingpong");
    close(fd);
    pthread_join(server, NULL);
    close(a.listener);
    unlink(addr.sun_path);
}

/* UDP echo server: echo each datagram to its source; a zero-length one stops it. */
static void *udp_echo(void *p) {
    int fd = *(int *)p;
    char buf[2048];
    for (;;) {
        struct sockaddr_storage src;
        socklen_t len = sizeof src;
        ssize_t r = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&src, &len);
        if (r < 0) {
            if (errno == EINTR) continue;
            die("recvfrom");
        }
        if (r == 0) break;
        if (sendto(fd, buf, (size_t)r, 0, (struct sockaddr *)&src, len) != r) die("sendto");
    }
    return NULL;
}

void w_udp_pingpong(void) {
    int sfd = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(sfd);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(sfd, (struct sockaddr *)&addr, sizeof addr));
    socklen_t len = sizeof addr;
    CHECK(getsockname(sfd, (struct sockaddr *)&addr, &len));
    pthread_t server = start_thread(udp_echo, &sfd);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(fd);
    CHECK(connect(fd, (struct sockaddr *)&addr, sizeof addr));
    /* No receive timeout: a lost datagram hangs until the watchdog (main.c) fires. */
    pingpong_client(fd, 1, "udp-pingpong");
    CHECK(send(fd, "", 0, 0));
    pthread_join(server, NULL);
    close(fd);
    close(sfd);
}

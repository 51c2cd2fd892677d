/* W2 tcp-stream: 1 GiB in 64 KiB sends, 1-byte ack, no TCP_NODELAY. */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void *sink(void *p) {
    int fd = accept(*(int *)p, NULL, NULL);
    CHECK(fd);
    char *buf = malloc(STREAM_CHUNK);
    if (!buf) die("malloc");
    long long total = 0;
    while (total < STREAM_BYTES) {
        ssize_t r = recv(fd, buf, STREAM_CHUNK, 0);   /* whatever is there, up to 64 KiB */
        if (r < 0) {
            if (errno == EINTR) continue;
            die("recv");
        }
        if (r == 0) { errno = EPIPE; die("recv: EOF before 1 GiB"); }
        total += r;
    }
    send_all(fd, "a", 1);
    while (recv(fd, buf, STREAM_CHUNK, 0) > 0) {}     /* wait for the client's close */
    close(fd);
    free(buf);
    return NULL;
}

void w_tcp_stream(void) {
    uint16_t port;
    int listener = tcp_listener(128, &port);
    pthread_t server = start_thread(sink, &listener);
    int fd = tcp_connect(port);
    char *buf = malloc(STREAM_CHUNK);
    if (!buf) die("malloc");
    memset(buf, 's', STREAM_CHUNK);
    char ack;

    int64_t t0 = now_ns();
    for (long long sent = 0; sent < STREAM_BYTES; sent += STREAM_CHUNK) send_all(fd, buf, STREAM_CHUNK);
    if (recv_all(fd, &ack, 1) != 1) { errno = EPIPE; die("recv ack"); }
    int64_t t1 = now_ns();

    close(fd);
    pthread_join(server, NULL);
    close(listener);
    free(buf);
    double secs = (double)(t1 - t0) / 1e9;
    printf("RESULT " IMPL " tcp-stream gib_per_s=%.3f secs=%.3f\n", 1.0 / secs, secs);
}

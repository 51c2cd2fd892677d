/* W6 sockopt: setsockopt(SO_RCVBUF, 65536) + getsockopt(SO_RCVBUF) pairs. */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static int pair(int fd) {
    int set = 65536, got = 0;
    socklen_t len = sizeof got;
    CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &set, sizeof set));
    CHECK(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len));
    return got;
}

void w_sockopt(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd);
    int got = 0;
    for (int i = 0; i < SO_WARMUP; i++) got = pair(fd);
    int64_t t0 = now_ns();
    for (int i = 0; i < SO_PAIRS; i++) got = pair(fd);
    int64_t t1 = now_ns();
    close(fd);
    if (got != 131072) { errno = EINVAL; fprintf(stderr, "SO_RCVBUF read back %d, expected 131072\n", got); die("getsockopt"); }
    double secs = (double)(t1 - t0) / 1e9;
    printf("RESULT " IMPL " sockopt ns_per_pair=%.1f n=%d secs=%.3f\n", (double)(t1 - t0) / SO_PAIRS, SO_PAIRS,
           secs);
}

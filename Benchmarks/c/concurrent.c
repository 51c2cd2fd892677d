/* W8 pingpong-concurrent: 100 TCP connections; one thread per side, each an
 * epoll (level-triggered) loop over blocking fds, one recv per readiness event. */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static int server_fd[CONC_CONNS], client_fd[CONC_CONNS];

static int epoll_over(const int *fds) {
    int ep = epoll_create1(0);
    CHECK(ep);
    for (int i = 0; i < CONC_CONNS; i++) {
        struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
        CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev));
    }
    return ep;
}

static int wait_events(int ep, struct epoll_event *evs, int max) {
    for (;;) {
        int n = epoll_wait(ep, evs, max, -1);
        if (n >= 0) return n;
        if (errno != EINTR) die("epoll_wait");
    }
}

/* Echo whatever arrives; a connection ends at EOF. */
static void *echo_all(void *unused) {
    (void)unused;
    int ep = epoll_over(server_fd), open = CONC_CONNS;
    struct epoll_event evs[CONC_CONNS];
    char buf[4096];
    while (open > 0) {
        int ne = wait_events(ep, evs, CONC_CONNS);
        for (int k = 0; k < ne; k++) {
            int fd = server_fd[evs[k].data.u32];
            ssize_t r = recv(fd, buf, sizeof buf, 0);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) {
                CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL));
                close(fd);
                open--;
                continue;
            }
            send_all(fd, buf, (size_t)r);
        }
    }
    close(ep);
    return NULL;
}

void w_pingpong_concurrent(void) {
    uint16_t port;
    int listener = tcp_listener(1024, &port);
    for (int i = 0; i < CONC_CONNS; i++) {
        client_fd[i] = tcp_connect(port);
        server_fd[i] = accept(listener, NULL, NULL);
        CHECK(server_fd[i]);
        set_nodelay(client_fd[i]);
        set_nodelay(server_fd[i]);
    }
    close(listener);
    pthread_t server = start_thread(echo_all, NULL);

    int ep = epoll_over(client_fd), active = CONC_CONNS;
    int got[CONC_CONNS] = {0};
    long count[CONC_CONNS] = {0};
    struct epoll_event evs[CONC_CONNS];
    char ping[MSG_SIZE], buf[MSG_SIZE];
    memset(ping, 'c', sizeof ping);

    int64_t end = now_ns() + CONC_NS;
    for (int i = 0; i < CONC_CONNS; i++) send_all(client_fd[i], ping, MSG_SIZE);
    while (active > 0) {
        int ne = wait_events(ep, evs, CONC_CONNS);
        for (int k = 0; k < ne; k++) {
            int i = (int)evs[k].data.u32;
            ssize_t r = recv(client_fd[i], buf, (size_t)(MSG_SIZE - got[i]), 0);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) die("recv echo");
            got[i] += (int)r;
            if (got[i] < MSG_SIZE) continue;
            got[i] = 0;
            if (now_ns() < end) {
                count[i]++;
                send_all(client_fd[i], ping, MSG_SIZE);
            } else {
                CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, client_fd[i], NULL));
                active--;
            }
        }
    }
    close(ep);
    for (int i = 0; i < CONC_CONNS; i++) close(client_fd[i]);
    pthread_join(server, NULL);

    long total = 0, lo = count[0], hi = count[0];
    for (int i = 0; i < CONC_CONNS; i++) {
        total += count[i];
        if (count[i] < lo) lo = count[i];
        if (count[i] > hi) hi = count[i];
    }
    double secs = (double)CONC_NS / 1e9;
    printf("RESULT " IMPL " pingpong-concurrent rtt_per_s=%.0f conns=%d total=%ld secs=%.3f min_conn=%ld "
           "max_conn=%ld\n",
           (double)total / secs, CONC_CONNS, total, secs, lo, hi);
}

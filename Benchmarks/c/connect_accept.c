/* W4 connect-accept: lock-step connect / accept+close / EOF / close. */
#include "bench.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static atomic_int stopping;

static void *accept_and_close(void *p) {
    int listener = *(int *)p;
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            die("accept");
        }
        /* Read the flag before close: the client sets it only after its
         * previous connection saw EOF, so only the stop connection sees it set. */
        int stop = atomic_load(&stopping);
        close(fd);
        if (stop) break;
    }
    return NULL;
}

/* One client connection; the server's close must arrive as EOF. */
static void one_connection(uint16_t port) {
    int fd = tcp_connect(port);
    char b;
    ssize_t r;
    do r = recv(fd, &b, 1, 0); while (r < 0 && errno == EINTR);
    if (r > 0 || (r < 0 && errno != ECONNRESET)) die("recv: expected EOF");
    close(fd);
}

void w_connect_accept(void) {
    uint16_t port;
    int listener = tcp_listener(1024, &port);
    pthread_t server = start_thread(accept_and_close, &listener);
    for (int i = 0; i < CA_WARMUP; i++) one_connection(port);

    long n = 0;
    int64_t start = now_ns(), t = start;
    while (n < CA_MAX) {
        one_connection(port);
        n++;
        t = now_ns();
        if (t - start >= CA_CAP_NS) break;
    }

    atomic_store(&stopping, 1);
    one_connection(port);
    pthread_join(server, NULL);
    close(listener);
    double secs = (double)(t - start) / 1e9;
    printf("RESULT " IMPL " connect-accept conn_per_s=%.0f us_per_conn=%.2f n=%ld secs=%.3f\n",
           (double)n / secs, secs * 1e6 / (double)n, n, secs);
}

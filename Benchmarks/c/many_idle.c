/* W7 many-idle: 8000 idle connected pairs in one thread; time, RSS growth, close time. */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void w_many_idle(void) {
    uint16_t port;
    int listener = tcp_listener(128, &port);
    /* Bookkeeping allocated and touched before rss0. */
    int *client = calloc(IDLE_PAIRS, sizeof(int)), *server = calloc(IDLE_PAIRS, sizeof(int));
    if (!client || !server) die("calloc");
    memset(client, 0xff, IDLE_PAIRS * sizeof(int));
    memset(server, 0xff, IDLE_PAIRS * sizeof(int));

    long rss0 = rss_kib();
    int64_t t0 = now_ns();
    for (int i = 0; i < IDLE_PAIRS; i++) {
        client[i] = tcp_connect(port);
        server[i] = accept(listener, NULL, NULL);
        CHECK(server[i]);
    }
    int64_t t1 = now_ns();
    long rss1 = rss_kib();
    for (int i = 0; i < IDLE_PAIRS; i++) {
        close(client[i]);
        close(server[i]);
    }
    int64_t t2 = now_ns();
    close(listener);
    free(client);
    free(server);

    double open_s = (double)(t1 - t0) / 1e9, close_s = (double)(t2 - t1) / 1e9;
    printf("RESULT " IMPL " many-idle pairs=%d open_s=%.3f pairs_per_s=%.0f rss_kib_per_pair=%.3f "
           "rss_growth_kib=%ld close_s=%.3f\n",
           IDLE_PAIRS, open_s, IDLE_PAIRS / open_s, (double)(rss1 - rss0) / IDLE_PAIRS, rss1 - rss0, close_s);
}

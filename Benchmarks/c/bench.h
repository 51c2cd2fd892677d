/* C baseline ("c-block") for the otp-socket benchmarks.
 *
 * Blocking syscalls; server in a second thread, client in the main thread.
 * Every workload follows the anchor definitions (shared/bench/WORKLOADS.md,
 * summarized in Benchmarks/README.md): same sizes, counts, time caps, output.
 */
#ifndef OTP_SOCKET_BENCH_H
#define OTP_SOCKET_BENCH_H

#define _GNU_SOURCE
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define IMPL "c-block"

/* Workload constants. */
#define MSG_SIZE        64               /* ping-pong message, bytes */
#define PP_WARMUP       1000             /* untimed round trips */
#define PP_MAX          200000           /* timed round trips, at most */
#define PP_CAP_NS       5000000000LL     /* ... or 5 s */
#define STREAM_BYTES    (1LL << 30)      /* W2: 1 GiB */
#define STREAM_CHUNK    65536            /* W2: bytes per send / receive buffer */
#define CA_WARMUP       1000             /* W4: untimed connections */
#define CA_MAX          20000            /* W4: timed connections, at most */
#define CA_CAP_NS       10000000000LL    /* ... or 10 s */
#define SO_WARMUP       10000            /* W6: untimed set+get pairs */
#define SO_PAIRS        1000000          /* W6: timed pairs */
#define IDLE_PAIRS      8000             /* W7 */
#define CONC_CONNS      100              /* W8 */
#define CONC_NS         3000000000LL     /* W8: 3 s */

/* Errors are fatal: message, errno text, exit status 2. */
void die(const char *what);
#define CHECK(x) do { if ((x) < 0) die(#x); } while (0)

int64_t now_ns(void);                       /* CLOCK_MONOTONIC */
long rss_kib(void);                         /* VmRSS of this process */

int tcp_listener(int backlog, uint16_t *port);  /* 127.0.0.1:0, reports port */
int tcp_connect(uint16_t port);                 /* blocking connect to 127.0.0.1:port */
void set_nodelay(int fd);
void send_all(int fd, const void *buf, size_t n);
/* Receives exactly n bytes; returns 0 on EOF before the first byte, else n. */
size_t recv_all(int fd, void *buf, size_t n);
pthread_t start_thread(void *(*fn)(void *), void *arg);

/* Ping-pong client (W1/W3/W5): warmup, timed loop, RESULT line. */
void pingpong_client(int fd, int datagram, const char *workload);

/* Workloads. */
void w_tcp_pingpong(void);
void w_tcp_stream(void);
void w_udp_pingpong(void);
void w_connect_accept(void);
void w_unix_pingpong(void);
void w_sockopt(void);
void w_many_idle(void);
void w_pingpong_concurrent(void);

#endif

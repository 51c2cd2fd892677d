/* usage: c-block <workload>   (one workload per process run; see Benchmarks/README.md) */
#include "bench.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const struct { const char *name; void (*run)(void); } workloads[] = {
    { "tcp-pingpong", w_tcp_pingpong },     { "tcp-stream", w_tcp_stream },
    { "udp-pingpong", w_udp_pingpong },     { "connect-accept", w_connect_accept },
    { "unix-pingpong", w_unix_pingpong },   { "sockopt", w_sockopt },
    { "many-idle", w_many_idle },           { "pingpong-concurrent", w_pingpong_concurrent },
};
#define N_WORKLOADS (sizeof workloads / sizeof workloads[0])

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s <workload>\nworkloads:", argv[0]);
        for (size_t i = 0; i < N_WORKLOADS; i++) fprintf(stderr, " %s", workloads[i].name);
        fprintf(stderr, "\n");
        return 1;
    }
    /* W7 needs 16000 descriptors: raise the soft limit to the hard one. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    alarm(120);   /* watchdog: a lost UDP datagram or a bug must not hang the driver */
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (size_t i = 0; i < N_WORKLOADS; i++) {
        if (strcmp(argv[1], workloads[i].name) == 0) {
            workloads[i].run();
            return 0;
        }
    }
    fprintf(stderr, "unknown workload: %s\n", argv[1]);
    return 1;
}

#define _GNU_SOURCE
#include "CSocketShims.h"

#include <errno.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

int csock_accept4(int fd, void *address, unsigned int *length, int flags) {
    return accept4(fd, (struct sockaddr *)address, (socklen_t *)length, flags);
}

int csock_dup3(int fd, int target, int flags) { return dup3(fd, target, flags); }

int csock_epoll_create1(int flags) { return epoll_create1(flags); }

int csock_epoll_ctl(int epoll, int operation, int fd, void *event) {
    return epoll_ctl(epoll, operation, fd, (struct epoll_event *)event);
}

int csock_epoll_wait(int epoll, void *events, int count, int timeout) {
    return epoll_wait(epoll, (struct epoll_event *)events, count, timeout);
}

int csock_eventfd(unsigned int initial, int flags) { return eventfd(initial, flags); }

long csock_sendfile(int out, int in, long long *offset, size_t count) {
    off_t position = (off_t)*offset;
    ssize_t sent = sendfile(out, in, &position, count);
    *offset = (long long)position;
    return (long)sent;
}

int csock_setns(int fd, int type) { return setns(fd, type); }

int csock_errno(void) { return errno; }

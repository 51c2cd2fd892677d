// Linux calls that Swift's Glibc module does not export (they need _GNU_SOURCE or headers
// it leaves out). Every pointer is void *: the layouts behind them come from the generator.
#ifndef CSOCKETSHIMS_H
#define CSOCKETSHIMS_H

#include <stddef.h>

int csock_accept4(int fd, void *address, unsigned int *length, int flags);
int csock_dup3(int fd, int target, int flags);
int csock_epoll_create1(int flags);
int csock_epoll_ctl(int epoll, int operation, int fd, void *event);
int csock_epoll_wait(int epoll, void *events, int count, int timeout);
int csock_eventfd(unsigned int initial, int flags);
long csock_sendfile(int out, int in, long long *offset, size_t count);
int csock_setns(int fd, int type);
int csock_errno(void);

#endif

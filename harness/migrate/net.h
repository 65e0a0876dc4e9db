/* Where two migrating processes meet: "unix:PATH" or "[HOST:]PORT" (TCP; HOST
 * defaults to 127.0.0.1, port 0 picks a free one).  Each call returns a descriptor
 * or -1 with a message naming the address and the failed step. */
#ifndef SWSEV_MIGRATE_NET_H
#define SWSEV_MIGRATE_NET_H

#include <stddef.h>

/* 0 if addr is well formed (checked before any work is done), else -1. */
int mig_net_check(const char *addr, char *msg, size_t msglen);
/* A unix: path is replaced only if it holds a stale socket. */
int mig_net_listen(const char *addr, char *bound, size_t boundlen, char *msg, size_t msglen);
/* Waits timeout_ms for the source; the connection's reads and writes then fail after
 * io_timeout_ms of silence (0: never). */
int mig_net_accept(int lfd, int timeout_ms, int io_timeout_ms, char *msg, size_t msglen);
/* Retries until timeout_ms so a sender may start before its receiver listens. */
int mig_net_connect(const char *addr, int timeout_ms, int io_timeout_ms, char *msg, size_t msglen);

#endif

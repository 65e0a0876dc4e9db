#include "harness/migrate/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct addr {
	struct sockaddr_storage sa;
	socklen_t len;
	int family;
};

static int parse(const char *s, struct addr *a, char *msg, size_t msglen)
{
	memset(a, 0, sizeof(*a));
	if (strncmp(s, "unix:", 5) == 0) {
		struct sockaddr_un *u = (struct sockaddr_un *)&a->sa;
		if (!s[5] || strlen(s + 5) >= sizeof(u->sun_path)) {
			snprintf(msg, msglen, "%s: the socket path is empty or too long", s);
			return -1;
		}
		u->sun_family = AF_UNIX;
		strcpy(u->sun_path, s + 5);
		a->len = sizeof(*u);
		a->family = AF_UNIX;
		return 0;
	}
	{
		struct sockaddr_in *in = (struct sockaddr_in *)&a->sa;
		char host[256] = "127.0.0.1";
		const char *colon = strrchr(s, ':'), *port = colon ? colon + 1 : s;
		char *end;
		unsigned long p;

		if (colon) {
			if ((size_t)(colon - s) >= sizeof(host) || colon == s) {
				snprintf(msg, msglen, "%s: not unix:PATH or [HOST:]PORT", s);
				return -1;
			}
			memcpy(host, s, (size_t)(colon - s));
			host[colon - s] = 0;
			if (strcmp(host, "localhost") == 0)
				strcpy(host, "127.0.0.1");
		}
		errno = 0;
		p = strtoul(port, &end, 10);
		if (!*port || *end || errno || p > 65535) {
			snprintf(msg, msglen, "%s: '%s' is not a TCP port (use unix:PATH for a socket file)", s, port);
			return -1;
		}
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)p);
		if (inet_pton(AF_INET, host, &in->sin_addr) != 1) {
			snprintf(msg, msglen, "%s: '%s' is not an IPv4 address", s, host);
			return -1;
		}
		a->len = sizeof(*in);
		a->family = AF_INET;
	}
	return 0;
}

static void tune(int fd, int family, int io_timeout_ms)
{
	int one = 1, buf = 4 << 20;
	struct timeval tv = { io_timeout_ms / 1000, (io_timeout_ms % 1000) * 1000 };

	/* A peer that goes silent mid-migration fails the read or write (ETIMEDOUT)
	 * instead of hanging this side forever; keepalive notices a vanished host. */
	if (io_timeout_ms > 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));

	/* big socket buffers let the two sides run in parallel instead of lock-step */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (family == AF_INET)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int mig_net_listen(const char *addr, char *bound, size_t boundlen, char *msg, size_t msglen)
{
	struct addr a;
	int fd, one = 1;

	if (parse(addr, &a, msg, msglen))
		return -1;
	fd = socket(a.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(msg, msglen, "%s: socket: %s", addr, strerror(errno));
		return -1;
	}
	if (a.family == AF_UNIX) {
		const char *path = ((struct sockaddr_un *)&a.sa)->sun_path;
		struct stat st;
		/* Only a stale socket of an earlier run is replaced: never another kind of
		 * file, never a socket someone still listens on. */
		if (lstat(path, &st) == 0) {
			int probe = S_ISSOCK(st.st_mode) ? socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) : -1;
			bool stale = probe >= 0 && connect(probe, (struct sockaddr *)&a.sa, a.len) != 0 &&
				     errno == ECONNREFUSED;
			if (probe >= 0)
				close(probe);
			if (!stale) {
				snprintf(msg, msglen, "%s: %s", addr,
					 S_ISSOCK(st.st_mode) ? "another receiver listens there" :
								"exists and is not a socket; not replacing it");
				close(fd);
				return -1;
			}
			unlink(path);
		}
	} else {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	}
	if (bind(fd, (struct sockaddr *)&a.sa, a.len) != 0 || listen(fd, 1) != 0) {
		snprintf(msg, msglen, "%s: cannot listen: %s", addr, strerror(errno));
		close(fd);
		return -1;
	}
	if (a.family == AF_INET) {
		struct sockaddr_in in;
		socklen_t l = sizeof(in);
		char ip[INET_ADDRSTRLEN];
		getsockname(fd, (struct sockaddr *)&in, &l);
		inet_ntop(AF_INET, &in.sin_addr, ip, sizeof(ip));
		snprintf(bound, boundlen, "%s:%u", ip, ntohs(in.sin_port));
	} else {
		snprintf(bound, boundlen, "%s", addr);
	}
	return fd;
}

int mig_net_check(const char *addr, char *msg, size_t msglen)
{
	struct addr a;

	return parse(addr, &a, msg, msglen);
}

int mig_net_accept(int lfd, int timeout_ms, int io_timeout_ms, char *msg, size_t msglen)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	struct sockaddr_storage ss;
	socklen_t l = sizeof(ss);
	int r, fd;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		snprintf(msg, msglen, "no source connected within %d s", timeout_ms / 1000);
		return -1;
	}
	fd = r > 0 ? accept4(lfd, (struct sockaddr *)&ss, &l, SOCK_CLOEXEC) : -1;
	if (fd < 0) {
		snprintf(msg, msglen, "accept: %s", strerror(errno));
		return -1;
	}
	tune(fd, ss.ss_family, io_timeout_ms);
	return fd;
}

int mig_net_connect(const char *addr, int timeout_ms, int io_timeout_ms, char *msg, size_t msglen)
{
	struct timespec t0, now, nap = { 0, 20 * 1000000 };
	struct addr a;

	if (parse(addr, &a, msg, msglen))
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int fd = socket(a.family, SOCK_STREAM | SOCK_CLOEXEC, 0), e;

		if (fd < 0) {
			snprintf(msg, msglen, "%s: socket: %s", addr, strerror(errno));
			return -1;
		}
		tune(fd, a.family, io_timeout_ms);
		if (connect(fd, (struct sockaddr *)&a.sa, a.len) == 0)
			return fd;
		e = errno;
		close(fd);
		clock_gettime(CLOCK_MONOTONIC, &now);
		/* only "nobody listens yet" is worth waiting for */
		if ((e != ECONNREFUSED && e != ENOENT) ||
		    (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 >= timeout_ms) {
			snprintf(msg, msglen, "cannot connect to %s: %s", addr, strerror(e));
			return -1;
		}
		nanosleep(&nap, NULL);
	}
}

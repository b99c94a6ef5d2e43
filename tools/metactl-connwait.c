/*
 * metactl-connwait: counts the node's established TCP connections to an
 * ADDRESS:PORT, or waits until none is left, for the lbreg agent's file
 * backend (a drain after the server is marked down in the server-list
 * file). See usage() below.
 *
 * The connections are read from /proc/net/tcp and /proc/net/tcp6, which
 * show the sockets of the reader's network namespace; with --netns the
 * namespace at that path (an app's sandbox, /run/netns/metactl-APP) is
 * read as well, by setns() and back. A connection is counted once by its
 * peer's end: the load balancer's socket (remote ADDRESS:PORT) and the
 * server's socket (local ADDRESS:PORT) of one connection are one.
 *
 * The kernel has no notification of a connection's end that a reader of
 * these files can wait on: the wait reads them again every POLL_MS, so
 * the end of the last connection is seen at most POLL_MS late.
 *
 * Exit status: 0 done, 2 the wait timed out (what is left on stderr),
 * 3 any other failure (the address does not resolve, bad usage).
 */
#include "buildconf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS 200
#define PEERS_MAX 65536
#define TCP_ESTABLISHED_HEX 1

enum {
	EXIT_OK = 0,
	EXIT_TIMEOUT = 2,
	EXIT_FAIL = 3
};

/* An end of a connection as /proc/net/tcp* prints it: the address's
 * 32-bit words as the kernel stores them, and the port. */
struct end {
	unsigned int w[4];
	unsigned int port;
	int v6;
};

struct peers {
	struct end e[PEERS_MAX];
	size_t n;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: metactl-connwait ADDRESS PORT [--netns PATH] "
	    "(--count | --wait-idle MS)\n"
	    "Counts the established TCP connections to ADDRESS:PORT on this\n"
	    "node (and in the network namespace at PATH): --count prints\n"
	    "{\"connections\": N}; --wait-idle waits until there is none, at\n"
	    "most MS milliseconds.\n");
}

/* ADDRESS (a name resolves, IPv4 first) and PORT into want. */
static int
resolve(const char *addr, const char *port, struct end *want)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
	char *end;
	long p = strtol(port, &end, 10);

	if (*end != '\0' || p < 1 || p > 65535)
		return -1;
	memset(want, 0, sizeof(*want));
	want->port = (unsigned int)p;
	hints.ai_family = AF_INET;
	if (getaddrinfo(addr, NULL, &hints, &res) != 0) {
		hints.ai_family = AF_INET6;
		if (getaddrinfo(addr, NULL, &hints, &res) != 0)
			return -1;
	}
	if (res->ai_family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)res->ai_addr;

		memcpy(&want->w[0], &s->sin_addr, 4);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)res->ai_addr;

		memcpy(want->w, &s->sin6_addr, 16);
		want->v6 = 1;
	}
	freeaddrinfo(res);
	return 0;
}

/* "HEX:PORT" of /proc/net/tcp (v6 0) or tcp6 (v6 1). */
static int
parse_end(const char *s, int v6, struct end *e)
{
	memset(e, 0, sizeof(*e));
	e->v6 = v6;
	if (!v6)
		return sscanf(s, "%8X:%X", &e->w[0], &e->port) == 2 ? 0 : -1;
	return sscanf(s, "%8X%8X%8X%8X:%X", &e->w[0], &e->w[1], &e->w[2],
		   &e->w[3], &e->port) == 5
	    ? 0
	    : -1;
}

static int
same(const struct end *a, const struct end *b)
{
	return a->v6 == b->v6 && a->port == b->port &&
	    memcmp(a->w, b->w, sizeof(a->w)) == 0;
}

static void
add_peer(struct peers *p, const struct end *e)
{
	for (size_t i = 0; i < p->n; i++)
		if (same(&p->e[i], e))
			return;
	if (p->n < PEERS_MAX)
		p->e[p->n++] = *e;
}

/* The peers of want's established connections in one file. */
static void
read_file(const char *path, int v6, const struct end *want, struct peers *p)
{
	char line[512], l[128], r[128];
	unsigned int st;
	struct end le, re;
	FILE *f = fopen(path, "re");

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, " %*s %127s %127s %X", l, r, &st) != 3 ||
		    st != TCP_ESTABLISHED_HEX || parse_end(l, v6, &le) < 0 ||
		    parse_end(r, v6, &re) < 0)
			continue;
		if (same(&le, want))
			add_peer(p, &re);
		else if (same(&re, want))
			add_peer(p, &le);
	}
	fclose(f);
}

/* An IPv4 want is also seen as ::ffff:A.B.C.D on an IPv6 socket. */
static void
read_ns(const struct end *want, struct peers *p)
{
	struct end mapped = {.port = want->port, .v6 = 1};
	struct in6_addr a6 = {0};

	if (want->v6) {
		read_file("/proc/net/tcp6", 1, want, p);
		return;
	}
	read_file("/proc/net/tcp", 0, want, p);
	a6.s6_addr[10] = 0xff;
	a6.s6_addr[11] = 0xff;
	memcpy(&a6.s6_addr[12], &want->w[0], 4);
	memcpy(mapped.w, &a6, 16);
	read_file("/proc/net/tcp6", 1, &mapped, p);
}

/* The connections of this namespace and of netns (may be NULL); -1 when
 * netns cannot be entered. */
static long
count(const struct end *want, const char *netns, struct peers *p)
{
	int self, ns, r = 0;

	p->n = 0;
	read_ns(want, p);
	if (netns == NULL)
		return (long)p->n;
	if ((self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if ((ns = open(netns, O_RDONLY | O_CLOEXEC)) < 0 ||
	    setns(ns, CLONE_NEWNET) < 0)
		r = -1;
	else
		read_ns(want, p);
	if (ns >= 0)
		close(ns);
	if (setns(self, CLONE_NEWNET) < 0)
		r = -1;
	close(self);
	return r < 0 ? -1 : (long)p->n;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
wait_idle(const struct end *want, const char *netns, long long timeout_ms,
    struct peers *p, const char *what)
{
	long long end = now_ms() + timeout_ms;
	long n;

	while ((n = count(want, netns, p)) != 0) {
		if (n < 0) {
			fprintf(stderr, "network namespace %s: %s\n", netns,
			    strerror(errno));
			return EXIT_FAIL;
		}
		if (now_ms() >= end) {
			fprintf(stderr,
			    "%s: %ld established connection%s still open "
			    "after %lld ms\n",
			    what, n, n == 1 ? "" : "s", timeout_ms);
			return EXIT_TIMEOUT;
		}
		poll(NULL, 0, POLL_MS);
	}
	return EXIT_OK;
}

int
main(int argc, char **argv)
{
	static struct peers p;
	const char *netns = NULL;
	char what[600];
	struct end want;
	long n;
	int i = 3;

	if (argc < 4) {
		usage(stderr);
		return EXIT_FAIL;
	}
	if (resolve(argv[1], argv[2], &want) < 0) {
		fprintf(stderr, "%s port %s: not an address and port\n",
		    argv[1], argv[2]);
		return EXIT_FAIL;
	}
	snprintf(what, sizeof(what), "%s:%s", argv[1], argv[2]);
	if (strcmp(argv[i], "--netns") == 0 && i + 2 < argc) {
		netns = argv[i + 1];
		i += 2;
	}
	if (strcmp(argv[i], "--wait-idle") == 0 && i + 1 < argc)
		return wait_idle(
		    &want, netns, strtoll(argv[i + 1], NULL, 10), &p, what);
	if (strcmp(argv[i], "--count") != 0) {
		usage(stderr);
		return EXIT_FAIL;
	}
	if ((n = count(&want, netns, &p)) < 0) {
		fprintf(stderr, "network namespace %s: %s\n", netns,
		    strerror(errno));
		return EXIT_FAIL;
	}
	printf("{\"connections\": %ld}\n", n);
	return EXIT_OK;
}

/*
 * metactl-lbctl: sends HAProxy runtime-API lines to its admin UNIX socket
 * and waits on what HAProxy reports, for the lbreg agent (which runs it
 * through action_spawn(), so that its event loop never blocks on the
 * socket). See usage() below.
 *
 * HAProxy's runtime API has no notification: a server's current sessions
 * and check status can only be read again. The waits therefore read
 * `show stat` every POLL_MS: a session ends when its request does, so a
 * drain is seen at most POLL_MS after it happened, and one short socket
 * round trip five times a second costs HAProxy nothing noticeable.
 *
 * Exit status: 0 done, 1 HAProxy refused a line or the server is not
 * what the options require (why on stderr), 2 a wait timed out, 3 any
 * other failure (the socket cannot be reached, bad usage).
 */
#include "buildconf.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS 200

enum {
	EXIT_OK = 0,
	EXIT_REFUSED = 1,
	EXIT_TIMEOUT = 2,
	EXIT_FAIL = 3
};

struct opts {
	const char *socket;
	char backend[256];
	char server[256];
	const char *owner; /* ADDR:PORT the server must have, or NULL */
	const char *if_missing; /* sent when the server does not exist */
	int if_present; /* nothing to do when the server does not exist */
	int status; /* print the server's state as JSON */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: metactl-lbctl --socket PATH --server BACKEND/SERVER\n"
	    "           [--owner ADDR:PORT] [--if-missing LINE] "
	    "[--if-present]\n"
	    "           [--status] [LINE | --wait-idle MS | --wait-up MS]...\n"
	    "Checks that BACKEND exists (and SERVER, unless --if-missing or\n"
	    "--if-present), then sends each LINE and performs each wait in\n"
	    "order. --owner: SERVER, when it exists and is not in "
	    "maintenance,\n"
	    "must have that address. --wait-idle: until the server has no\n"
	    "current session. --wait-up: until its status is UP (or \"no\n"
	    "check\"). --status: prints {\"state\", \"weight\", \"sessions\",\n"
	    "\"check\", \"address\", \"port\"} as read from HAProxy.\n");
}

/* One command: HAProxy's answer, malloc'd, or NULL with errno set. */
static char *
send_line(const char *sock, const char *line)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = 0, cap = 4096;
	char *out = malloc(cap);
	ssize_t r;
	int fd;

	if (out == NULL)
		return NULL;
	if (strlen(sock) >= sizeof(sa.sun_path)) {
		free(out);
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(sa.sun_path, sock);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, line, strlen(line)) < 0 || write(fd, "\n", 1) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		free(out);
		errno = e;
		return NULL;
	}
	while ((r = read(fd, out + n, cap - n - 1)) > 0) {
		n += (size_t)r;
		if (n + 1 == cap) {
			char *o = realloc(out, cap * 2);

			if (o == NULL) {
				free(out);
				close(fd);
				errno = ENOMEM;
				return NULL;
			}
			out = o;
			cap *= 2;
		}
	}
	close(fd);
	out[n] = '\0';
	return out;
}

static char *
ask(const struct opts *o, const char *line)
{
	char *out = send_line(o->socket, line);

	if (out == NULL) {
		fprintf(stderr, "HAProxy admin socket %s: %s\n", o->socket,
		    strerror(errno));
		exit(EXIT_FAIL);
	}
	return out;
}

/* HAProxy answers a line it did what with nothing or with these. */
static int
answer_ok(const char *out)
{
	static const char *const ok[] = {"New server registered",
	    "Server deleted", "changed", "no need to change", NULL};
	const char *p = out;

	while (*p == '\n' || *p == ' ')
		p++;
	if (*p == '\0')
		return 1;
	for (size_t i = 0; ok[i] != NULL; i++)
		if (strstr(out, ok[i]) != NULL)
			return 1;
	return 0;
}

/* Field i (0-based) of a CSV line into buf. */
static void
csv_field(const char *line, int i, char *buf, size_t size)
{
	size_t n = 0;

	for (; i > 0 && *line != '\0' && *line != '\n'; line++)
		if (*line == ',')
			i--;
	while (*line != ',' && *line != '\n' && *line != '\0' && n + 1 < size)
		buf[n++] = *line++;
	buf[n] = '\0';
}

/* The server's line of `show stat`, or NULL (the server is absent).
 * *backend_seen tells whether the backend exists (its line comes after
 * its servers'). */
static const char *
stat_line(const struct opts *o, const char *csv, int *backend_seen)
{
	const char *found = NULL;
	char px[256], sv[256];

	*backend_seen = 0;
	for (const char *l = csv; l != NULL && *l != '\0';
	     l = strchr(l, '\n'), l = l != NULL ? l + 1 : NULL) {
		if (*l == '#')
			continue;
		csv_field(l, 0, px, sizeof(px));
		csv_field(l, 1, sv, sizeof(sv));
		if (strcmp(px, o->backend) != 0)
			continue;
		if (strcmp(sv, "BACKEND") == 0)
			*backend_seen = 1;
		else if (strcmp(sv, o->server) == 0)
			found = l;
	}
	return found;
}

/* show stat fields (management guide, section 9.1). */
enum {
	F_SCUR = 4,
	F_STATUS = 17,
	F_WEIGHT = 18,
	F_CHECK_STATUS = 36,
	F_ADDR = 73
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until the server is idle (up 0) or UP (up 1). */
static int
wait_for(const struct opts *o, long long timeout_ms, int up)
{
	long long end = now_ms() + timeout_ms;
	char f[256], seen[256] = "";
	int be;

	for (;;) {
		char *csv = ask(o, "show stat");
		const char *l = stat_line(o, csv, &be);

		if (l == NULL) {
			free(csv);
			fprintf(stderr, "server %s/%s is gone\n", o->backend,
			    o->server);
			return EXIT_REFUSED;
		}
		csv_field(l, up ? F_STATUS : F_SCUR, f, sizeof(f));
		free(csv);
		snprintf(seen, sizeof(seen), "%s", f);
		if (up ? strcmp(f, "UP") == 0 || strcmp(f, "no check") == 0
		       : strcmp(f, "0") == 0 || f[0] == '\0')
			return EXIT_OK;
		if (now_ms() >= end)
			break;
		poll(NULL, 0, POLL_MS);
	}
	fprintf(stderr, "server %s/%s: %s after %lld ms (%s %s)\n", o->backend,
	    o->server, up ? "not UP" : "sessions still open", timeout_ms,
	    up ? "status" : "current sessions", seen);
	return EXIT_TIMEOUT;
}

/* Prints the server's state as JSON. */
static int
print_status(const struct opts *o, const char *l)
{
	char st[64], w[32], scur[32], chk[64], addr[300], *port;

	csv_field(l, F_STATUS, st, sizeof(st));
	csv_field(l, F_WEIGHT, w, sizeof(w));
	csv_field(l, F_SCUR, scur, sizeof(scur));
	csv_field(l, F_CHECK_STATUS, chk, sizeof(chk));
	csv_field(l, F_ADDR, addr, sizeof(addr));
	if ((port = strrchr(addr, ':')) != NULL)
		*port++ = '\0';
	printf("{\"backend\": \"%s\", \"server\": \"%s\", \"state\": \"%s\", "
	       "\"weight\": %ld, \"sessions\": %ld, \"check\": \"%s\", "
	       "\"address\": \"%s\", \"port\": %ld}\n",
	    o->backend, o->server, st, strtol(w, NULL, 10),
	    strtol(scur, NULL, 10), chk, addr,
	    port != NULL ? strtol(port, NULL, 10) : 0L);
	return EXIT_OK;
}

/* The server's address:port is o->owner, or it is in maintenance. */
static int
owner_ok(const struct opts *o, const char *l)
{
	char st[64], addr[300];

	csv_field(l, F_STATUS, st, sizeof(st));
	csv_field(l, F_ADDR, addr, sizeof(addr));
	if (o->owner == NULL || strcmp(addr, o->owner) == 0 ||
	    strncmp(st, "MAINT", 5) == 0)
		return 1;
	fprintf(stderr,
	    "server %s/%s is taken: it serves %s, not %s (another node's; "
	    "set [lb] server)\n",
	    o->backend, o->server, addr, o->owner);
	return 0;
}

/* Checks the backend and the server before anything is sent. */
static int
check_first(const struct opts *o, int *skip)
{
	char *csv = ask(o, "show stat");
	const char *l;
	int be, r = EXIT_OK;

	*skip = 0;
	l = stat_line(o, csv, &be);
	if (!be) {
		fprintf(stderr, "HAProxy at %s has no backend %s\n", o->socket,
		    o->backend);
		r = EXIT_REFUSED;
	} else if (l == NULL && o->if_missing != NULL) {
		char *out = ask(o, o->if_missing);

		if (!answer_ok(out)) {
			fprintf(stderr, "%s: %s", o->if_missing, out);
			r = EXIT_REFUSED;
		}
		free(out);
	} else if (l == NULL && o->if_present) {
		*skip = 1;
	} else if (l == NULL) {
		fprintf(stderr, "HAProxy backend %s has no server %s\n",
		    o->backend, o->server);
		r = EXIT_REFUSED;
	} else if (!owner_ok(o, l)) {
		r = EXIT_REFUSED;
	} else if (o->status) {
		r = print_status(o, l);
	}
	free(csv);
	return r;
}

static int
parse_opts(int argc, char **argv, struct opts *o, int *first)
{
	int i;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--status") == 0)
			o->status = 1;
		else if (strcmp(a, "--if-present") == 0)
			o->if_present = 1;
		else if (i + 1 >= argc || strncmp(a, "--wait-", 7) == 0)
			break;
		else if (strcmp(a, "--socket") == 0)
			o->socket = argv[++i];
		else if (strcmp(a, "--owner") == 0)
			o->owner = argv[++i];
		else if (strcmp(a, "--if-missing") == 0)
			o->if_missing = argv[++i];
		else if (strcmp(a, "--server") == 0) {
			const char *s = argv[++i], *slash = strchr(s, '/');

			if (slash == NULL)
				return -1;
			snprintf(o->backend, sizeof(o->backend), "%.*s",
			    (int)(slash - s), s);
			snprintf(o->server, sizeof(o->server), "%s", slash + 1);
		} else
			return -1;
	}
	*first = i;
	return o->socket != NULL && o->server[0] != '\0' ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct opts o = {0};
	int i, r, skip;

	if (parse_opts(argc, argv, &o, &i) < 0) {
		usage(stderr);
		return EXIT_FAIL;
	}
	if ((r = check_first(&o, &skip)) != EXIT_OK || skip || o.status)
		return r;
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--wait-idle") == 0 ||
		    strcmp(argv[i], "--wait-up") == 0) {
			if (i + 1 >= argc) {
				usage(stderr);
				return EXIT_FAIL;
			}
			r = wait_for(&o, strtoll(argv[i + 1], NULL, 10),
			    argv[i][7] == 'u');
			if (r != EXIT_OK)
				return r;
			i++;
			continue;
		}
		char *out = ask(&o, argv[i]);

		if (!answer_ok(out)) {
			fprintf(stderr, "%s: %s", argv[i], out);
			free(out);
			return EXIT_REFUSED;
		}
		free(out);
	}
	return EXIT_OK;
}

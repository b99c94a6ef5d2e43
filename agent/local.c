/*
 * local.c: the local transport, a UNIX stream socket carrying one envelope
 * per line each way. The caller is "uid=N" from SO_PEERCRED; requests need
 * no certificate. Replies leave in the order their requests arrived; a
 * request dropped by its filter leaves no line.
 *
 * The socket is open to every local user and the agent runs as root, so
 * what one user can make it hold is bounded ([local] in metactld.conf(5),
 * "Local socket limits" in docs/PROTOCOL.md): connections at once, in all
 * and per uid; a line longer than the message limit is answered "too
 * large" and skipped, never buffered; the bytes held for one uid (input,
 * replies waiting, their slots) stop its reading at buffer_per_uid; and a
 * connection that sits on half a line for line_timeout is closed. The
 * deadline's timer runs only while a partial line is pending.
 */
#include "buildconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include "transport.h"
#include "agentd.h"

/* A client that sends but does not read is not read from either once this
 * much of its replies waits to be written, or once this many of its
 * requests wait for their turn to be answered (replies leave in order, so
 * one long action holds every later reply back). */
#define LOCAL_WRITE_QUEUE_MAX (1024 * 1024)
#define LOCAL_SLOTS_MAX 1024

struct local_conn;

struct local_server {
	struct agentd *d;
	uv_pipe_t *listener;
	char *path;
	LIST_HEAD(, local_conn) conns;
	unsigned nconns;
	unsigned long refused; /* connections refused by the caps */
	int resuming; /* inside resume_uid() */
};

struct local_slot {
	struct reply_sink base;
	TAILQ_ENTRY(local_slot) entry;
	struct local_conn *c;
	unsigned refs;
	char *out; /* the reply line, newline included */
	size_t outlen;
};

struct local_conn {
	LIST_ENTRY(local_conn) entry;
	uv_pipe_t pipe;
	uv_timer_t deadline; /* running while a partial line is pending */
	struct local_server *srv; /* NULL once the server stopped */
	struct agentd *d;
	uid_t uid;
	char *buf;
	size_t len, cap;
	int discarding; /* skipping the rest of an oversized line */
	int closing;
	int paused; /* reading stopped until the replies drain */
	int over_budget; /* paused because its uid holds buffer_per_uid */
	int processing; /* inside process() */
	unsigned refs; /* 1 per open handle, 1 per slot */
	TAILQ_HEAD(, local_slot) slots;
	size_t nslots;
	size_t held; /* bytes of replies in slots, not yet written */
};

struct write_req {
	uv_write_t req;
	struct local_conn *c;
	char *data;
};

static void conn_unref(struct local_conn *c);

static void
free_handle(uv_handle_t *h)
{
	free(h);
}

static void
conn_closed(uv_handle_t *h)
{
	conn_unref(h->data);
}

static void resume_uid(struct local_server *srv, uid_t uid);

static void
conn_close(struct local_conn *c)
{
	struct local_server *srv = c->srv;

	if (c->closing)
		return;
	c->closing = 1;
	if (srv != NULL) {
		LIST_REMOVE(c, entry);
		srv->nconns--;
	}
	c->srv = NULL;
	uv_close((uv_handle_t *)&c->deadline, conn_closed);
	uv_close((uv_handle_t *)&c->pipe, conn_closed);
	if (srv != NULL)
		resume_uid(srv, c->uid);
}

static void
conn_unref(struct local_conn *c)
{
	if (--c->refs > 0)
		return;
	free(c->buf);
	free(c);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b);
static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b);
static void process(struct local_conn *c);

/* What the connection holds: its input buffer, its replies, their slots. */
static size_t
conn_bytes(struct local_conn *c)
{
	return c->cap + c->held + c->nslots * sizeof(struct local_slot) +
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe);
}

/* What the open connections of uid hold together. */
static size_t
uid_bytes(const struct local_server *srv, uid_t uid)
{
	struct local_conn *c;
	size_t n = 0;

	LIST_FOREACH(c, &srv->conns, entry)
	if (c->uid == uid)
		n += conn_bytes(c);
	return n;
}

/*
 * Whether c's uid holds its budget (resume: more than three quarters of
 * it, so that reading does not flip on and off at every byte).
 */
static int
uid_over_budget(struct local_conn *c, int resume)
{
	size_t max = c->d->conf.local_uid_buffer_max;
	size_t held;

	if (c->srv == NULL)
		return 0;
	held = uid_bytes(c->srv, c->uid);
	return resume ? held > max / 4 * 3 : held >= max;
}

/*
 * Stops reading from a client whose replies pile up, written or waiting
 * for an earlier one, and starts again once they went down by half. The
 * lines it already sent wait in its buffer meanwhile.
 */
static void
throttle(struct local_conn *c)
{
	size_t backlog;

	if (c->closing)
		return;
	backlog =
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe) + c->held;
	if (!c->paused &&
	    (backlog > LOCAL_WRITE_QUEUE_MAX || c->nslots > LOCAL_SLOTS_MAX)) {
		log_debug("local: uid=%u reads no replies; pausing",
		    (unsigned)c->uid);
		c->paused = 1;
		uv_read_stop((uv_stream_t *)&c->pipe);
	} else if (!c->paused && uid_over_budget(c, 0)) {
		log_debug("local: uid=%u holds buffer_per_uid; pausing",
		    (unsigned)c->uid);
		c->paused = c->over_budget = 1;
		uv_read_stop((uv_stream_t *)&c->pipe);
	} else if (c->paused && backlog < LOCAL_WRITE_QUEUE_MAX / 2 &&
	    c->nslots < LOCAL_SLOTS_MAX / 2 && !uid_over_budget(c, 1)) {
		c->paused = c->over_budget = 0;
		process(c);
		if (!c->paused && !c->closing)
			uv_read_start(
			    (uv_stream_t *)&c->pipe, on_alloc, on_read);
	}
}

static void
written(uv_write_t *req, int status)
{
	struct write_req *w = (struct write_req *)req;
	struct local_conn *c = w->c;

	if (status < 0 && status != UV_ECANCELED)
		log_debug("local: write failed: %s", uv_strerror(status));
	free(w->data);
	throttle(c);
	if (c->srv != NULL)
		resume_uid(c->srv, c->uid);
	conn_unref(c);
	free(w);
}

/* Lets the connections of uid paused for its budget read again, if the
 * budget allows now. */
static void
resume_uid(struct local_server *srv, uid_t uid)
{
	struct local_conn *c, *next;

	if (srv->resuming)
		return;
	srv->resuming = 1;
	for (c = LIST_FIRST(&srv->conns); c != NULL; c = next) {
		next = LIST_NEXT(c, entry);
		if (c->uid == uid && c->over_budget)
			throttle(c);
	}
	srv->resuming = 0;
}

/* Writes every finished reply at the head of the queue. */
static void
flush(struct local_conn *c)
{
	struct local_slot *s;

	c->refs++; /* the last slot may hold the last reference */
	while ((s = TAILQ_FIRST(&c->slots)) != NULL && s->refs == 0) {
		TAILQ_REMOVE(&c->slots, s, entry);
		c->nslots--;
		if (s->out != NULL)
			c->held -= s->outlen;
		if (s->out != NULL && !c->closing) {
			struct write_req *w = calloc(1, sizeof(*w));
			uv_buf_t b = uv_buf_init(s->out, (unsigned)s->outlen);

			if (w != NULL) {
				w->c = c;
				w->data = s->out;
				s->out = NULL;
				c->refs++;
				if (uv_write(&w->req, (uv_stream_t *)&c->pipe,
					&b, 1, written) < 0) {
					free(w->data);
					free(w);
					c->refs--;
				}
			}
		}
		free(s->out);
		free(s);
		conn_unref(c);
	}
	throttle(c);
	conn_unref(c);
}

static void
slot_send(struct reply_sink *base, const char *buf, size_t len)
{
	struct local_slot *s = (struct local_slot *)base;

	if (s->out != NULL || (s->out = malloc(len + 1)) == NULL)
		return;
	memcpy(s->out, buf, len);
	s->out[len] = '\n';
	s->outlen = len + 1;
	s->c->held += s->outlen;
}

static void
slot_hold(struct reply_sink *base)
{
	((struct local_slot *)base)->refs++;
}

static void
slot_release(struct reply_sink *base)
{
	struct local_slot *s = (struct local_slot *)base;

	if (--s->refs == 0)
		flush(s->c);
}

static void
handle_line(struct local_conn *c, const char *line, size_t len)
{
	struct local_slot *s;
	struct dispatch_origin o = {.local = 1, .uid = c->uid};

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_warnx("local: request dropped: out of memory");
		return;
	}
	s->base.send = slot_send;
	s->base.hold = slot_hold;
	s->base.release = slot_release;
	s->c = c;
	s->refs = 1;
	c->refs++;
	TAILQ_INSERT_TAIL(&c->slots, s, entry);
	c->nslots++;
	dispatch_message(c->d, line, len, &o, &s->base);
	slot_release(&s->base);
}

/*
 * The input buffer grows to the message limit and 64k, no further: a line
 * longer than the limit is answered and skipped as it arrives.
 */
static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct local_conn *c = h->data;
	size_t limit = c->d->conf.message_max + 65536;

	(void)hint;
	if (c->cap - c->len < 4096 && c->cap < limit) {
		size_t ncap = c->cap ? c->cap * 2 : 16384;
		char *nb;

		if (ncap > limit)
			ncap = limit;
		if ((nb = realloc(c->buf, ncap)) == NULL) {
			*b = uv_buf_init(NULL, 0);
			return;
		}
		c->buf = nb;
		c->cap = ncap;
	}
	*b = uv_buf_init(c->buf + c->len, (unsigned)(c->cap - c->len));
}

static void
on_deadline(uv_timer_t *t)
{
	struct local_conn *c = t->data;

	log_info("local: uid=%u sat on half a line for %lld ms; closing",
	    (unsigned)c->uid, c->d->conf.local_line_timeout_ms);
	conn_close(c);
}

/*
 * A line must be complete within line_timeout of its first byte: the timer
 * runs while a partial line (or the rest of an oversized one) is pending,
 * restarts when a line was completed, stops when none is pending.
 */
static void
set_deadline(struct local_conn *c, int completed)
{
	int partial = c->discarding ||
	    (c->len > 0 && memchr(c->buf, '\n', c->len) == NULL);
	uint64_t ms = (uint64_t)c->d->conf.local_line_timeout_ms;

	if (c->closing)
		return;
	if (!partial)
		uv_timer_stop(&c->deadline);
	else if (completed || !uv_is_active((uv_handle_t *)&c->deadline))
		uv_timer_start(&c->deadline, on_deadline, ms, 0);
}

/* Handles the complete lines in the buffer until the client is paused. */
static void
process(struct local_conn *c)
{
	size_t max = c->d->conf.message_max;
	size_t start = 0;
	char *nl = NULL;

	if (c->processing || c->buf == NULL)
		return;
	c->processing = 1;
	while (!c->paused &&
	    (nl = memchr(c->buf + start, '\n', c->len - start)) != NULL) {
		size_t ll = (size_t)(nl - (c->buf + start));

		if (c->discarding)
			c->discarding = 0;
		else if (ll > 0 && !(ll == 1 && c->buf[start] == '\r'))
			handle_line(c, c->buf + start, ll);
		start += ll + 1;
		if (c->closing) {
			c->processing = 0;
			return;
		}
	}
	c->processing = 0;
	memmove(c->buf, c->buf + start, c->len - start);
	c->len -= start;
	set_deadline(c, start > 0);
	if (c->paused)
		return; /* complete lines may wait here: none is too long */
	if (c->len > max && !c->discarding) {
		/* The dispatcher answers "too large" from the length alone. */
		handle_line(c, c->buf, c->len);
		c->discarding = 1;
	}
	if (c->discarding)
		c->len = 0;
	if (c->len == 0) {
		/* An idle connection holds no buffer. */
		free(c->buf);
		c->buf = NULL;
		c->cap = 0;
	} else if (c->cap > 65536 && c->len < 4096) {
		char *nb = realloc(c->buf, 16384);

		if (nb != NULL) {
			c->buf = nb;
			c->cap = 16384;
		}
	}
	set_deadline(c, 0);
}

static void
on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct local_conn *c = st->data;

	if (n < 0) {
		conn_close(c);
		return;
	}
	c->len += (size_t)n;
	process(c);
	throttle(c);
}

/* Whether a new connection of uid stays within the caps; logs refusals,
 * the first and then at every power of two. */
static int
conn_allowed(struct local_server *srv, uid_t uid)
{
	const struct conf *conf = &srv->d->conf;
	const struct local_conn *c;
	unsigned n = 0;
	const char *why = NULL;

	LIST_FOREACH(c, &srv->conns, entry)
	n += c->uid == uid;
	if (srv->nconns >= conf->local_conns_max)
		why = "connections";
	else if (n >= conf->local_uid_conns_max)
		why = "connections_per_uid";
	if (why == NULL)
		return 1;
	srv->refused++;
	if ((srv->refused & (srv->refused - 1)) == 0)
		log_warnx("local: refusing connection from uid=%u: [local] %s "
			  "reached (%lu refused so far)",
		    (unsigned)uid, why, srv->refused);
	return 0;
}

static void
on_connection(uv_stream_t *server, int status)
{
	struct local_server *srv = server->data;
	struct local_conn *c;
	uv_os_fd_t fd;
	int r;

	if (status < 0) {
		log_warnx("local: accept: %s", uv_strerror(status));
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return;
	/* Counted, and closed by local_stop(), once it is accepted. */
	c->d = srv->d;
	c->refs = 2;
	TAILQ_INIT(&c->slots);
	uv_pipe_init(srv->d->loop, &c->pipe, 0);
	uv_timer_init(srv->d->loop, &c->deadline);
	c->pipe.data = c->deadline.data = c;
	if ((r = uv_accept(server, (uv_stream_t *)&c->pipe)) < 0) {
		log_warnx("local: accept: %s", uv_strerror(r));
		conn_close(c);
		return;
	}
	if (uv_fileno((uv_handle_t *)&c->pipe, &fd) < 0 ||
	    (r = transport_unix_peer_uid(fd, &c->uid)) < 0) {
		log_warnx("local: cannot identify the peer: %s", error_str(r));
		conn_close(c);
		return;
	}
	if (!conn_allowed(srv, c->uid)) {
		conn_close(c);
		return;
	}
	c->srv = srv;
	LIST_INSERT_HEAD(&srv->conns, c, entry);
	srv->nconns++;
	log_debug("local: connection from uid=%u", (unsigned)c->uid);
	uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read);
}

int
local_start(struct agentd *d, struct local_server **ret)
{
	struct local_server *l = calloc(1, sizeof(*l));
	int fd, r;

	if (l == NULL)
		return -ENOMEM;
	l->d = d;
	LIST_INIT(&l->conns);
	if ((l->path = strdup(d->conf.socket_path)) == NULL ||
	    (l->listener = calloc(1, sizeof(*l->listener))) == NULL) {
		free(l->path);
		free(l);
		return -ENOMEM;
	}
	if ((fd = transport_unix_listen(l->path, d->conf.socket_mode)) < 0) {
		free(l->listener);
		free(l->path);
		free(l);
		return fd;
	}
	uv_pipe_init(d->loop, l->listener, 0);
	l->listener->data = l;
	if ((r = uv_pipe_open(l->listener, fd)) < 0 ||
	    (r = uv_listen((uv_stream_t *)l->listener, 64, on_connection)) <
		0) {
		uv_close((uv_handle_t *)l->listener, free_handle);
		unlink(l->path);
		free(l->path);
		free(l);
		return r;
	}
	log_info("local: listening on %s", l->path);
	*ret = l;
	return 0;
}

/* Stops accepting and closes every connection; replies still owed to a
 * closed connection are dropped. */
void
local_stop(struct local_server *l)
{
	struct local_conn *c;

	if (l == NULL)
		return;
	uv_close((uv_handle_t *)l->listener, free_handle);
	unlink(l->path);
	while ((c = LIST_FIRST(&l->conns)) != NULL)
		conn_close(c);
	free(l->path);
	free(l);
}

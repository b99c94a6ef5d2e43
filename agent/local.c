/*
 * local.c: the local transport, a UNIX stream socket carrying one envelope
 * per line each way. The caller is "uid=N" from SO_PEERCRED; requests need
 * no certificate. Replies leave in the order their requests arrived; a
 * request dropped by its filter leaves no line.
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
 * much of its replies waits to be written. */
#define LOCAL_WRITE_QUEUE_MAX (1024 * 1024)

struct local_conn;

struct local_server {
	struct agentd *d;
	uv_pipe_t *listener;
	char *path;
	LIST_HEAD(, local_conn) conns;
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
	struct local_server *srv; /* NULL once the server stopped */
	struct agentd *d;
	uid_t uid;
	char *buf;
	size_t len, cap;
	int discarding; /* skipping the rest of an oversized line */
	int closing;
	int paused; /* reading stopped until the replies drain */
	unsigned refs; /* 1 for the open handle, 1 per slot */
	TAILQ_HEAD(, local_slot) slots;
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

static void
conn_close(struct local_conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	if (c->srv != NULL)
		LIST_REMOVE(c, entry);
	c->srv = NULL;
	uv_close((uv_handle_t *)&c->pipe, conn_closed);
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

static void
written(uv_write_t *req, int status)
{
	struct write_req *w = (struct write_req *)req;
	struct local_conn *c = w->c;

	if (status < 0 && status != UV_ECANCELED)
		log_debug("local: write failed: %s", uv_strerror(status));
	if (c->paused && !c->closing &&
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe) <
		LOCAL_WRITE_QUEUE_MAX / 2) {
		c->paused = 0;
		uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read);
	}
	free(w->data);
	conn_unref(c);
	free(w);
}

/* Writes every finished reply at the head of the queue. */
static void
flush(struct local_conn *c)
{
	struct local_slot *s;

	c->refs++; /* the last slot may hold the last reference */
	while ((s = TAILQ_FIRST(&c->slots)) != NULL && s->refs == 0) {
		TAILQ_REMOVE(&c->slots, s, entry);
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
	if (!c->closing && !c->paused &&
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe) >
		LOCAL_WRITE_QUEUE_MAX) {
		log_debug("local: uid=%u reads no replies; pausing",
		    (unsigned)c->uid);
		c->paused = 1;
		uv_read_stop((uv_stream_t *)&c->pipe);
	}
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
	dispatch_message(c->d, line, len, &o, &s->base);
	slot_release(&s->base);
}

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct local_conn *c = h->data;

	if (c->cap - c->len < 4096) {
		size_t ncap = c->cap ? c->cap * 2 : 16384;
		char *nb = realloc(c->buf, ncap);

		if (nb == NULL) {
			*b = uv_buf_init(NULL, 0);
			return;
		}
		c->buf = nb;
		c->cap = ncap;
	}
	*b = uv_buf_init(c->buf + c->len, (unsigned)(c->cap - c->len));
}

static void
on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct local_conn *c = st->data;
	size_t max = c->d->conf.message_max;
	size_t start = 0;
	char *nl;

	if (n < 0) {
		conn_close(c);
		return;
	}
	c->len += (size_t)n;
	while ((nl = memchr(c->buf + start, '\n', c->len - start)) != NULL) {
		size_t ll = (size_t)(nl - (c->buf + start));

		if (c->discarding)
			c->discarding = 0;
		else if (ll > 0 && !(ll == 1 && c->buf[start] == '\r'))
			handle_line(c, c->buf + start, ll);
		start += ll + 1;
		if (c->closing)
			return;
	}
	memmove(c->buf, c->buf + start, c->len - start);
	c->len -= start;
	if (c->len > max && !c->discarding) {
		/* The dispatcher answers "too large" from the length alone. */
		handle_line(c, c->buf, c->len);
		c->discarding = 1;
	}
	if (c->discarding)
		c->len = 0;
	if (c->cap > 65536 && c->len < 4096) {
		char *nb = realloc(c->buf, 16384);

		if (nb != NULL) {
			c->buf = nb;
			c->cap = 16384;
		}
	}
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
	c->srv = srv;
	c->d = srv->d;
	c->refs = 1;
	TAILQ_INIT(&c->slots);
	uv_pipe_init(srv->d->loop, &c->pipe, 0);
	c->pipe.data = c;
	LIST_INSERT_HEAD(&srv->conns, c, entry);
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

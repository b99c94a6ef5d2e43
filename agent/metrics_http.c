/*
 * metrics_http.c: GET /metrics on [metrics] listen, from the daemon's loop.
 *
 * One request per connection, answered and closed. What a client can hold
 * is bounded: METRICS_HTTP_CONNS connections at once (more are closed at
 * once), METRICS_HTTP_HEAD bytes of request line and headers (more is
 * refused), METRICS_HTTP_TIMEOUT_MS for the request to arrive. The timer
 * exists only while a connection is open: nobody scraping costs no wake-up.
 */
#include "buildconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "agentd.h"
#include "metrics.h"

#define METRICS_HTTP_CONNS 8
#define METRICS_HTTP_TIMEOUT_MS 5000

struct metrics_conn {
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_write_t wr;
	struct metrics_server *srv;
	char head[METRICS_HTTP_HEAD];
	size_t len;
	struct metrics_buf out;
	int closing; /* handles still to close */
	int answered;
};

struct metrics_server {
	uv_tcp_t tcp;
	struct agentd *d;
	unsigned nconns;
	struct metrics_conn *conns[METRICS_HTTP_CONNS];
};

static void
conn_closed(uv_handle_t *h)
{
	struct metrics_conn *c = h->data;

	if (--c->closing > 0)
		return;
	metrics_buf_clear(&c->out);
	free(c);
}

static void
conn_close(struct metrics_conn *c)
{
	struct metrics_server *s = c->srv;

	if (c->closing > 0)
		return;
	for (unsigned i = 0; i < METRICS_HTTP_CONNS; i++)
		if (s->conns[i] == c)
			s->conns[i] = NULL;
	s->nconns--;
	c->closing = 2;
	uv_close((uv_handle_t *)&c->timer, conn_closed);
	uv_close((uv_handle_t *)&c->tcp, conn_closed);
}

static void
on_written(uv_write_t *w, int status)
{
	(void)status;
	conn_close(w->data);
}

/* The status line, headers and body; the connection closes after it. */
static void
respond(struct metrics_conn *c, const char *status, const char *type,
    const struct metrics_buf *body)
{
	struct metrics_buf *o = &c->out;
	uv_buf_t b;

	c->answered = 1;
	uv_timer_stop(&c->timer);
	uv_read_stop((uv_stream_t *)&c->tcp);
	metrics_buf_printf(o,
	    "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n",
	    status, type, body != NULL ? body->len : 0);
	if (body != NULL && body->len > 0)
		metrics_buf_printf(o, "%.*s", (int)body->len, body->s);
	if (o->oom) {
		conn_close(c);
		return;
	}
	b = uv_buf_init(o->s, (unsigned)o->len);
	c->wr.data = c;
	if (uv_write(&c->wr, (uv_stream_t *)&c->tcp, &b, 1, on_written) < 0)
		conn_close(c);
}

int
metrics_http_route(const char *head, size_t len)
{
	if (memmem(head, len, "\r\n\r\n", 4) == NULL &&
	    memmem(head, len, "\n\n", 2) == NULL)
		return len >= METRICS_HTTP_HEAD ? 431 : 0;
	if (len < 4 || memcmp(head, "GET ", 4) != 0)
		return 405;
	if (len < 13 || memcmp(head + 4, "/metrics", 8) != 0 ||
	    (head[12] != ' ' && head[12] != '?'))
		return 404;
	return 200;
}

static void
answer(struct metrics_conn *c, int route)
{
	struct metrics_buf body = {0};

	if (route == 405) {
		respond(c, "405 Method Not Allowed", "text/plain", NULL);
		return;
	}
	if (route == 404) {
		respond(c, "404 Not Found", "text/plain", NULL);
		return;
	}
	if (route == 431) {
		respond(c, "431 Request Header Fields Too Large", "text/plain",
		    NULL);
		return;
	}
	metrics_render(c->srv->d, &body);
	if (body.oom)
		respond(c, "503 Service Unavailable", "text/plain", NULL);
	else
		respond(c, "200 OK", "text/plain; version=0.0.4; charset=utf-8",
		    &body);
	metrics_buf_clear(&body);
}

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct metrics_conn *c = h->data;

	(void)hint;
	*buf =
	    uv_buf_init(c->head + c->len, (unsigned)(sizeof(c->head) - c->len));
}

static void
on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct metrics_conn *c = st->data;
	int route;

	(void)buf;
	if (n < 0) {
		conn_close(c);
		return;
	}
	c->len += (size_t)n;
	if ((route = metrics_http_route(c->head, c->len)) != 0)
		answer(c, route);
}

static void
on_timeout(uv_timer_t *t)
{
	struct metrics_conn *c = t->data;

	if (!c->answered)
		conn_close(c);
}

static void
on_connection(uv_stream_t *l, int status)
{
	struct metrics_server *s = l->data;
	struct metrics_conn *c;
	unsigned i;

	if (status < 0)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return;
	c->srv = s;
	uv_tcp_init(l->loop, &c->tcp);
	uv_timer_init(l->loop, &c->timer);
	c->tcp.data = c->timer.data = c;
	s->nconns++;
	if (uv_accept(l, (uv_stream_t *)&c->tcp) < 0 ||
	    s->nconns > METRICS_HTTP_CONNS) {
		if (s->nconns > METRICS_HTTP_CONNS)
			log_debug("metrics: %u connections open; one closed",
			    METRICS_HTTP_CONNS);
		conn_close(c);
		return;
	}
	for (i = 0; i < METRICS_HTTP_CONNS && s->conns[i] != NULL; i++)
		;
	s->conns[i] = c;
	uv_timer_start(&c->timer, on_timeout, METRICS_HTTP_TIMEOUT_MS, 0);
	if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0)
		conn_close(c);
}

int
metrics_http_start(struct agentd *d, struct metrics_server **ret)
{
	struct sockaddr_storage ss;
	struct metrics_server *s;
	int r;

	*ret = NULL;
	if ((r = conf_listen_addr(d->conf.metrics_listen, &ss)) < 0)
		return r;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	s->d = d;
	uv_tcp_init(d->loop, &s->tcp);
	s->tcp.data = s;
	if ((r = uv_tcp_bind(&s->tcp, (struct sockaddr *)&ss, 0)) < 0 ||
	    (r = uv_listen((uv_stream_t *)&s->tcp, 16, on_connection)) < 0) {
		metrics_http_stop(s);
		return r;
	}
	log_info("metrics: listening on %s", d->conf.metrics_listen);
	*ret = s;
	return 0;
}

static void
free_server(uv_handle_t *h)
{
	free(h->data);
}

void
metrics_http_stop(struct metrics_server *s)
{
	if (s == NULL)
		return;
	for (unsigned i = 0; i < METRICS_HTTP_CONNS; i++)
		if (s->conns[i] != NULL)
			conn_close(s->conns[i]);
	uv_close((uv_handle_t *)&s->tcp, free_server);
}

/*
 * broker.c: the AMQP side of metactld, on the event loop's side. The link
 * itself lives on its own thread (amqpio.c): nothing here waits for the
 * broker. Deliveries arrive through a uv_async_t and go through
 * dispatch_message() on the loop; replies go to the link's bounded
 * outgoing queue.
 */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport.h"
#include "agentd.h"
#include "amqpio.h"

/* Deliveries dispatched per turn of the loop before it looks at its other
 * handles again. */
#define DISPATCH_BATCH 32

struct broker {
	struct agentd *d;
	struct amqpio *io;
	uv_async_t *async; /* the I/O thread says deliveries wait */
	char **urls; /* with the configured credentials applied */
	size_t nurls;
	int ready; /* the service manager was told */
};

struct broker_sink {
	struct reply_sink base;
	unsigned refs;
	struct agentd *d;
	char *reply_to;
};

static void
free_handle(uv_handle_t *h)
{
	free(h);
}

/* Percent-encodes what a URL's user info or path cannot hold as is. */
static void
url_escape(char *dst, size_t size, const char *s)
{
	size_t n = 0;

	for (; *s != '\0' && n + 4 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL)
			dst[n++] = (char)c;
		else
			n += (size_t)snprintf(dst + n, size - n, "%%%02X", c);
	}
	dst[n] = '\0';
}

/* The configured URL with [broker] user/password applied. */
static char *
url_with_credentials(const struct conf *c, const char *url)
{
	struct transport_url u;
	struct error err;
	char user[256], pass[256], vhost[256], out[1024];

	if (c->broker_user == NULL && c->broker_password == NULL)
		return strdup(url);
	memset(&u, 0, sizeof(u));
	error_init(&err, "broker");
	if (transport_url_parse(url, &u, &err) < 0)
		return strdup(url);
	url_escape(user, sizeof(user),
	    c->broker_user ? c->broker_user : (u.user ? u.user : "guest"));
	url_escape(pass, sizeof(pass),
	    c->broker_password ? c->broker_password
			       : (u.password ? u.password : "guest"));
	url_escape(vhost, sizeof(vhost), u.vhost ? u.vhost : "/");
	snprintf(out, sizeof(out), "%s://%s:%s@%s:%d%s%s",
	    u.tls ? "amqps" : "amqp", user, pass, u.host ? u.host : "localhost",
	    u.port, strcmp(vhost, "%2F") == 0 ? "" : "/",
	    strcmp(vhost, "%2F") == 0 ? "" : vhost);
	transport_url_clear(&u);
	return strdup(out);
}

/* Reply sinks: replies go to the request's reply_to on the default
 * exchange, through the outgoing queue. */
static void
sink_send(struct reply_sink *base, const char *buf, size_t len)
{
	struct broker_sink *s = (struct broker_sink *)base;
	struct broker *b = s->d->broker;

	if (s->reply_to == NULL) {
		log_debug("reply dropped: the request named no reply_to");
		return;
	}
	if (b == NULL) {
		log_warnx("reply to %s dropped: the broker link is stopped",
		    s->reply_to);
		return;
	}
	/* Queued for the I/O thread, or dropped with a log line. */
	amqpio_publish(b->io, s->reply_to, buf, len);
}

static void
sink_hold(struct reply_sink *base)
{
	((struct broker_sink *)base)->refs++;
}

static void
sink_release(struct reply_sink *base)
{
	struct broker_sink *s = (struct broker_sink *)base;

	if (--s->refs > 0)
		return;
	free(s->reply_to);
	free(s);
}

static void
deliver(struct broker *b, struct transport_delivery *dv)
{
	struct broker_sink *s = calloc(1, sizeof(*s));
	struct dispatch_origin o = {.local = 0,
	    .broadcast = dv->exchange != NULL &&
		strcmp(dv->exchange, TRANSPORT_EXCHANGE_BROADCAST) == 0};

	if (s == NULL) {
		log_warnx("delivery dropped: out of memory");
		return;
	}
	s->base.send = sink_send;
	s->base.hold = sink_hold;
	s->base.release = sink_release;
	s->refs = 1;
	s->d = b->d;
	if (dv->reply_to != NULL && *dv->reply_to != '\0')
		s->reply_to = strdup(dv->reply_to);
	dispatch_message(b->d, dv->body, dv->len, &o, &s->base);
	sink_release(&s->base);
}

static void
on_async(uv_async_t *a)
{
	struct broker *b = a->data;
	struct transport_delivery dv;
	struct amqpio_stats st;
	int n = 0;

	/* Ready once the node queue is bound (or the broker could not be
	 * reached at all): a broadcast sent after that reaches this node. */
	if (!b->ready) {
		amqpio_stats(b->io, &st);
		if (st.attempted) {
			b->ready = 1;
			notify_ready(b->d);
		}
	}
	while (n < DISPATCH_BATCH && amqpio_take(b->io, &dv) == 1) {
		deliver(b, &dv);
		transport_delivery_clear(&dv);
		n++;
	}
	/* More wait: come back after the other handles had their turn. */
	if (n == DISPATCH_BATCH)
		uv_async_send(a);
}

/* On the I/O thread. */
static void
notify(void *arg)
{
	uv_async_send(arg);
}

int
broker_start(struct agentd *d, struct broker **ret)
{
	const struct conf *c = &d->conf;
	struct amqpio_options o;
	struct broker *b = calloc(1, sizeof(*b));
	int r = -ENOMEM;

	if (b == NULL)
		return -ENOMEM;
	b->d = d;
	if ((b->urls = calloc(c->nbrokers + 1, sizeof(char *))) == NULL ||
	    (b->async = calloc(1, sizeof(*b->async))) == NULL)
		goto fail;
	for (size_t i = 0; i < c->nbrokers; i++)
		if ((b->urls[b->nurls] =
			    url_with_credentials(c, c->brokers[i])) != NULL)
			b->nurls++;
	if ((r = uv_async_init(d->loop, b->async, on_async)) < 0) {
		free(b->async);
		b->async = NULL;
		goto fail;
	}
	b->async->data = b;
	memset(&o, 0, sizeof(o));
	o.urls = (const char *const *)b->urls;
	o.nurls = b->nurls;
	o.cafile = c->broker_cafile;
	o.heartbeat = c->heartbeat;
	o.connect_timeout_ms = (int)c->connect_timeout_ms;
	o.reconnect_min_ms = c->reconnect_min_ms;
	o.reconnect_max_ms = c->reconnect_max_ms;
	o.message_max = c->message_max;
	o.out_bytes = c->reply_queue_bytes;
	o.out_count = c->reply_queue_max;
	o.identity = c->identity;
	o.collectives = (const char *const *)c->collectives;
	o.ncollectives = c->ncollectives;
	o.agents = d->agents;
	o.nagents = d->nagents;
	o.notify = notify;
	o.arg = b->async;
	if ((r = amqpio_start(&o, &b->io)) < 0)
		goto fail;
	d->broker = b;
	*ret = b;
	return 0;
fail:
	broker_stop(b);
	return r;
}

void
broker_rebind(struct broker *b)
{
	const struct agentd *d;

	if (b == NULL)
		return;
	d = b->d;
	if (amqpio_rebind(b->io, (const char *const *)d->conf.collectives,
		d->conf.ncollectives, d->agents, d->nagents,
		d->conf.message_max) < 0)
		log_warnx("broker: out of memory; bindings unchanged");
}

void
broker_stats(struct broker *b, struct amqpio_stats *ret)
{
	amqpio_stats(b->io, ret);
}

void
broker_stop(struct broker *b)
{
	if (b == NULL)
		return;
	/* The thread first: after it, nothing sends to the async handle. */
	amqpio_stop(b->io);
	if (b->async != NULL)
		uv_close((uv_handle_t *)b->async, free_handle);
	if (b->d->broker == b)
		b->d->broker = NULL;
	for (size_t i = 0; i < b->nurls; i++) {
		explicit_bzero(b->urls[i], strlen(b->urls[i]));
		free(b->urls[i]);
	}
	free(b->urls);
	free(b);
}

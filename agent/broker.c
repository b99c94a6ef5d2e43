/*
 * broker.c: the AMQP side of metactld. The link's socket is watched with
 * uv_poll and drained until nothing is buffered; there is no polling timer.
 * While disconnected a one-shot uv_timer retries with jittered exponential
 * backoff; it exists only then. A heartbeat timer exists only while
 * connected and only when heartbeats are configured.
 *
 * The loss and the recovery of the link are logged once each.
 */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "transport.h"
#include "agentd.h"

struct broker {
	struct agentd *d;
	struct transport_amqp *t;
	uv_poll_t *poll;
	uv_timer_t *retry; /* only while disconnected */
	uv_timer_t *heartbeat; /* only while connected */
	char **urls; /* with the configured credentials applied */
	size_t nurls;
	unsigned attempts; /* failed attempts since the link was lost */
	int paused;
	int ever_connected;
};

struct broker_sink {
	struct reply_sink base;
	unsigned refs;
	struct agentd *d;
	char *reply_to;
	char *id_hint;
};

static void broker_connect(struct broker *b);
static void broker_lost(struct broker *b, const char *why);

static void
free_handle(uv_handle_t *h)
{
	free(h);
}

static void
close_handle(void *hp)
{
	uv_handle_t **h = hp;

	if (*h != NULL) {
		uv_close(*h, free_handle);
		*h = NULL;
	}
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
 * exchange. A reply whose link is gone is dropped with a log line. */
static void
sink_send(struct reply_sink *base, const char *buf, size_t len)
{
	struct broker_sink *s = (struct broker_sink *)base;
	struct broker *b = s->d->broker;
	struct error err;

	if (s->reply_to == NULL) {
		log_debug("reply dropped: the request named no reply_to");
		return;
	}
	if (b == NULL || b->t == NULL) {
		log_warnx(
		    "reply to %s dropped: no broker connection", s->reply_to);
		return;
	}
	error_init(&err, "broker");
	if (transport_amqp_publish(
		b->t, "", s->reply_to, NULL, buf, len, 0, &err) < 0)
		log_warnx(
		    "reply to %s not published: %s", s->reply_to, err.text);
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
	struct dispatch_origin o = {.local = 0};

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

/* Reads everything the link has now. */
static void
drain(struct broker *b)
{
	struct transport_delivery dv;
	struct error err;
	int r;

	while (b->t != NULL) {
		memset(&dv, 0, sizeof(dv));
		error_init(&err, "broker");
		r = transport_amqp_next(b->t, &dv, 0, &err);
		if (r < 0) {
			broker_lost(b, err.text[0] ? err.text : error_str(r));
			return;
		}
		if (r == 0) {
			if (!transport_amqp_buffered(b->t))
				return;
			continue;
		}
		deliver(b, &dv);
		transport_delivery_clear(&dv);
	}
}

static void
on_poll(uv_poll_t *p, int status, int events)
{
	struct broker *b = p->data;

	if (status < 0) {
		/* libuv reports POLLERR as UV_EBADF: the peer reset the link. */
		broker_lost(b,
		    status == UV_EBADF ? "socket error" : uv_strerror(status));
		return;
	}
	drain(b);
}

static void
on_heartbeat(uv_timer_t *t)
{
	drain(t->data);
}

/* Stops watching the link, then closes it (never the other way round). */
static void
link_close(struct broker *b)
{
	if (b->poll != NULL)
		uv_poll_stop(b->poll);
	close_handle(&b->poll);
	close_handle(&b->heartbeat);
	if (b->t != NULL)
		transport_amqp_close(b->t);
	b->t = NULL;
}

static void
broker_lost(struct broker *b, const char *why)
{
	if (b->t == NULL)
		return;
	log_warnx("broker %s: connection lost: %s; reconnecting",
	    transport_amqp_url(b->t), why);
	link_close(b);
	b->attempts = 0;
	broker_connect(b);
}

static uint64_t
backoff_ms(const struct broker *b)
{
	const struct conf *c = &b->d->conf;
	uint64_t delay = (uint64_t)c->reconnect_min_ms;

	for (unsigned i = 1;
	     i < b->attempts && delay < (uint64_t)c->reconnect_max_ms; i++)
		delay *= 2;
	if (delay > (uint64_t)c->reconnect_max_ms)
		delay = (uint64_t)c->reconnect_max_ms;
	/* Jitter: between half and all of it, so a fleet does not stampede. */
	return delay / 2 + randombytes_uniform((uint32_t)(delay / 2 + 1));
}

static void
on_retry(uv_timer_t *t)
{
	struct broker *b = t->data;

	close_handle(&b->retry);
	broker_connect(b);
}

static int
try_open(struct broker *b, struct error *err)
{
	struct agentd *d = b->d;
	struct transport_amqp_options o;
	int r, fd;

	memset(&o, 0, sizeof(o));
	o.urls = (const char *const *)b->urls;
	o.nurls = b->nurls;
	o.cafile = d->conf.broker_cafile;
	o.heartbeat = d->conf.heartbeat;
	o.timeout_ms = (int)d->conf.connect_timeout_ms;
	if ((r = transport_amqp_open(&o, &b->t, err)) < 0)
		return r;
	if ((r = transport_amqp_declare(b->t, err)) < 0 ||
	    (r = transport_amqp_subscribe_node(b->t, d->conf.identity,
		 (const char *const *)d->conf.collectives, d->conf.ncollectives,
		 d->agents, d->nagents, err)) < 0)
		goto fail;
	fd = transport_amqp_fd(b->t);
	if ((b->poll = calloc(1, sizeof(*b->poll))) == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	if ((r = uv_poll_init(d->loop, b->poll, fd)) < 0) {
		free(b->poll);
		b->poll = NULL;
		error_set(err, 0, 0, "%s", uv_strerror(r));
		goto fail;
	}
	b->poll->data = b;
	uv_poll_start(b->poll, UV_READABLE | UV_DISCONNECT, on_poll);
	if (d->conf.heartbeat > 0 &&
	    (b->heartbeat = calloc(1, sizeof(*b->heartbeat))) != NULL) {
		uint64_t every = (uint64_t)d->conf.heartbeat * 1000 / 2;

		uv_timer_init(d->loop, b->heartbeat);
		b->heartbeat->data = b;
		uv_timer_start(b->heartbeat, on_heartbeat, every, every);
	}
	return 0;
fail:
	transport_amqp_close(b->t);
	b->t = NULL;
	return r;
}

static void
broker_connect(struct broker *b)
{
	struct error err;
	int r;

	error_init(&err, "broker");
	if ((r = try_open(b, &err)) == 0) {
		if (!b->ever_connected)
			log_info("broker %s: connected as %s",
			    transport_amqp_url(b->t), b->d->conf.identity);
		else
			log_warnx("broker %s: connection restored after %u "
				  "attempts",
			    transport_amqp_url(b->t), b->attempts + 1);
		b->ever_connected = 1;
		b->attempts = 0;
		/* Anything that arrived with the subscription. */
		drain(b);
		return;
	}
	b->attempts++;
	if (b->attempts == 1 && !b->ever_connected)
		log_warnx("broker: cannot connect: %s; retrying", err.text);
	else
		log_debug(
		    "broker: attempt %u failed: %s", b->attempts, err.text);
	if ((b->retry = calloc(1, sizeof(*b->retry))) == NULL) {
		log_warnx("broker: out of memory; not reconnecting");
		return;
	}
	uv_timer_init(b->d->loop, b->retry);
	b->retry->data = b;
	uv_timer_start(b->retry, on_retry, backoff_ms(b), 0);
}

int
broker_start(struct agentd *d, struct broker **ret)
{
	struct broker *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return -ENOMEM;
	b->d = d;
	if ((b->urls = calloc(d->conf.nbrokers + 1, sizeof(char *))) == NULL) {
		free(b);
		return -ENOMEM;
	}
	for (size_t i = 0; i < d->conf.nbrokers; i++)
		if ((b->urls[b->nurls] = url_with_credentials(
			 &d->conf, d->conf.brokers[i])) != NULL)
			b->nurls++;
	d->broker = b;
	*ret = b;
	broker_connect(b);
	return 0;
}

void
broker_pause(struct broker *b)
{
	if (b != NULL)
		b->paused = 1;
}

void
broker_resubscribe(struct broker *b)
{
	if (b == NULL || b->t == NULL)
		return;
	log_info("broker: hosted agents changed, subscribing again");
	link_close(b);
	broker_connect(b);
}

void
broker_stop(struct broker *b)
{
	if (b == NULL)
		return;
	link_close(b);
	close_handle(&b->retry);
	b->d->broker = NULL;
	for (size_t i = 0; i < b->nurls; i++)
		free(b->urls[i]);
	free(b->urls);
	free(b);
}

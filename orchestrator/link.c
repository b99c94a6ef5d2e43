/* link.c: see link.h. */
#include "buildconf.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "transport.h"
#include "trust.h"
#include "orchestrator/link.h"
#include "orchestrator/savefile.h"

#define LOCAL_LINE_MAX (MESSAGE_MAX_DEFAULT + 2)
/* Node certificates remembered across runs: a fleet of this many nodes
 * verifies no certificate twice (about 100 bytes each in the file). */
#define LINK_CERTS_MAX 65536
#define LINK_CERTS_FILE "certificates.json"

struct orch_link {
	struct transport_amqp *amqp; /* NULL in local mode */
	char *reply_queue;
	struct trust *trust; /* NULL in local mode */
	char *collective;
	int fd; /* local socket, -1 over AMQP */
	char *socket_path;
	char *buf; /* local: bytes read, not yet a full line */
	size_t buflen;
	char *certs_path; /* verified node certificates; NULL: none */
};

/*
 * Node certificates verified by earlier runs, from LINK_CERTS_FILE beside
 * the node cache: a reply then costs one ed25519 verification (its
 * signature) instead of two. The digests are keyed with the caller's
 * key (lib/cert_cache.h): a file written by anyone else only makes
 * certificates verify again. No node cache, no file.
 */
static int
load_certs(struct orch_link *l, const char *cache)
{
	const char *slash = strrchr(cache, '/');
	int dirlen = slash != NULL ? (int)(slash - cache) + 1 : 0, r;
	json_t *doc;

	if (cache[0] == '\0')
		return 0;
	if (asprintf(&l->certs_path, "%.*s%s", dirlen, cache, LINK_CERTS_FILE) <
	    0) {
		l->certs_path = NULL;
		return -ENOMEM;
	}
	if ((r = trust_cache_keep(l->trust, LINK_CERTS_MAX)) < 0)
		return r;
	doc = json_load_file(l->certs_path, JSON_REJECT_DUPLICATES, NULL);
	cert_cache_import(trust_cache(l->trust), doc, (int64_t)time(NULL));
	json_decref(doc);
	return 0;
}

/* Saves what load_certs() loaded, when this run verified more. */
static void
save_certs(struct orch_link *l)
{
	struct cert_cache *cc;
	json_t *doc;

	if (l->certs_path == NULL || l->trust == NULL)
		return;
	cc = trust_cache(l->trust);
	if (!cert_cache_changed(cc) ||
	    (doc = cert_cache_export(cc, (int64_t)time(NULL))) == NULL)
		return;
	/* A cache that cannot be written costs the next run time only. */
	(void)savefile_json(l->certs_path, doc, 1);
	json_decref(doc);
}

static int
load_credentials(
    struct orch_link *l, const struct client_conf *c, struct error *err)
{
	struct trust_paths p = {
	    .key = c->key, .certificate = c->certificate, .ca = c->ca};
	int r;

	if (c->key == NULL || c->certificate == NULL || c->ca == NULL) {
		error_init(err, c->path != NULL ? c->path : "client.conf");
		error_set(err, 0, 0,
		    "a broker needs key, certificate and ca in the client "
		    "configuration; missing:%s%s%s",
		    c->key == NULL ? " key" : "",
		    c->certificate == NULL ? " certificate" : "",
		    c->ca == NULL ? " ca" : "");
		return MCE_CONFIG;
	}
	error_init(err, c->key);
	if ((l->trust = trust_new()) == NULL) {
		error_set(err, 0, 0, "cannot initialise libsodium");
		return -ENOMEM;
	}
	if ((r = trust_load(l->trust, &p, err)) < 0)
		return r;
	/* Refuse to send what every node would refuse: nothing is
	 * published with a certificate out of its validity or for
	 * another key. */
	return trust_check_own(
	    l->trust, CERT_ROLE_CALLER, NULL, (int64_t)time(NULL), err);
}

/* Like metactld's [broker] cafile, broker_cafile is required by amqps://. */
static int
check_tls(const struct client_conf *c, struct error *err)
{
	for (size_t i = 0; i < c->nbrokers; i++) {
		if (strncmp(c->brokers[i], "amqps://", 8) != 0 ||
		    c->broker_cafile != NULL)
			continue;
		error_init(err, c->path != NULL ? c->path : "client.conf");
		error_set(err, 0, 0,
		    "amqps:// broker URLs need broker_cafile, the CA file "
		    "that verifies the broker");
		return MCE_CONFIG;
	}
	return 0;
}

int
link_open(
    const struct client_conf *c, struct orch_link **ret, struct error *err)
{
	struct transport_amqp_options o;
	struct orch_link *l;
	int r;

	*ret = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return -ENOMEM;
	l->fd = -1;
	if ((l->collective = strdup(c->collective)) == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	if (c->nbrokers == 0) {
		error_init(err, c->socket);
		if ((l->socket_path = strdup(c->socket)) == NULL) {
			r = -ENOMEM;
			goto fail;
		}
		if ((r = transport_unix_connect(c->socket)) < 0) {
			error_set(err, 0, 0,
			    "cannot reach the local agent: %s (no broker is "
			    "configured)",
			    error_str(r));
			goto fail;
		}
		l->fd = r;
		*ret = l;
		return 0;
	}
	if ((r = check_tls(c, err)) < 0 ||
	    (r = load_credentials(l, c, err)) < 0)
		goto fail;
	if (c->cache != NULL && (r = load_certs(l, c->cache)) < 0) {
		error_set(err, 0, 0, "%s", error_str(r));
		goto fail;
	}
	memset(&o, 0, sizeof(o));
	o.urls = (const char *const *)c->brokers;
	o.nurls = c->nbrokers;
	o.cafile = c->broker_cafile;
	o.reply_exchange = c->reply_exchange;
	o.timeout_ms = (int)c->connect_timeout_ms;
	o.heartbeat = 0;
	error_init(err, "broker");
	if ((r = transport_amqp_open(&o, &l->amqp, err)) < 0 ||
	    (r = transport_amqp_declare(l->amqp, err)) < 0 ||
	    (r = transport_amqp_subscribe_replies(
		 l->amqp, &l->reply_queue, err)) < 0)
		goto fail;
	/* A reply over the limit would be refused anyway: never hold it. */
	transport_amqp_set_max_body(l->amqp, MESSAGE_MAX_DEFAULT, NULL, NULL);
	*ret = l;
	return 0;
fail:
	link_close(l);
	return r;
}

void
link_close(struct orch_link *l)
{
	if (l == NULL)
		return;
	save_certs(l);
	if (l->amqp != NULL)
		transport_amqp_close(l->amqp);
	if (l->fd >= 0)
		close(l->fd);
	trust_free(l->trust);
	free(l->reply_queue);
	free(l->collective);
	free(l->socket_path);
	free(l->buf);
	free(l->certs_path);
	free(l);
}

int
link_is_local(const struct orch_link *l)
{
	return l->amqp == NULL;
}

const char *
link_url(const struct orch_link *l)
{
	return l->amqp != NULL ? transport_amqp_url(l->amqp) : NULL;
}

static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int
link_send(struct orch_link *l, const struct request *req, char *const *targets,
    size_t n, char digest[MESSAGE_DIGEST_LEN + 1], struct error *err)
{
	struct envelope *env = NULL;
	char *body = NULL, *wire = NULL,
	     rk[NAME_COLLECTIVE_MAX + 1 + NAME_AGENT_MAX + 1];
	size_t blen, wlen, i;
	int r;

	error_init(err, "request");
	if ((r = request_encode(req, &body, &blen)) < 0) {
		error_set(
		    err, 0, 0, "cannot encode the request: %s", error_str(r));
		return r;
	}
	if (digest != NULL)
		message_digest(body, blen, digest);
	if (l->amqp != NULL)
		r = trust_sign(l->trust, body, blen, &env);
	else if ((env = envelope_new(body, blen)) == NULL)
		r = -ENOMEM;
	free(body);
	if (r < 0 || (r = envelope_encode(env, &wire, &wlen)) < 0) {
		error_set(
		    err, 0, 0, "cannot sign the request: %s", error_str(r));
		envelope_free(env);
		return r;
	}
	envelope_free(env);
	if (l->amqp == NULL) {
		/* One line per request; compact JSON holds no newline. */
		if ((r = write_all(l->fd, wire, wlen)) == 0)
			r = write_all(l->fd, "\n", 1);
		if (r < 0)
			error_set(err, 0, 0, "local agent: %s", error_str(r));
		free(wire);
		return r;
	}
	if (targets == NULL) {
		snprintf(rk, sizeof(rk), "%s.%s", req->collective, req->agent);
		r = transport_amqp_publish(l->amqp,
		    TRANSPORT_EXCHANGE_BROADCAST, rk, l->reply_queue, wire,
		    wlen, req->ttl * 1000, err);
	} else {
		for (i = 0, r = 0; i < n && r == 0; i++)
			r = transport_amqp_publish(l->amqp,
			    TRANSPORT_EXCHANGE_DIRECT, targets[i],
			    l->reply_queue, wire, wlen, req->ttl * 1000, err);
	}
	free(wire);
	return r;
}

/* Fills ev from a reply envelope; verification only over AMQP. */
static void
decode_reply(
    struct orch_link *l, const char *buf, size_t len, struct link_event *ev)
{
	struct envelope *env = NULL;
	struct cert *crt = NULL;
	struct reply *rep = NULL;
	struct error e;
	int r;

	ev->kind = LINK_INVALID;
	error_init(&e, "reply");
	if ((r = envelope_decode(buf, len, MESSAGE_MAX_DEFAULT, &env, &e)) <
	    0) {
		snprintf(
		    ev->why, sizeof(ev->why), "%s: %s", error_str(r), e.text);
		return;
	}
	/* Decode first so that a bad reply can still be attributed. */
	if ((r = reply_decode(env->body, env->body_len, &rep, &e)) < 0) {
		snprintf(
		    ev->why, sizeof(ev->why), "%s: %s", error_str(r), e.text);
		envelope_free(env);
		return;
	}
	snprintf(ev->sender, sizeof(ev->sender), "%s", rep->sender);
	snprintf(ev->request_id, sizeof(ev->request_id), "%s", rep->request_id);
	if (l->amqp != NULL) {
		r = trust_verify(l->trust, env, CERT_ROLE_NODE,
		    (int64_t)time(NULL), &crt, &e);
		if (r < 0) {
			snprintf(ev->why, sizeof(ev->why), "%s%s%s",
			    error_str(r), e.text[0] != '\0' ? ": " : "",
			    e.text);
			goto out;
		}
		if (strcmp(crt->name, rep->sender) != 0) {
			snprintf(ev->why, sizeof(ev->why),
			    "%s: certificate of '%.128s'",
			    error_str(MCE_IDENTITY), crt->name);
			goto out;
		}
	}
	ev->kind = LINK_REPLY;
	ev->reply = rep;
	rep = NULL;
out:
	cert_free(crt);
	reply_free(rep);
	envelope_free(env);
}

static int
local_next(struct orch_link *l, int timeout_ms, struct link_event *ev,
    struct error *err)
{
	int64_t deadline = message_now_ms() + timeout_ms;

	error_init(err, l->socket_path);
	for (;;) {
		char *nl =
		    l->buf != NULL ? memchr(l->buf, '\n', l->buflen) : NULL;
		struct pollfd p = {.fd = l->fd, .events = POLLIN};
		int64_t left;
		ssize_t n;
		char *nb;

		if (nl != NULL) {
			size_t linelen = (size_t)(nl - l->buf);

			decode_reply(l, l->buf, linelen, ev);
			memmove(l->buf, nl + 1, l->buflen - linelen - 1);
			l->buflen -= linelen + 1;
			return 1;
		}
		if (l->buflen > LOCAL_LINE_MAX) {
			error_set(err, 0, 0, "reply line longer than %d bytes",
			    LOCAL_LINE_MAX);
			return MCE_TOOBIG;
		}
		left = deadline - message_now_ms();
		if (left < 0)
			left = 0;
		n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_set(err, 0, 0, "%s", strerror(errno));
			return -errno;
		}
		if (n == 0)
			return 0;
		if ((nb = realloc(l->buf, l->buflen + 65536)) == NULL)
			return -ENOMEM;
		l->buf = nb;
		n = read(l->fd, l->buf + l->buflen, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_set(err, 0, 0, "%s", strerror(errno));
			return -errno;
		}
		if (n == 0) {
			error_set(err, 0, 0,
			    "the local agent closed the "
			    "connection");
			return -ECONNRESET;
		}
		l->buflen += (size_t)n;
	}
}

int
link_next(struct orch_link *l, int timeout_ms, struct link_event *ev,
    struct error *err)
{
	struct transport_delivery d;
	int r;

	memset(ev, 0, sizeof(*ev));
	if (l->amqp == NULL)
		r = local_next(l, timeout_ms, ev, err);
	else {
		memset(&d, 0, sizeof(d));
		r = transport_amqp_next(l->amqp, &d, timeout_ms, err);
		if (r == 1) {
			decode_reply(l, d.body, d.len, ev);
			transport_delivery_clear(&d);
		}
	}
	if (r == 1)
		ev->received_ms = message_now_ms();
	return r;
}

void
link_event_clear(struct link_event *ev)
{
	reply_free(ev->reply);
	memset(ev, 0, sizeof(*ev));
}

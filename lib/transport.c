/* transport.c: the AMQP link (librabbitmq) and the local UNIX socket. */
#include "buildconf.h"

#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <amqp.h>
#include <amqp_framing.h>
#ifdef HAVE_AMQP_SSL_SOCKET_NEW
#include <amqp_ssl_socket.h>
#endif
#include <amqp_tcp_socket.h>

#include "transport.h"

#define CHANNEL 1
#define FRAME_MAX 131072

/* Where the reader is in the content of the message being received. */
enum incoming {
	IN_IDLE, /* between messages */
	IN_HEADER, /* basic.deliver read, its content header expected */
	IN_BODY, /* a delivery's body, kept */
	IN_DISCARD, /* a body read and thrown away as it arrives */
};

struct transport_amqp {
	amqp_connection_state_t conn;
	char url[512];
	size_t index; /* of url in the options' urls */
	char queue[300]; /* the node queue, once subscribed */
	int timeout_ms;
	int reply_exchange; /* the options' */
	size_t max_body;
	void (*on_refused)(void *, size_t, const char *, const char *);
	void *refused_arg;
	int blocked; /* connection.blocked: publishing would stall */
	unsigned pending; /* binds and unbinds not answered yet */
	enum incoming in;
	int keep; /* IN_HEADER: a delivery (1) or a basic.return (0) */
	uint64_t left; /* IN_BODY, IN_DISCARD: bytes still to come */
	struct transport_delivery cur; /* IN_HEADER, IN_BODY */
};

int
transport_url_parse(
    const char *url, struct transport_url *ret, struct error *err)
{
	struct amqp_connection_info info;
	char *buf;
	int rc;

	memset(ret, 0, sizeof(*ret));
	if ((buf = strdup(url)) == NULL)
		return -ENOMEM;
	amqp_default_connection_info(&info);
	if ((rc = amqp_parse_url(buf, &info)) != AMQP_STATUS_OK) {
		char shown[512];

		error_set(err, 0, 0, "%s: malformed broker URL (%s)",
		    transport_url_redact(url, shown, sizeof(shown)),
		    amqp_error_string2(rc));
		free(buf);
		return MCE_CONFIG;
	}
	ret->host = strdup(info.host);
	ret->user = strdup(info.user);
	ret->password = strdup(info.password);
	ret->vhost = strdup(info.vhost[0] != '\0' ? info.vhost : "/");
	ret->port = info.port;
	ret->tls = info.ssl;
	free(buf);
	if (ret->host == NULL || ret->user == NULL || ret->password == NULL ||
	    ret->vhost == NULL) {
		transport_url_clear(ret);
		return -ENOMEM;
	}
	return 0;
}

void
transport_url_clear(struct transport_url *u)
{
	if (u == NULL)
		return;
	free(u->host);
	free(u->user);
	if (u->password != NULL)
		explicit_bzero(u->password, strlen(u->password));
	free(u->password);
	free(u->vhost);
	memset(u, 0, sizeof(*u));
}

const char *
transport_url_redact(const char *url, char *buf, size_t size)
{
	const char *scheme = strstr(url, "://");
	const char *user = scheme != NULL ? scheme + 3 : url;
	const char *at = strchr(user, '@');
	const char *colon;

	/* The user info ends at the last '@' before the path. */
	if (at != NULL) {
		const char *slash = strchr(user, '/');
		const char *a;

		for (a = at; a != NULL && (slash == NULL || a < slash);
		     a = strchr(a + 1, '@'))
			at = a;
	}
	colon = at != NULL ? memchr(user, ':', (size_t)(at - user)) : NULL;
	if (colon == NULL)
		snprintf(buf, size, "%s", url);
	else
		snprintf(
		    buf, size, "%.*s***%s", (int)(colon + 1 - url), url, at);
	return buf;
}

/*
 * The one place where librabbitmq's replies become words (server close
 * reasons, library status codes).
 */
static void
reply_error(struct error *err, const char *what, amqp_rpc_reply_t r)
{
	switch (r.reply_type) {
	case AMQP_RESPONSE_NORMAL:
		error_set(err, 0, 0, "%s: ok", what);
		break;
	case AMQP_RESPONSE_NONE:
		error_set(err, 0, 0, "%s: no reply from the broker", what);
		break;
	case AMQP_RESPONSE_LIBRARY_EXCEPTION:
		error_set(err, 0, 0, "%s: %s", what,
		    amqp_error_string2(r.library_error));
		break;
	case AMQP_RESPONSE_SERVER_EXCEPTION:
		if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
			amqp_connection_close_t *m = r.reply.decoded;
			error_set(err, 0, 0,
			    "%s: broker closed the connection: "
			    "%u %.*s",
			    what, m->reply_code, (int)m->reply_text.len,
			    (char *)m->reply_text.bytes);
		} else if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
			amqp_channel_close_t *m = r.reply.decoded;
			error_set(err, 0, 0,
			    "%s: broker closed the channel: "
			    "%u %.*s",
			    what, m->reply_code, (int)m->reply_text.len,
			    (char *)m->reply_text.bytes);
		} else {
			error_set(err, 0, 0,
			    "%s: unexpected broker method 0x%08x", what,
			    r.reply.id);
		}
		break;
	}
}

static int
check_reply(struct transport_amqp *t, const char *what, struct error *err)
{
	amqp_rpc_reply_t r = amqp_get_rpc_reply(t->conn);

	if (r.reply_type == AMQP_RESPONSE_NORMAL)
		return 0;
	reply_error(err, what, r);
	return MCE_BROKER;
}

static void
display_url(const struct transport_url *u, char *buf, size_t size)
{
	snprintf(buf, size, "%s://%s:***@%s:%d/%s", u->tls ? "amqps" : "amqp",
	    u->user, u->host, u->port, u->vhost);
}

/*
 * Why a connection failed; a failed TLS verification names what it was
 * checked against.
 */
static void
connect_error(struct error *err, const char *url, const char *host,
    const char *cafile, int rc)
{
	switch (rc) {
	case AMQP_STATUS_SSL_PEER_VERIFY_FAILED:
		error_set(err, 0, 0,
		    "%s: TLS: the broker's certificate does not verify "
		    "against CA file %s",
		    url, cafile);
		break;
	case AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED:
		error_set(err, 0, 0,
		    "%s: TLS: the broker's certificate does not name "
		    "host %s",
		    url, host);
		break;
	default:
		error_set(err, 0, 0, "%s: cannot connect: %s", url,
		    amqp_error_string2(rc));
		break;
	}
}

/*
 * amqps:// always verifies the broker: its certificate chain against the
 * CA file, and its name (the URL's host) against the certificate's DNS
 * names (librabbitmq does not match IP addresses, so the URL names the
 * broker by a DNS name its certificate lists). There is no fallback to
 * the system trust store: without a CA file the link is refused as a
 * configuration error, so that which CAs a fleet trusts is written in its
 * configuration (a public CA bundle can be named as the CA file).
 */
static int
tls_socket(const struct transport_amqp_options *o, struct transport_amqp *t,
    amqp_socket_t **ret, struct error *err)
{
#ifdef HAVE_AMQP_SSL_SOCKET_NEW
	amqp_socket_t *sock;

	if (o->cafile == NULL) {
		error_set(err, 0, 0,
		    "%s: amqps:// needs a CA file to verify the broker",
		    t->url);
		return MCE_CONFIG;
	}
	if ((sock = amqp_ssl_socket_new(t->conn)) == NULL)
		return -ENOMEM;
	amqp_ssl_socket_set_verify_peer(sock, 1);
	amqp_ssl_socket_set_verify_hostname(sock, 1);
	if (amqp_ssl_socket_set_cacert(sock, o->cafile) != AMQP_STATUS_OK) {
		error_set(
		    err, 0, 0, "%s: cannot use CA file %s", t->url, o->cafile);
		return MCE_CONFIG;
	}
	*ret = sock;
	return 0;
#else
	/* Built with a librabbitmq without TLS (no OpenSSL in the process). */
	(void)o;
	*ret = NULL;
	error_set(err, 0, 0,
	    "%s: amqps:// is not available: this build's librabbitmq has "
	    "no TLS",
	    t->url);
	return MCE_CONFIG;
#endif
}

static int
open_one(const struct transport_amqp_options *o, const char *url,
    struct transport_amqp *t, struct error *err)
{
	/* Merged into librabbitmq's own: ask for connection.blocked, so that
	 * a broker short of memory or disk says so instead of stalling. */
	static amqp_table_entry_t caps[] = {
	    {.key = {sizeof("connection.blocked") - 1, "connection.blocked"},
		.value = {.kind = AMQP_FIELD_KIND_BOOLEAN, .value.boolean = 1}},
	};
	static amqp_table_entry_t props[] = {
	    {.key = {sizeof("capabilities") - 1, "capabilities"},
		.value = {.kind = AMQP_FIELD_KIND_TABLE,
		    .value.table = {1, caps}}},
	};
	static const amqp_table_t client_properties = {1, props};
	struct transport_url u;
	struct timeval tv;
	amqp_socket_t *sock;
	amqp_rpc_reply_t r;
	int rc;

	if ((rc = transport_url_parse(url, &u, err)) != 0)
		return rc;
	display_url(&u, t->url, sizeof(t->url));
	if ((t->conn = amqp_new_connection()) == NULL) {
		transport_url_clear(&u);
		return -ENOMEM;
	}
	if (u.tls) {
		if ((rc = tls_socket(o, t, &sock, err)) < 0)
			goto fail;
	} else {
		sock = amqp_tcp_socket_new(t->conn);
	}
	if (sock == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	tv.tv_sec = t->timeout_ms / 1000;
	tv.tv_usec = (t->timeout_ms % 1000) * 1000;
	amqp_set_handshake_timeout(t->conn, &tv);
	amqp_set_rpc_timeout(t->conn, &tv);
	if ((rc = amqp_socket_open_noblock(sock, u.host, u.port, &tv)) !=
	    AMQP_STATUS_OK) {
		connect_error(err, t->url, u.host, o->cafile, rc);
		rc = MCE_BROKER;
		goto fail;
	}
	r = amqp_login_with_properties(t->conn, u.vhost, 0, FRAME_MAX,
	    o->heartbeat, &client_properties, AMQP_SASL_METHOD_PLAIN, u.user,
	    u.password);
	if (r.reply_type != AMQP_RESPONSE_NORMAL) {
		char what[600];
		snprintf(what, sizeof(what), "%s: login", t->url);
		reply_error(err, what, r);
		rc = MCE_BROKER;
		goto fail;
	}
	amqp_channel_open(t->conn, CHANNEL);
	{
		char what[600];
		snprintf(what, sizeof(what), "%s: channel open", t->url);
		if ((rc = check_reply(t, what, err)) != 0)
			goto fail;
	}
	transport_url_clear(&u);
	return 0;
fail:
	amqp_destroy_connection(t->conn);
	t->conn = NULL;
	transport_url_clear(&u);
	return rc;
}

int
transport_amqp_open(const struct transport_amqp_options *o,
    struct transport_amqp **ret, struct error *err)
{
	struct transport_amqp *t;
	int rc = MCE_CONFIG;

	if (o->nurls == 0) {
		error_set(err, 0, 0, "no broker URL configured");
		return MCE_CONFIG;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -ENOMEM;
	t->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 5000;
	t->reply_exchange = o->reply_exchange;
	for (size_t k = 0; k < o->nurls; k++) {
		size_t i = (o->first + k) % o->nurls;

		if ((rc = open_one(o, o->urls[i], t, err)) == 0) {
			t->index = i;
			*ret = t;
			return 0;
		}
	}
	free(t);
	return rc;
}

void
transport_amqp_close(struct transport_amqp *t)
{
	if (t == NULL)
		return;
	if (t->conn != NULL) {
		/* A blocked broker reads nothing: do not wait for its answer. */
		if (!t->blocked) {
			amqp_channel_close(
			    t->conn, CHANNEL, AMQP_REPLY_SUCCESS);
			amqp_connection_close(t->conn, AMQP_REPLY_SUCCESS);
		}
		amqp_destroy_connection(t->conn);
	}
	transport_delivery_clear(&t->cur);
	free(t);
}

int
transport_amqp_fd(const struct transport_amqp *t)
{
	return amqp_get_sockfd(t->conn);
}

const char *
transport_amqp_url(const struct transport_amqp *t)
{
	return t->url;
}

static int
declare_exchange(struct transport_amqp *t, const char *name, const char *type,
    struct error *err)
{
	char what[128];

	amqp_exchange_declare(t->conn, CHANNEL, amqp_cstring_bytes(name),
	    amqp_cstring_bytes(type), 0, 1, 0, 0, amqp_empty_table);
	snprintf(what, sizeof(what), "declare exchange %s", name);
	return check_reply(t, what, err);
}

size_t
transport_amqp_index(const struct transport_amqp *t)
{
	return t->index;
}

size_t
transport_url_pick(const char *key, size_t n)
{
	uint32_t h = 2166136261u;

	if (n == 0)
		return 0;
	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h % n;
}

int
transport_amqp_declare(struct transport_amqp *t, struct error *err)
{
	static const char *const x[][2] = {
	    {TRANSPORT_EXCHANGE_BROADCAST, "topic"},
	    {TRANSPORT_EXCHANGE_DIRECT, "direct"},
	    {TRANSPORT_EXCHANGE_REPLY, "topic"},
	};

	for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		if (declare_exchange(t, x[i][0], x[i][1], err) != 0)
			return MCE_BROKER;
	return 0;
}

static int
bind_queue(struct transport_amqp *t, const char *queue, const char *exchange,
    const char *key, struct error *err)
{
	char what[512];

	amqp_queue_bind(t->conn, CHANNEL, amqp_cstring_bytes(queue),
	    amqp_cstring_bytes(exchange), amqp_cstring_bytes(key),
	    amqp_empty_table);
	snprintf(
	    what, sizeof(what), "bind %s to %s with %s", queue, exchange, key);
	return check_reply(t, what, err);
}

static int
consume(struct transport_amqp *t, const char *queue, struct error *err)
{
	char what[300];

	amqp_basic_consume(t->conn, CHANNEL, amqp_cstring_bytes(queue),
	    amqp_empty_bytes, 0, 1, 1, amqp_empty_table);
	snprintf(what, sizeof(what), "consume from %s", queue);
	return check_reply(t, what, err);
}

int
transport_amqp_subscribe_node(struct transport_amqp *t, const char *identity,
    const char *const *collectives, size_t ncoll, const char *const *agents,
    size_t nagents, struct error *err)
{
	char *queue = t->queue, key[300];

	snprintf(t->queue, sizeof(t->queue), "%s%s",
	    TRANSPORT_NODE_QUEUE_PREFIX, identity);
	/* Exclusive: a second agent with the same identity is refused by the
	 * broker (RESOURCE_LOCKED) instead of stealing half the requests. */
	amqp_queue_declare(t->conn, CHANNEL, amqp_cstring_bytes(queue), 0, 0, 1,
	    1, amqp_empty_table);
	if (check_reply(t, "declare node queue", err) != 0)
		return MCE_BROKER;
	for (size_t c = 0; c < ncoll; c++) {
		for (size_t a = 0; a < nagents; a++) {
			snprintf(key, sizeof(key), "%s.%s", collectives[c],
			    agents[a]);
			if (bind_queue(t, queue, TRANSPORT_EXCHANGE_BROADCAST,
				key, err) != 0)
				return MCE_BROKER;
		}
	}
	if (bind_queue(t, queue, TRANSPORT_EXCHANGE_DIRECT, identity, err) != 0)
		return MCE_BROKER;
	return consume(t, queue, err);
}

/* TRANSPORT_REPLY_QUEUE_PREFIX and 32 random hex digits (128 bits). */
static int
reply_queue_name(char **ret)
{
	unsigned char raw[16];
	char *name, *p;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return errno != 0 ? -errno : -EIO;
	if ((name = malloc(sizeof(TRANSPORT_REPLY_QUEUE_PREFIX) +
		 2 * sizeof(raw))) == NULL)
		return -ENOMEM;
	p = name + sprintf(name, "%s", TRANSPORT_REPLY_QUEUE_PREFIX);
	for (size_t i = 0; i < sizeof(raw); i++)
		p += sprintf(p, "%02x", raw[i]);
	*ret = name;
	return 0;
}

/* A queue the broker names (amq.gen-...), bound to nothing. */
static int
subscribe_private(struct transport_amqp *t, char **ret_name, struct error *err)
{
	amqp_queue_declare_ok_t *ok;
	char *name;

	ok = amqp_queue_declare(
	    t->conn, CHANNEL, amqp_empty_bytes, 0, 0, 1, 1, amqp_empty_table);
	if (check_reply(t, "declare reply queue", err) != 0 || ok == NULL)
		return MCE_BROKER;
	if ((name = strndup(ok->queue.bytes, ok->queue.len)) == NULL)
		return -ENOMEM;
	if (consume(t, name, err) != 0) {
		free(name);
		return MCE_BROKER;
	}
	*ret_name = name;
	return 0;
}

int
transport_amqp_subscribe_replies(
    struct transport_amqp *t, char **ret_name, struct error *err)
{
	char *name = NULL;
	int r;

	if (!t->reply_exchange)
		return subscribe_private(t, ret_name, err);

	/* Named by the client, not the broker: the prefix tells a node to
	 * answer through the reply exchange (transport_reply_exchange). */
	if ((r = reply_queue_name(&name)) < 0) {
		error_set(err, 0, 0, "reply queue name: %s", error_str(r));
		return r;
	}
	amqp_queue_declare(t->conn, CHANNEL, amqp_cstring_bytes(name), 0, 0, 1,
	    1, amqp_empty_table);
	if (check_reply(t, "declare reply queue", err) != 0 ||
	    declare_exchange(t, TRANSPORT_EXCHANGE_REPLY, "topic", err) != 0 ||
	    bind_queue(t, name, TRANSPORT_EXCHANGE_REPLY, name, err) != 0 ||
	    consume(t, name, err) != 0) {
		free(name);
		return MCE_BROKER;
	}
	*ret_name = name;
	return 0;
}

const char *
transport_reply_exchange(const char *reply_to)
{
	return strncmp(reply_to, TRANSPORT_REPLY_QUEUE_PREFIX,
		   strlen(TRANSPORT_REPLY_QUEUE_PREFIX)) == 0
	    ? TRANSPORT_EXCHANGE_REPLY
	    : "";
}

int
transport_amqp_publish(struct transport_amqp *t, const char *exchange,
    const char *routing_key, const char *reply_to, const char *body, size_t len,
    int64_t expiration_ms, struct error *err)
{
	amqp_basic_properties_t props;
	amqp_bytes_t b;
	char exp[32];
	int rc;

	memset(&props, 0, sizeof(props));
	props._flags =
	    AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
	props.content_type = amqp_cstring_bytes("application/json");
	props.delivery_mode = 1; /* transient */
	if (reply_to != NULL) {
		props._flags |= AMQP_BASIC_REPLY_TO_FLAG;
		props.reply_to = amqp_cstring_bytes(reply_to);
	}
	if (expiration_ms > 0) {
		snprintf(exp, sizeof(exp), "%lld", (long long)expiration_ms);
		props._flags |= AMQP_BASIC_EXPIRATION_FLAG;
		props.expiration = amqp_cstring_bytes(exp);
	}
	b.bytes = (void *)body;
	b.len = len;
	rc = amqp_basic_publish(t->conn, CHANNEL, amqp_cstring_bytes(exchange),
	    amqp_cstring_bytes(routing_key), 0, 0, &props, b);
	if (rc != AMQP_STATUS_OK) {
		error_set(err, 0, 0, "publish to %s/%s: %s", exchange,
		    routing_key, amqp_error_string2(rc));
		return MCE_BROKER;
	}
	return 0;
}

int
transport_amqp_rebind(struct transport_amqp *t, const char *routing_key,
    int bind, struct error *err)
{
	amqp_queue_bind_t b = {
	    .queue = amqp_cstring_bytes(t->queue),
	    .exchange = amqp_cstring_bytes(TRANSPORT_EXCHANGE_BROADCAST),
	    .routing_key = amqp_cstring_bytes(routing_key),
	    .arguments = amqp_empty_table,
	};
	amqp_queue_unbind_t u = {
	    .queue = b.queue,
	    .exchange = b.exchange,
	    .routing_key = b.routing_key,
	    .arguments = b.arguments,
	};
	int rc;

	/* Sent without waiting: deliveries keep arriving meanwhile, and the
	 * answer is read with them by transport_amqp_next(). */
	rc = amqp_send_method(t->conn, CHANNEL,
	    bind ? AMQP_QUEUE_BIND_METHOD : AMQP_QUEUE_UNBIND_METHOD,
	    bind ? (void *)&b : (void *)&u);
	if (rc != AMQP_STATUS_OK) {
		error_set(err, 0, 0, "%s: %s %s: %s", t->url,
		    bind ? "bind" : "unbind", routing_key,
		    amqp_error_string2(rc));
		return MCE_BROKER;
	}
	t->pending++;
	return 0;
}

unsigned
transport_amqp_pending(const struct transport_amqp *t)
{
	return t->pending;
}

void
transport_amqp_set_max_body(struct transport_amqp *t, size_t max_body,
    void (*on_refused)(void *, size_t, const char *, const char *), void *arg)
{
	t->max_body = max_body;
	t->on_refused = on_refused;
	t->refused_arg = arg;
}

int
transport_amqp_blocked(const struct transport_amqp *t)
{
	return t->blocked;
}

static char *
bytes_dup(amqp_bytes_t b)
{
	return strndup(b.bytes != NULL ? b.bytes : "", b.len);
}

/* A method frame outside a message's content. */
static int
on_method(struct transport_amqp *t, const amqp_frame_t *f, struct error *err)
{
	const amqp_method_t *m = &f->payload.method;

	switch (m->id) {
	case AMQP_BASIC_DELIVER_METHOD: {
		const amqp_basic_deliver_t *dv = m->decoded;

		transport_delivery_clear(&t->cur);
		t->cur.routing_key = bytes_dup(dv->routing_key);
		t->cur.exchange = bytes_dup(dv->exchange);
		if (t->cur.routing_key == NULL || t->cur.exchange == NULL)
			return -ENOMEM;
		t->in = IN_HEADER;
		t->keep = 1;
		return 0;
	}
	case AMQP_BASIC_RETURN_METHOD: /* an unroutable message of ours */
		t->in = IN_HEADER;
		t->keep = 0;
		return 0;
	case AMQP_QUEUE_BIND_OK_METHOD:
	case AMQP_QUEUE_UNBIND_OK_METHOD:
		if (t->pending > 0)
			t->pending--;
		return 0;
	case AMQP_CONNECTION_BLOCKED_METHOD:
		t->blocked = 1;
		return 0;
	case AMQP_CONNECTION_UNBLOCKED_METHOD:
		t->blocked = 0;
		return 0;
	case AMQP_CONNECTION_CLOSE_METHOD:
	case AMQP_CHANNEL_CLOSE_METHOD: {
		amqp_rpc_reply_t r;

		r.reply_type = AMQP_RESPONSE_SERVER_EXCEPTION;
		r.reply = *m;
		r.library_error = 0;
		reply_error(err, t->url, r);
		return MCE_BROKER;
	}
	default:
		return 0;
	}
}

/*
 * A content header: the body's size is known before any of it is read, so
 * a body over the limit is never held, only counted as it goes by.
 */
static int
on_header(struct transport_amqp *t, const amqp_frame_t *f)
{
	const amqp_basic_properties_t *p = f->payload.properties.decoded;
	uint64_t size = f->payload.properties.body_size;

	t->left = size;
	if (!t->keep || (t->max_body > 0 && size > t->max_body)) {
		if (t->keep && t->on_refused != NULL)
			t->on_refused(t->refused_arg, (size_t)size,
			    t->cur.exchange, t->cur.routing_key);
		transport_delivery_clear(&t->cur);
		t->in = size > 0 ? IN_DISCARD : IN_IDLE;
		return 0;
	}
	if (size >= SIZE_MAX ||
	    (t->cur.body = malloc((size_t)size + 1)) == NULL)
		return -ENOMEM;
	t->cur.body[0] = '\0';
	if (p != NULL && (p->_flags & AMQP_BASIC_REPLY_TO_FLAG) &&
	    (t->cur.reply_to = bytes_dup(p->reply_to)) == NULL)
		return -ENOMEM;
	t->in = IN_BODY;
	return size == 0 ? 1 : 0;
}

/* 1: the delivery in t->cur is complete. */
static int
on_body(struct transport_amqp *t, const amqp_frame_t *f)
{
	const amqp_bytes_t *b = &f->payload.body_fragment;

	if (b->len > t->left)
		return MCE_BROKER;
	if (t->in == IN_BODY) {
		memcpy(t->cur.body + t->cur.len, b->bytes, b->len);
		t->cur.len += b->len;
		t->cur.body[t->cur.len] = '\0';
	}
	t->left -= b->len;
	if (t->left > 0)
		return 0;
	if (t->in == IN_DISCARD) {
		t->in = IN_IDLE;
		return 0;
	}
	return 1;
}

/* One frame: 1 when it completed a delivery. */
static int
on_frame(struct transport_amqp *t, const amqp_frame_t *f, struct error *err)
{
	int r;

	if (f->channel != CHANNEL && f->channel != 0)
		return 0;
	switch (f->frame_type) {
	case AMQP_FRAME_METHOD:
		/* Channel 0 (connection.blocked, connection.close) may come
		 * between the frames of a message on our channel. */
		if (t->in != IN_IDLE && f->channel != 0) {
			error_set(
			    err, 0, 0, "%s: a method inside a message", t->url);
			return MCE_BROKER;
		}
		return on_method(t, f, err);
	case AMQP_FRAME_HEADER:
		if (t->in != IN_HEADER)
			break;
		return on_header(t, f);
	case AMQP_FRAME_BODY:
		if (t->in != IN_BODY && t->in != IN_DISCARD)
			break;
		if ((r = on_body(t, f)) == MCE_BROKER)
			error_set(err, 0, 0, "%s: body longer than announced",
			    t->url);
		return r;
	default:
		return 0;
	}
	error_set(
	    err, 0, 0, "%s: unexpected frame type %d", t->url, f->frame_type);
	return MCE_BROKER;
}

/* Milliseconds on a clock that does not jump. */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
transport_amqp_next(struct transport_amqp *t, struct transport_delivery *ret,
    int timeout_ms, struct error *err)
{
	int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	amqp_frame_t f;
	struct timeval tv;
	int rc, r;

	memset(ret, 0, sizeof(*ret));
	for (;;) {
		/* Frames are read one at a time into memory that is given back
		 * before the next one: nothing accumulates but a kept body. */
		amqp_maybe_release_buffers(t->conn);
		if (timeout_ms > 0) {
			int64_t left = deadline - now_ms();

			if (left < 0)
				left = 0;
			tv.tv_sec = (time_t)(left / 1000);
			tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
		} else {
			tv.tv_sec = tv.tv_usec = 0;
		}
		rc = amqp_simple_wait_frame_noblock(
		    t->conn, &f, timeout_ms < 0 ? NULL : &tv);
		if (rc == AMQP_STATUS_TIMEOUT)
			return 0;
		if (rc != AMQP_STATUS_OK) {
			error_set(err, 0, 0, "%s: %s", t->url,
			    amqp_error_string2(rc));
			return MCE_BROKER;
		}
		if ((r = on_frame(t, &f, err)) < 0)
			return r;
		if (r == 1) {
			*ret = t->cur;
			memset(&t->cur, 0, sizeof(t->cur));
			t->in = IN_IDLE;
			return 1;
		}
	}
}

void
transport_delivery_clear(struct transport_delivery *d)
{
	if (d == NULL)
		return;
	free(d->body);
	free(d->reply_to);
	free(d->routing_key);
	free(d->exchange);
	memset(d, 0, sizeof(*d));
}

static int
unix_address(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	memcpy(sun->sun_path, path, strlen(path));
	return 0;
}

int
transport_unix_listen(const char *path, mode_t mode)
{
	struct sockaddr_un sun;
	char dir[sizeof(sun.sun_path)];
	char *slash;
	int fd, rc;

	if ((rc = unix_address(path, &sun)) != 0)
		return rc;
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST)
			return -errno;
	}
	/* Replace a socket left by a crashed agent, never a live one. */
	if ((fd = transport_unix_connect(path)) >= 0) {
		close(fd);
		return -EADDRINUSE;
	}
	if (unlink(path) == -1 && errno != ENOENT)
		return -errno;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, mode) == -1 || listen(fd, 128) == -1) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int
transport_unix_connect(const char *path)
{
	struct sockaddr_un sun;
	int fd, rc;

	if ((rc = unix_address(path, &sun)) != 0)
		return rc;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int
transport_unix_peer_uid(int fd, uid_t *ret)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return -errno;
	*ret = cred.uid;
	return 0;
}

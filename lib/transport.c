/* transport.c: the AMQP link (librabbitmq) and the local UNIX socket. */
#include "buildconf.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>

#include "transport.h"

#define CHANNEL 1
#define FRAME_MAX 131072

struct transport_amqp {
	amqp_connection_state_t conn;
	char url[512];
	int timeout_ms;
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
		error_set(err, 0, 0, "%s: malformed broker URL (%s)", url,
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
	snprintf(buf, size, "%s://%s@%s:%d/%s", u->tls ? "amqps" : "amqp",
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

static int
open_one(const struct transport_amqp_options *o, const char *url,
    struct transport_amqp *t, struct error *err)
{
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
		/*
		 * amqps:// always verifies the broker: its certificate chain
		 * against the CA file, and its name (the URL's host) against
		 * the certificate's DNS names (librabbitmq does not match IP
		 * addresses, so the URL names the broker by a DNS name its
		 * certificate lists). There is no fallback to the system trust
		 * store: without a CA file the link is refused as a
		 * configuration error, so that which CAs a fleet trusts is
		 * written in its configuration (a public CA bundle can be
		 * named as the CA file).
		 */
		if (o->cafile == NULL) {
			error_set(err, 0, 0,
			    "%s: amqps:// needs a CA file to verify the broker",
			    t->url);
			rc = MCE_CONFIG;
			goto fail;
		}
		if ((sock = amqp_ssl_socket_new(t->conn)) == NULL) {
			rc = -ENOMEM;
			goto fail;
		}
		amqp_ssl_socket_set_verify_peer(sock, 1);
		amqp_ssl_socket_set_verify_hostname(sock, 1);
		if (amqp_ssl_socket_set_cacert(sock, o->cafile) !=
		    AMQP_STATUS_OK) {
			error_set(err, 0, 0, "%s: cannot use CA file %s",
			    t->url, o->cafile);
			rc = MCE_CONFIG;
			goto fail;
		}
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
	r = amqp_login(t->conn, u.vhost, 0, FRAME_MAX, o->heartbeat,
	    AMQP_SASL_METHOD_PLAIN, u.user, u.password);
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
	for (size_t i = 0; i < o->nurls; i++) {
		if ((rc = open_one(o, o->urls[i], t, err)) == 0) {
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
		amqp_channel_close(t->conn, CHANNEL, AMQP_REPLY_SUCCESS);
		amqp_connection_close(t->conn, AMQP_REPLY_SUCCESS);
		amqp_destroy_connection(t->conn);
	}
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

int
transport_amqp_declare(struct transport_amqp *t, struct error *err)
{
	static const char *const names[] = {
	    TRANSPORT_EXCHANGE_BROADCAST, TRANSPORT_EXCHANGE_DIRECT};
	static const char *const types[] = {"topic", "direct"};

	for (size_t i = 0; i < 2; i++) {
		char what[128];

		amqp_exchange_declare(t->conn, CHANNEL,
		    amqp_cstring_bytes(names[i]), amqp_cstring_bytes(types[i]),
		    0, 1, 0, 0, amqp_empty_table);
		snprintf(what, sizeof(what), "declare exchange %s", names[i]);
		if (check_reply(t, what, err) != 0)
			return MCE_BROKER;
	}
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
	char queue[300], key[300];

	snprintf(queue, sizeof(queue), "%s%s", TRANSPORT_NODE_QUEUE_PREFIX,
	    identity);
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

int
transport_amqp_subscribe_replies(
    struct transport_amqp *t, char **ret_name, struct error *err)
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

static char *
bytes_dup(amqp_bytes_t b)
{
	return strndup(b.bytes != NULL ? b.bytes : "", b.len);
}

/*
 * A frame that is not a delivery arrived: a broker close ends the link;
 * anything else (basic.return of an unroutable message, its content) is
 * read and dropped.
 */
static int
other_frame(struct transport_amqp *t, struct error *err)
{
	amqp_frame_t frame;
	int rc;

	if ((rc = amqp_simple_wait_frame(t->conn, &frame)) != AMQP_STATUS_OK) {
		error_set(err, 0, 0, "%s: %s", t->url, amqp_error_string2(rc));
		return MCE_BROKER;
	}
	if (frame.frame_type != AMQP_FRAME_METHOD)
		return 0;
	switch (frame.payload.method.id) {
	case AMQP_CONNECTION_CLOSE_METHOD:
	case AMQP_CHANNEL_CLOSE_METHOD: {
		amqp_rpc_reply_t r;

		r.reply_type = AMQP_RESPONSE_SERVER_EXCEPTION;
		r.reply = frame.payload.method;
		r.library_error = 0;
		reply_error(err, t->url, r);
		return MCE_BROKER;
	}
	case AMQP_BASIC_RETURN_METHOD: {
		amqp_message_t msg;
		amqp_rpc_reply_t r =
		    amqp_read_message(t->conn, frame.channel, &msg, 0);
		if (r.reply_type != AMQP_RESPONSE_NORMAL) {
			reply_error(err, t->url, r);
			return MCE_BROKER;
		}
		amqp_destroy_message(&msg);
		return 0;
	}
	default:
		return 0;
	}
}

int
transport_amqp_next(struct transport_amqp *t, struct transport_delivery *ret,
    int timeout_ms, struct error *err)
{
	amqp_envelope_t env;
	amqp_rpc_reply_t r;
	struct timeval tv, *tvp = NULL;

	memset(ret, 0, sizeof(*ret));
	if (timeout_ms >= 0) {
		tv.tv_sec = timeout_ms / 1000;
		tv.tv_usec = (timeout_ms % 1000) * 1000;
		tvp = &tv;
	}
	amqp_maybe_release_buffers(t->conn);
	r = amqp_consume_message(t->conn, &env, tvp, 0);
	if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) {
		if (r.library_error == AMQP_STATUS_TIMEOUT)
			return 0;
		if (r.library_error == AMQP_STATUS_UNEXPECTED_STATE)
			return other_frame(t, err);
	}
	if (r.reply_type != AMQP_RESPONSE_NORMAL) {
		reply_error(err, t->url, r);
		return MCE_BROKER;
	}
	ret->len = env.message.body.len;
	ret->body = malloc(ret->len + 1);
	ret->routing_key = bytes_dup(env.routing_key);
	ret->exchange = bytes_dup(env.exchange);
	if (env.message.properties._flags & AMQP_BASIC_REPLY_TO_FLAG)
		ret->reply_to = bytes_dup(env.message.properties.reply_to);
	if (ret->body != NULL) {
		if (ret->len > 0)
			memcpy(ret->body, env.message.body.bytes, ret->len);
		ret->body[ret->len] = '\0';
	}
	amqp_destroy_envelope(&env);
	if (ret->body == NULL || ret->routing_key == NULL ||
	    ret->exchange == NULL) {
		transport_delivery_clear(ret);
		return -ENOMEM;
	}
	return 1;
}

int
transport_amqp_buffered(const struct transport_amqp *t)
{
	return amqp_frames_enqueued(t->conn) || amqp_data_in_buffer(t->conn);
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

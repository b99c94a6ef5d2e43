/*
 * transport.h: the AMQP link (librabbitmq) and the local UNIX socket.
 *
 * AMQP topology (docs/PROTOCOL.md):
 *   exchange "metactl.broadcast", topic: routing key "<collective>.<agent>"
 *   exchange "metactl.direct", direct: routing key "<identity>"
 *   node queue "metactl.node.<identity>", exclusive, bound to both
 *   reply queue: server-named, exclusive, auto-delete, per orchestrator run
 * Messages carry one envelope (message.h) as body, content type
 * application/json, reply_to naming the reply queue, and an expiration
 * equal to the request ttl.
 *
 * The link is non-blocking friendly: transport_amqp_next() with timeout 0
 * returns what is buffered or readable now, so an event loop can watch
 * transport_amqp_fd() and drain with next() until it returns 0 and
 * transport_amqp_buffered() is false.
 *
 * Local socket: a stream socket; each direction carries one envelope per
 * line (compact JSON never contains a raw newline). One reply line answers
 * each request line, in order.
 */
#ifndef METACTL_TRANSPORT_H
#define METACTL_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define TRANSPORT_EXCHANGE_BROADCAST "metactl.broadcast"
#define TRANSPORT_EXCHANGE_DIRECT "metactl.direct"
#define TRANSPORT_NODE_QUEUE_PREFIX "metactl.node."
#define TRANSPORT_DEFAULT_SOCKET RUNSTATEDIR "/metactl/metactld.sock"

struct transport_url {
	char *host;
	int port;
	char *user;
	char *password;
	char *vhost;
	int tls;
};
/* amqp://user:pass@host:port/vhost or amqps://...; defaults guest/5672/"/". */
int transport_url_parse(
    const char *url, struct transport_url *ret, struct error *err);
void transport_url_clear(struct transport_url *u);

struct transport_amqp_options {
	const char *const *urls; /* tried in order */
	size_t nurls;
	const char *cafile; /* for amqps:// */
	int heartbeat; /* seconds, 0 disables */
	int timeout_ms; /* connect and each broker RPC */
};

struct transport_amqp;
/* Connects to the first URL that answers; err says why the last failed. */
int transport_amqp_open(const struct transport_amqp_options *o,
    struct transport_amqp **ret, struct error *err);
void transport_amqp_close(struct transport_amqp *t);
int transport_amqp_fd(const struct transport_amqp *t);
/* The URL in use, password hidden. */
const char *transport_amqp_url(const struct transport_amqp *t);

/* Declares both exchanges (idempotent). */
int transport_amqp_declare(struct transport_amqp *t, struct error *err);
/* Declares and binds the node queue and starts consuming from it. */
int transport_amqp_subscribe_node(struct transport_amqp *t,
    const char *identity, const char *const *collectives, size_t ncoll,
    const char *const *agents, size_t nagents, struct error *err);
/* Declares a private reply queue, consumes from it; *ret_name is malloc'd. */
int transport_amqp_subscribe_replies(
    struct transport_amqp *t, char **ret_name, struct error *err);

int transport_amqp_publish(struct transport_amqp *t, const char *exchange,
    const char *routing_key, const char *reply_to, const char *body, size_t len,
    int64_t expiration_ms, struct error *err);

struct transport_delivery {
	char *body;
	size_t len;
	char *reply_to; /* NULL when absent */
	char *routing_key;
	char *exchange;
};
/*
 * 1 and a delivery, 0 when nothing arrived within timeout_ms (0: do not
 * wait; -1: wait forever), or a negative code when the link is lost (err
 * says why; close and reopen). Heartbeats are handled inside.
 */
int transport_amqp_next(struct transport_amqp *t,
    struct transport_delivery *ret, int timeout_ms, struct error *err);
/* True when frames are buffered: call next() before polling the fd again. */
int transport_amqp_buffered(const struct transport_amqp *t);
void transport_delivery_clear(struct transport_delivery *d);

/* Local socket. listen creates parent directory if needed, unlinks a stale
 * socket, applies mode; both return a file descriptor or a negative code. */
int transport_unix_listen(const char *path, mode_t mode);
int transport_unix_connect(const char *path);
/* uid of the process at the other end (SO_PEERCRED). */
int transport_unix_peer_uid(int fd, uid_t *ret);

#endif

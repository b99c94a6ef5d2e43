/*
 * transport.h: the AMQP link (librabbitmq) and the local UNIX socket.
 *
 * AMQP topology (docs/PROTOCOL.md):
 *   exchange "metactl.broadcast", topic: routing key "<collective>.<agent>"
 *   exchange "metactl.direct", direct: routing key "<identity>"
 *   exchange "metactl.reply", topic: routing key the reply queue's name
 *   node queue "metactl.node.<identity>", exclusive, bound to broadcast
 *   and direct
 *   reply queue "metactl.reply.<32 hex digits>", exclusive, auto-delete,
 *   per orchestrator run, bound to "metactl.reply" with its own name
 * Messages carry one envelope (message.h) as body, content type
 * application/json, reply_to naming the reply queue, and an expiration
 * equal to the request ttl.
 *
 * The link is non-blocking friendly: transport_amqp_next() with timeout 0
 * returns what is buffered or readable now, so an I/O loop can watch
 * transport_amqp_fd() and drain with next() until it returns 0.
 * librabbitmq is not thread-safe: one thread at a time uses a link.
 *
 * Incoming messages are read frame by frame: a body whose content header
 * announces more than max_body bytes is read and thrown away as it
 * arrives, never held whole.
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
#define TRANSPORT_EXCHANGE_REPLY "metactl.reply"
#define TRANSPORT_NODE_QUEUE_PREFIX "metactl.node."
#define TRANSPORT_REPLY_QUEUE_PREFIX "metactl.reply."
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
/* url with its password replaced by "***" (amqp://user:***@host/vhost),
 * for every log line and message; returns buf. */
const char *transport_url_redact(const char *url, char *buf, size_t size);

struct transport_amqp_options {
	const char *const *urls; /* tried in turn, from urls[first] */
	size_t nurls;
	const char *cafile; /* for amqps:// */
	int heartbeat; /* seconds, 0 disables */
	int timeout_ms; /* connect and each broker RPC */
	int reply_exchange; /* replies through metactl.reply (federation) */
	size_t first; /* the index tried first (modulo nurls); then first+1,
			 ..., wrapping around: every URL once */
};

/* A stable index in [0, n) for key (32-bit FNV-1a of its bytes modulo n;
 * 0 when n is 0): the broker URL a node starts at, so that a fleet whose
 * nodes list the same URLs spreads over them. */
size_t transport_url_pick(const char *key, size_t n);

struct transport_amqp;
/* Connects to the first URL that answers, trying them in turn from
 * o->first; err says why the last failed. */
int transport_amqp_open(const struct transport_amqp_options *o,
    struct transport_amqp **ret, struct error *err);
void transport_amqp_close(struct transport_amqp *t);
int transport_amqp_fd(const struct transport_amqp *t);
/* The URL in use, password hidden. */
const char *transport_amqp_url(const struct transport_amqp *t);
/* Its index in the options' urls. */
size_t transport_amqp_index(const struct transport_amqp *t);

/* Declares the three exchanges (idempotent). */
int transport_amqp_declare(struct transport_amqp *t, struct error *err);
/* Declares and binds the node queue and starts consuming from it. */
int transport_amqp_subscribe_node(struct transport_amqp *t,
    const char *identity, const char *const *collectives, size_t ncoll,
    const char *const *agents, size_t nagents, struct error *err);
/* Binds (bind 1) or unbinds (0) the node queue to the broadcast exchange
 * with routing_key, without waiting for the answer: it is read by next()
 * and transport_amqp_pending() counts those not read yet. A refusal closes
 * the link. */
int transport_amqp_rebind(struct transport_amqp *t, const char *routing_key,
    int bind, struct error *err);
unsigned transport_amqp_pending(const struct transport_amqp *t);
/* Messages over max_body bytes (0, the default: no limit) are discarded
 * unread from the next message on; on_refused, when not NULL, is called by
 * next() for each with its size, exchange and routing key. */
void transport_amqp_set_max_body(struct transport_amqp *t, size_t max_body,
    void (*on_refused)(
	void *arg, size_t size, const char *exchange, const char *routing_key),
    void *arg);
/* True between the broker's connection.blocked and connection.unblocked
 * (it is short of memory or disk and reads nothing more from publishers):
 * do not publish meanwhile. */
int transport_amqp_blocked(const struct transport_amqp *t);
/* Declares a private reply queue and consumes from it; *ret_name is
 * malloc'd. With the options' reply_exchange the queue is named
 * TRANSPORT_REPLY_QUEUE_PREFIX and 32 random hex digits and bound with its
 * name to the reply exchange, which federation can carry from another
 * site; without it the broker names the queue and nodes reach it through
 * the default exchange, at this broker only, where no other broker user
 * can bind a copy of the replies. */
int transport_amqp_subscribe_replies(
    struct transport_amqp *t, char **ret_name, struct error *err);
/* Where a reply to reply_to goes: the reply exchange for a queue named
 * with TRANSPORT_REPLY_QUEUE_PREFIX (it can be federated to another
 * site), the default exchange ("") for any other name (a client that
 * predates the reply exchange: its queue is reached by name only). The
 * routing key is reply_to either way. */
const char *transport_reply_exchange(const char *reply_to);

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
 * says why; close and reopen). Heartbeats, flow control, the answers to
 * rebind() and returned messages are handled inside.
 */
int transport_amqp_next(struct transport_amqp *t,
    struct transport_delivery *ret, int timeout_ms, struct error *err);
void transport_delivery_clear(struct transport_delivery *d);

/* Local socket. listen creates parent directory if needed, unlinks a stale
 * socket, applies mode; both return a file descriptor or a negative code. */
int transport_unix_listen(const char *path, mode_t mode);
int transport_unix_connect(const char *path);
/* uid of the process at the other end (SO_PEERCRED). */
int transport_unix_peer_uid(int fd, uid_t *ret);

#endif

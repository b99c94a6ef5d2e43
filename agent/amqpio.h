/*
 * amqpio.h: the broker link on a thread of its own.
 *
 * One I/O thread owns the AMQP connection for its whole life: connect,
 * login, declare, bind, consume, read, publish, heartbeats and reconnect
 * with jittered exponential backoff. It sleeps in poll() on the AMQP socket
 * and a wake-up pipe; only the heartbeat, when configured, wakes it when
 * nothing happens. librabbitmq is not thread-safe: no other thread touches
 * the connection.
 *
 * The other thread (the event loop) talks to it through two queues:
 * deliveries come in through amqpio_take(), announced by the notify
 * callback; replies go out through amqpio_publish(), into a bounded queue
 * that drops what does not fit instead of waiting. While the broker says
 * it is blocked (connection.blocked) nothing is published: the queue
 * fills, then drops. Incoming messages over message_max are read and
 * discarded frame by frame, never held.
 */
#ifndef METACTLD_AMQPIO_H
#define METACTLD_AMQPIO_H

#include <stddef.h>
#include <stdint.h>

#include "transport.h"

struct amqpio_options {
	const char *const *urls; /* tried in turn, credentials applied */
	size_t nurls;
	const char *cafile;
	int heartbeat; /* seconds, 0: none */
	int connect_timeout_ms;
	long long reconnect_min_ms;
	long long reconnect_max_ms;
	size_t message_max; /* larger messages are discarded unread */
	size_t out_bytes; /* outgoing queue bound: bytes ... */
	size_t out_count; /* ... and replies */
	const char *identity;
	const char *const *collectives;
	size_t ncollectives;
	const char *const *agents;
	size_t nagents;
	/* Called on the I/O thread when deliveries wait in the queue, and
	 * once when the first connection attempt is over; must be safe from
	 * any thread (uv_async_send). */
	void (*notify)(void *arg);
	void *arg;
};

struct amqpio_stats {
	uint64_t published;
	uint64_t dropped; /* replies the outgoing queue had no room for */
	uint64_t refused; /* messages over message_max, discarded unread */
	uint64_t reconnects; /* connections made after the first */
	size_t queued; /* replies waiting now */
	size_t queued_bytes;
	int connected;
	int blocked;
	/* The first connection attempt is over, either way: the node queue
	 * is bound and consumed, or the broker could not be reached. */
	int attempted;
};

struct amqpio;

/* Copies everything in o and starts the thread; 0 or -errno. */
int amqpio_start(const struct amqpio_options *o, struct amqpio **ret);
/* Stops the thread (waiting at most for a connection attempt under way)
 * and frees everything; NULL is a no-op. */
void amqpio_stop(struct amqpio *io);

/* 1 and the next delivery (the caller clears it), or 0 when none waits. */
int amqpio_take(struct amqpio *io, struct transport_delivery *ret);
/* Queues body for the default exchange with routing_key (a reply queue).
 * 0, or -ENOBUFS when the queue is full: the reply was dropped, logged and
 * counted. Never waits. */
int amqpio_publish(
    struct amqpio *io, const char *routing_key, const char *body, size_t len);
/* Binds the node queue for these collectives and agents instead of the
 * previous ones, on the live connection (no reconnect), and applies a new
 * message_max. */
int amqpio_rebind(struct amqpio *io, const char *const *collectives,
    size_t ncollectives, const char *const *agents, size_t nagents,
    size_t message_max);
void amqpio_stats(struct amqpio *io, struct amqpio_stats *ret);

#endif

/*
 * collect.h: waiting for replies.
 *
 * collect_wait() returns when every expected node has answered the
 * request, or at the deadline, whichever comes first; once every expected
 * node answered, what already arrived is still read (without waiting) and
 * recorded as ordinary replies. With no expected nodes it waits for the
 * deadline, or for the quiet rule when the collector has one
 * (orchestrator/quiet.h); on the local socket the one agent's reply ends
 * the wait. `whole` makes it wait for the deadline whatever arrived.
 *
 * Expected nodes that did not answer become RES_MISSING, unless their only
 * reply failed verification (RES_INVALID). A reply from a node outside a
 * given expected set is an ordinary reply with is_new set. A reply to an
 * earlier request of the same run (an earlier batch) turns that node's
 * RES_MISSING into RES_LATE: late means after its deadline.
 *
 * A reply answers a request when it names its id AND carries the digest
 * of the exact body sent (message_digest()). Replies that fail
 * verification, or name a request of this run with another digest, become
 * RES_INVALID (one entry per claimed identity, the first reason; beyond
 * RESULTS_INVALID_MAX identities only counted in rs->invalid_more) and
 * never count as an answer. Replies to any other request go to on_other
 * when set, else are dropped.
 *
 * Every lookup per reply (expected set, results, earlier requests) is a
 * hash lookup: the cost per reply does not grow with the fleet.
 */
#ifndef METACTL_ORCH_COLLECT_H
#define METACTL_ORCH_COLLECT_H

#include <stdint.h>
#include <jansson.h>

#include "error.h"
#include "orchestrator/link.h"
#include "orchestrator/quiet.h"
#include "orchestrator/results.h"
#include "strv.h"

struct progress;

/* Why collect_wait() returned. */
enum collect_end {
	COLLECT_ALL, /* every expected node answered */
	COLLECT_QUIET, /* the quiet rule */
	COLLECT_DEADLINE, /* the deadline (the window) */
	COLLECT_LOCAL, /* the local agent answered */
	COLLECT_INTERRUPTED
};

struct collector {
	struct orch_link *link;
	struct results *rs;
	json_t *old; /* earlier requests: id -> digest; owned */
	json_t *invalid_ids; /* claimed identities shown invalid; owned */
	json_t *wait_invalid; /* those of the current wait; owned */
	struct progress *progress; /* NULL: none */
	/* Called for every result as it is recorded (--jsonl). */
	void (*on_result)(void *arg, const struct result *r);
	void *arg;
	/* Replies (and invalid replies) naming another request: 1 when
	 * on_other used the event. other_pending() says whether it still
	 * waits for replies: the wait does not end early meanwhile. */
	int (*on_other)(void *arg, const struct link_event *ev);
	int (*other_pending)(void *arg);
	void *other_arg;
	struct quiet *quiet; /* NULL: none */
	int whole; /* 1: the deadline ends the wait, nothing sooner */
	enum collect_end ended; /* why the last wait ended */
};

/* id NULL: only process late replies until the deadline (batch sleep);
 * else digest is the request body's. 0, or a negative code when the link
 * failed. */
int collect_wait(struct collector *c, const char *id, const char *digest,
    int64_t sent_ms, const struct strv *expected, int64_t deadline_ms,
    struct error *err);
/* The same for several requests sent together (id -> digest, each body's
 * own; NULL as id NULL above): a reply to any of them is an answer. */
int collect_wait_all(struct collector *c, const json_t *ids, int64_t sent_ms,
    const struct strv *expected, int64_t deadline_ms, struct error *err);
/* Records an invalid reply as above: the entry, or NULL when it was
 * counted only (or out of memory). */
struct result *collect_invalid(
    struct collector *c, const char *sender, const char *why);
void collector_clear(struct collector *c);

#endif

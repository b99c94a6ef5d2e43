/*
 * collect.h: waiting for replies.
 *
 * collect_wait() returns when every expected node has answered the
 * request, or at the deadline, whichever comes first; with no expected
 * nodes (unknown set) it waits for the deadline, except on the local
 * socket where the one agent's reply ends the wait. Expected nodes that
 * did not answer become RES_MISSING. A reply to an earlier request of the
 * same run (an earlier batch) turns that node's RES_MISSING into RES_LATE.
 * A reply answers a request when it names its id AND carries the digest of
 * the exact body sent (message_digest()). Replies that fail verification,
 * or name a request of this run with another digest, become RES_INVALID
 * and never count as an answer. Replies to any other request are dropped.
 */
#ifndef METACTL_ORCH_COLLECT_H
#define METACTL_ORCH_COLLECT_H

#include <stdint.h>

#include "error.h"
#include "orchestrator/link.h"
#include "orchestrator/results.h"
#include "strv.h"

struct progress;

struct collector {
	struct orch_link *link;
	struct results *rs;
	struct strv old_ids; /* earlier requests: their replies are late */
	struct strv old_digests; /* the digest of each, same index */
	struct progress *progress; /* NULL: none */
	/* Called for every result as it is recorded (--jsonl). */
	void (*on_result)(void *arg, const struct result *r);
	void *arg;
};

/* id NULL: only process late replies until the deadline (batch sleep);
 * else digest is the request body's. 0, or a negative code when the link
 * failed. */
int collect_wait(struct collector *c, const char *id, const char *digest,
    int64_t sent_ms, const struct strv *expected, int64_t deadline_ms,
    struct error *err);
void collector_clear(struct collector *c);

#endif

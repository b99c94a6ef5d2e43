/*
 * link.h: how metactl reaches nodes. Over AMQP requests are signed with
 * the caller's key and certificate and every reply is verified (node
 * certificate from the fleet CA, name equal to the reply's sender); on
 * the local UNIX socket envelopes are unsigned and the agent takes the
 * caller from the socket's peer credentials.
 */
#ifndef METACTL_ORCH_LINK_H
#define METACTL_ORCH_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "message.h"
#include "names.h"
#include "orchestrator/clientconf.h"

struct orch_link;

/* Opens the broker link (first answering URL) or the local socket. With
 * need_signing, also loads the key, certificate and CA key. */
int link_open(
    const struct client_conf *c, struct orch_link **ret, struct error *err);
void link_close(struct orch_link *l);
int link_is_local(const struct orch_link *l);
/* The broker URL in use, password hidden; NULL in local mode. */
const char *link_url(const struct orch_link *l);

/*
 * Sends one request: broadcast (targets == NULL) to
 * "<collective>.<agent>", or directly to each of the n identities. Fills
 * digest (unless NULL) with the digest of the body signed
 * (message_digest()), which every reply must carry.
 */
int link_send(struct orch_link *l, const struct request *req,
    char *const *targets, size_t n, char digest[MESSAGE_DIGEST_LEN + 1],
    struct error *err);

enum link_event_kind {
	LINK_REPLY, /* a verified (or local) reply */
	LINK_INVALID /* a reply that failed verification or decoding */
};

struct link_event {
	enum link_event_kind kind;
	struct reply *reply; /* LINK_REPLY: owned by the event */
	char sender[NAME_IDENTITY_MAX + 1]; /* best guess for LINK_INVALID */
	char request_id[MESSAGE_ID_LEN + 1]; /* "" when unknown */
	char why[512]; /* LINK_INVALID: what failed */
	int64_t received_ms;
};

/*
 * Waits up to timeout_ms (0: only what is already there) for the next
 * reply: 1 and an event, 0 on timeout, or a negative code when the link
 * failed (err says why).
 */
int link_next(struct orch_link *l, int timeout_ms, struct link_event *ev,
    struct error *err);
void link_event_clear(struct link_event *ev);

#endif

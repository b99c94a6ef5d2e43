/*
 * fakereply.h: what the programs that stand in for nodes in tests and
 * benchmarks (orch_fakenode, slow_node) share: their start as a node on
 * the broker, and the signed reply a node sends.
 */
#ifndef METACTL_TESTS_FAKEREPLY_H
#define METACTL_TESTS_FAKEREPLY_H

#include <stddef.h>
#include <jansson.h>

#include "sign.h"
#include "transport.h"

/* A node subscribed to the rpcutil agent of one collective. */
struct fake_node {
	struct transport_amqp *t;
	struct sign_key *key;
	json_t *cert;
};

/*
 * Loads KEY and CERT, connects to URL and subscribes as identity, then
 * prints "ready". 0; FAKE_NO_KEY or FAKE_NO_BROKER after saying why on
 * stderr, prefixed with prog.
 */
#define FAKE_NO_KEY (-1)
#define FAKE_NO_BROKER (-2)
int fake_node_start(struct fake_node *n, const char *prog, const char *url,
    const char *keyfile, const char *certfile, const char *identity,
    const char *collective);
void fake_node_stop(struct fake_node *n);

#define FAKE_WRONG_DIGEST 0x1 /* the digest of other bytes */
#define FAKE_SPY 0x2 /* the request body to stderr, one line */
#define FAKE_SPY_RAW 0x4 /* the whole message (envelope) to stderr */

/*
 * An OK reply ({"pong": now}) to the request delivered in d, claiming to
 * come from sender, signed with key and cert, in wire form (caller frees,
 * its length in *ret_len); NULL when d holds no request.
 */
char *fake_reply(const struct sign_key *key, const json_t *cert,
    const char *sender, const struct transport_delivery *d, unsigned flags,
    size_t *ret_len);

#endif

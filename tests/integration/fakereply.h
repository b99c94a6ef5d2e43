/*
 * fakereply.h: the signed reply a node sends, made by the programs that
 * stand in for nodes in tests and benchmarks (orch_fakenode, slow_node).
 */
#ifndef METACTL_TESTS_FAKEREPLY_H
#define METACTL_TESTS_FAKEREPLY_H

#include <stddef.h>
#include <jansson.h>

#include "sign.h"
#include "transport.h"

#define FAKE_WRONG_DIGEST 0x1 /* the digest of other bytes */
#define FAKE_SPY 0x2 /* the request body to stderr, one line */

/*
 * An OK reply ({"pong": now}) to the request delivered in d, claiming to
 * come from sender, signed with key and cert, in wire form (caller frees,
 * its length in *ret_len); NULL when d holds no request.
 */
char *fake_reply(const struct sign_key *key, const json_t *cert,
    const char *sender, const struct transport_delivery *d, unsigned flags,
    size_t *ret_len);

#endif

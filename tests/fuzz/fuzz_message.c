/*
 * fuzz_message.c: what a node does with bytes from the broker. Decodes an
 * envelope, verifies it against a fixed CA key (both roles) and decodes
 * the body as a request and as a reply. Whatever decodes must encode and
 * decode again to the same thing.
 *
 * CA_PUBKEY is the key tests/unit/gen_messages.c signs the seed corpus
 * with (from its CA_SEED), so valid signatures in the corpus verify here.
 */
#include "buildconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "sign.h"

#define CA_PUBKEY "CXNma9gtnDCqzNq5JlbY335WF3PFnv6PenNpWtInZ1U="
#define NOW_S 1800000000LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char ca_pk[SIGN_PUBLICKEYBYTES];

static void
request_again(const struct request *r)
{
	struct request *back = NULL;
	struct error err;
	char *body;
	size_t len;

	if (request_encode(r, &body, &len) != 0 ||
	    request_decode(body, len, &back, &err) != 0 ||
	    strcmp(back->id, r->id) != 0 ||
	    strcmp(back->agent, r->agent) != 0 ||
	    !json_equal(back->data, r->data) ||
	    !json_equal(back->filter, r->filter))
		abort();
	request_free(back);
	free(body);
}

static void
reply_again(const struct reply *r)
{
	struct reply *back = NULL;
	struct error err;
	char *body;
	size_t len;

	if (reply_encode(r, &body, &len) != 0 ||
	    reply_decode(body, len, &back, &err) != 0 ||
	    strcmp(back->sender, r->sender) != 0 ||
	    strcmp(back->statusmsg, r->statusmsg) != 0 ||
	    !json_equal(back->data, r->data))
		abort();
	reply_free(back);
	free(body);
}

static void
envelope_again(const struct envelope *e)
{
	struct envelope *back = NULL;
	struct error err;
	char *wire;
	size_t len;

	if (envelope_encode(e, &wire, &len) != 0 ||
	    envelope_decode(wire, len, MESSAGE_MAX_DEFAULT, &back, &err) != 0 ||
	    back->body_len != e->body_len ||
	    memcmp(back->body, e->body, e->body_len) != 0)
		abort();
	envelope_free(back);
	free(wire);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope *e = NULL;
	struct request *rq = NULL;
	struct reply *rp = NULL;
	struct cert *c = NULL;
	struct error err;

	if (sign_init() != 0 || sign_pubkey_parse(CA_PUBKEY, ca_pk) != 0)
		abort();
	if (envelope_decode(
		(const char *)data, size, MESSAGE_MAX_DEFAULT, &e, &err) != 0)
		return 0;
	envelope_again(e);
	if (sign_envelope_verify(
		e, ca_pk, NULL, CERT_ROLE_CALLER, NOW_S, &c, &err) == 0)
		cert_free(c);
	if (sign_envelope_verify(
		e, ca_pk, NULL, CERT_ROLE_NODE, NOW_S, &c, &err) == 0)
		cert_free(c);
	if (request_decode(e->body, e->body_len, &rq, &err) == 0) {
		/* The audience, as every node reads it. */
		(void)request_for_identity(rq, "web1.example.com");
		request_again(rq);
		request_free(rq);
	}
	if (reply_decode(e->body, e->body_len, &rp, &err) == 0) {
		reply_again(rp);
		reply_free(rp);
	}
	envelope_free(e);
	return 0;
}

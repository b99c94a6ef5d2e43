/* fakereply.c: see fakereply.h. */
#include "buildconf.h"

#include <stdio.h>
#include <stdlib.h>

#include "message.h"
#include "tests/integration/fakereply.h"

char *
fake_reply(const struct sign_key *key, const json_t *cert, const char *sender,
    const struct transport_delivery *d, unsigned flags, size_t *ret_len)
{
	char digest[MESSAGE_DIGEST_LEN + 1];
	struct envelope *env = NULL, *out = NULL;
	struct request *req = NULL;
	struct reply *rep = NULL;
	struct error err;
	char *body = NULL, *wire = NULL;
	size_t blen;

	error_init(&err, "request");
	if (envelope_decode(d->body, d->len, MESSAGE_MAX_DEFAULT, &env, &err) <
		0 ||
	    request_decode(env->body, env->body_len, &req, &err) < 0)
		goto out;
	if (flags & FAKE_SPY) {
		fprintf(stderr, "%s\n", env->body);
		fflush(stderr);
	}
	/* The digest of the body, or of the body without its last byte. */
	message_digest(env->body,
	    env->body_len - ((flags & FAKE_WRONG_DIGEST) ? 1 : 0), digest);
	rep = reply_new(req->id, digest, sender, 0, "OK",
	    json_pack("{s:I}", "pong", (json_int_t)message_now_ms()));
	if (rep == NULL || reply_encode(rep, &body, &blen) < 0 ||
	    sign_envelope(key, cert, body, blen, &out) < 0 ||
	    envelope_encode(out, &wire, ret_len) < 0) {
		free(wire);
		wire = NULL;
	}
out:
	free(body);
	envelope_free(out);
	envelope_free(env);
	reply_free(rep);
	request_free(req);
	return wire;
}

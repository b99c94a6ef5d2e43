/* fakereply.c: see fakereply.h. */
#include "buildconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	if (flags & FAKE_SPY_RAW) {
		fwrite(d->body, 1, d->len, stderr);
		fputc('\n', stderr);
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

int
fake_node_start(struct fake_node *n, const char *prog, const char *url,
    const char *keyfile, const char *certfile, const char *identity,
    const char *collective)
{
	struct transport_amqp_options o;
	const char *coll[] = {collective}, *agents[] = {"rpcutil"};
	struct error err;

	memset(n, 0, sizeof(*n));
	error_init(&err, NULL);
	if (sign_init() < 0 || sign_key_load(keyfile, &n->key) < 0 ||
	    cert_load(certfile, &n->cert, &err) < 0) {
		fprintf(stderr, "%s: cannot load key or certificate\n", prog);
		return FAKE_NO_KEY;
	}
	memset(&o, 0, sizeof(o));
	o.urls = &url;
	o.nurls = 1;
	o.timeout_ms = 5000;
	if (transport_amqp_open(&o, &n->t, &err) < 0 ||
	    transport_amqp_declare(n->t, &err) < 0 ||
	    transport_amqp_subscribe_node(
		n->t, identity, coll, 1, agents, 1, &err) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err.text);
		return FAKE_NO_BROKER;
	}
	printf("ready\n");
	fflush(stdout);
	return 0;
}

void
fake_node_stop(struct fake_node *n)
{
	transport_amqp_close(n->t);
	json_decref(n->cert);
	sign_key_free(n->key);
	memset(n, 0, sizeof(*n));
}

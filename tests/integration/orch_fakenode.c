/*
 * orch_fakenode.c: a node that lies, for the orchestrator's tests. It
 * listens as IDENTITY and answers every request with a reply that claims
 * to come from SENDER, signed with KEY and CERT: a node impersonating
 * another, which metactld itself refuses to be. Prints "ready" once it
 * consumes, so a test can wait for it without sleeping. With MODE
 * "wrong-digest" the replies name the request's id but carry the digest of
 * other bytes, as a reply to a copy of the request would. With MODE "spy"
 * it answers as a node would and writes each request body it receives to
 * stderr, one per line, so a test can read what was sent to it; "spy-raw"
 * writes each message whole (the signed envelope), to be sent again.
 *
 *   orch_fakenode URL KEY CERT IDENTITY SENDER COLLECTIVE [MODE]
 */
#include "buildconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sign.h"
#include "tests/integration/fakereply.h"
#include "transport.h"

static int
answer(struct transport_amqp *t, const struct sign_key *key, const json_t *cert,
    const char *sender, const char *mode, struct transport_delivery *d)
{
	unsigned flags = strcmp(mode, "spy") == 0 ? FAKE_SPY
	    : strcmp(mode, "spy-raw") == 0        ? FAKE_SPY_RAW
	    : strcmp(mode, "wrong-digest") == 0   ? FAKE_WRONG_DIGEST
						  : 0;
	struct error err;
	char *wire;
	size_t wlen;
	int r;

	if (d->reply_to == NULL ||
	    (wire = fake_reply(key, cert, sender, d, flags, &wlen)) == NULL)
		return -1;
	error_init(&err, "reply");
	r = transport_amqp_publish(
	    t, "", d->reply_to, NULL, wire, wlen, 0, &err);
	free(wire);
	return r;
}

int
main(int argc, char *argv[])
{
	struct transport_delivery d;
	struct fake_node n;
	struct error err;
	const char *mode;

	if (argc != 7 && argc != 8) {
		fprintf(stderr,
		    "usage: orch_fakenode URL KEY CERT IDENTITY "
		    "SENDER COLLECTIVE [wrong-digest|spy]\n");
		return 2;
	}
	mode = argc == 8 ? argv[7] : "";
	if (fake_node_start(&n, "orch_fakenode", argv[1], argv[2], argv[3],
		argv[4], argv[6]) < 0)
		return 1;
	for (;;) {
		int r = transport_amqp_next(n.t, &d, -1, &err);

		if (r < 0) {
			fprintf(stderr, "orch_fakenode: %s\n", err.text);
			break;
		}
		if (r == 1) {
			answer(n.t, n.key, n.cert, argv[5], mode, &d);
			transport_delivery_clear(&d);
		}
	}
	fake_node_stop(&n);
	return 1;
}

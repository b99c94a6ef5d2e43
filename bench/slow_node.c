/*
 * slow_node.c: a node that answers late, for the discovery benchmark. It
 * subscribes as IDENTITY to the rpcutil agent of COLLECTIVE and answers
 * every request DELAY_MS after it arrived with a signed OK reply (KEY and
 * CERT, a node certificate of the fleet CA), as metactld answers a ping:
 * metactl verifies it like any node's. Requests wait their turn in
 * arrival order, so one late answer never delays the next one more than
 * DELAY_MS. Prints "ready" once it consumes.
 *
 *   slow_node URL KEY CERT IDENTITY COLLECTIVE DELAY_MS
 */
#include "buildconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "sign.h"
#include "tests/integration/fakereply.h"
#include "transport.h"

#define PENDING_MAX 256

struct pending {
	int64_t due_ms;
	char *reply_to;
	char *wire;
	size_t len;
};

static struct pending q[PENDING_MAX];
static size_t head, count;

/* Publishes every reply that is due; the ms until the next one, or -1. */
static int
flush_due(struct transport_amqp *t)
{
	struct error err;
	int64_t now = message_now_ms();

	while (count > 0 && q[head].due_ms <= now) {
		struct pending *p = &q[head];

		transport_amqp_publish(
		    t, "", p->reply_to, NULL, p->wire, p->len, 0, &err);
		free(p->reply_to);
		free(p->wire);
		head = (head + 1) % PENDING_MAX;
		count--;
	}
	return count > 0 ? (int)(q[head].due_ms - now) : -1;
}

int
main(int argc, char *argv[])
{
	struct transport_delivery d;
	struct fake_node n;
	struct error err;
	long delay;
	int r, wait_ms = -1;

	if (argc != 7 || (delay = strtol(argv[6], NULL, 10)) < 0) {
		fprintf(stderr,
		    "usage: slow_node URL KEY CERT IDENTITY "
		    "COLLECTIVE DELAY_MS\n");
		return 64;
	}
	r = fake_node_start(
	    &n, "slow_node", argv[1], argv[2], argv[3], argv[4], argv[5]);
	if (r < 0)
		return r == FAKE_NO_KEY ? 66 : 69;
	while ((r = transport_amqp_next(n.t, &d, wait_ms, &err)) >= 0) {
		if (r == 1 && d.reply_to != NULL && count < PENDING_MAX) {
			struct pending *p = &q[(head + count) % PENDING_MAX];

			p->due_ms = message_now_ms() + delay;
			p->wire =
			    fake_reply(n.key, n.cert, argv[4], &d, 0, &p->len);
			p->reply_to = strdup(d.reply_to);
			if (p->wire != NULL && p->reply_to != NULL)
				count++;
			else {
				free(p->wire);
				free(p->reply_to);
			}
		}
		transport_delivery_clear(&d);
		wait_ms = flush_due(n.t);
	}
	fprintf(stderr, "slow_node: %s\n", err.text);
	fake_node_stop(&n);
	return 1;
}

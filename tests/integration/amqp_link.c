/*
 * amqp_link.c: drives lib/transport.c against the real broker named by
 * $RABBITMQ_URL and prints TAP. "amqp_link tls" checks amqps:// instead:
 * $RABBITMQ_TLS_URL with $RABBITMQ_TLS_CA (the broker's CA) and
 * $RABBITMQ_WRONG_CA (another CA).
 * "amqp_link send EXCHANGE KEY SIZE" publishes SIZE bytes of 'x' to the
 * broker named by $RABBITMQ_URL (for the tests of oversized messages).
 */
#include "buildconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport.h"

static int n, failed;

static void
ok(int cond, const char *what, const struct error *err)
{
	n++;
	if (!cond)
		failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", n, what);
	if (!cond && err != NULL && err->text[0] != '\0')
		printf("# %s\n", err->text);
}

static int
open_link(const char *url, struct transport_amqp **ret, struct error *err)
{
	/* The first URL is dead: the link must fail over to the second. */
	const char *urls[] = {"amqp://guest:guest@127.0.0.1:1/", url};
	struct transport_amqp_options o = {urls, 2, NULL, 0, 3000, 0};

	return transport_amqp_open(&o, ret, err);
}

/* The next delivery within 3 s, or 0. */
static int
next(struct transport_amqp *t, struct transport_delivery *d, int ms)
{
	struct error err;

	error_init(&err, NULL);
	return transport_amqp_next(t, d, ms, &err);
}

static int nrefused;
static size_t refused_size;

static void
refused(void *arg, size_t size, const char *exchange, const char *key)
{
	(void)arg;
	(void)exchange;
	(void)key;
	nrefused++;
	refused_size = size;
}

static int
open_tls(const char *url, const char *cafile, struct transport_amqp **ret,
    struct error *err)
{
	struct transport_amqp_options o = {&url, 1, cafile, 0, 3000, 0};

	*ret = NULL;
	error_init(err, NULL);
	return transport_amqp_open(&o, ret, err);
}

static int
has(const struct error *err, const char *a, const char *b)
{
	return strstr(err->text, a) != NULL && strstr(err->text, b) != NULL;
}

static int
tls_checks(void)
{
	const char *url = getenv("RABBITMQ_TLS_URL");
	const char *ca = getenv("RABBITMQ_TLS_CA");
	const char *wrong = getenv("RABBITMQ_WRONG_CA");
	const char *plain = getenv("RABBITMQ_URL");
	struct transport_amqp *t;
	struct transport_delivery d;
	struct error err;
	char *replyq = NULL, shown[512], plain_tls[512];

	if (url == NULL || ca == NULL || wrong == NULL || plain == NULL) {
		printf("1..0 # SKIP no TLS broker\n");
		return 0;
	}
	memset(&d, 0, sizeof(d));
	ok(open_tls(url, ca, &t, &err) == 0, "amqps link opens with its CA",
	    &err);
	if (t != NULL) {
		snprintf(shown, sizeof(shown), "%s", transport_amqp_url(t));
		ok(strncmp(shown, "amqps://metactl:***@", 20) == 0,
		    "amqps link URL says amqps", NULL);
		ok(transport_amqp_subscribe_replies(t, &replyq, &err) == 0 &&
			transport_amqp_publish(
			    t, "", replyq, NULL, "over tls", 8, 0, &err) == 0 &&
			next(t, &d, 3000) == 1 &&
			strcmp(d.body, "over tls") == 0,
		    "a message goes round over amqps", &err);
		transport_delivery_clear(&d);
		free(replyq);
		transport_amqp_close(t);
	} else {
		snprintf(shown, sizeof(shown), "amqps://");
	}

	ok(open_tls(url, wrong, &t, &err) == MCE_BROKER && t == NULL &&
		has(&err, shown, "does not verify against CA file") &&
		strstr(err.text, wrong) != NULL,
	    "another CA: refused, naming the URL and the CA file", &err);
	ok(open_tls(url, NULL, &t, &err) == MCE_CONFIG && t == NULL &&
		has(&err, shown, "needs a CA file"),
	    "no CA file: a configuration error naming the URL", &err);
	ok(open_tls(url, "/nonexistent/ca.pem", &t, &err) == MCE_CONFIG &&
		has(&err, shown, "cannot use CA file /nonexistent/ca.pem"),
	    "an unreadable CA file: a configuration error", &err);
	/* TLS to the plain listener: the handshake fails. */
	snprintf(plain_tls, sizeof(plain_tls), "amqps%s", plain + 4);
	ok(open_tls(plain_tls, ca, &t, &err) == MCE_BROKER &&
		has(&err, "amqps://", "cannot connect"),
	    "amqps to a plain listener fails", &err);
	printf("1..%d\n", n);
	return failed != 0;
}

static int
send_big(const char *url, char **argv)
{
	struct transport_amqp_options o = {&url, 1, NULL, 0, 3000, 0};
	struct transport_amqp *t;
	struct error err;
	size_t size = strtoull(argv[2], NULL, 10);
	char *body = malloc(size);
	int r;

	error_init(&err, NULL);
	if (body == NULL || transport_amqp_open(&o, &t, &err) < 0) {
		fprintf(stderr, "amqp_link: %s\n", err.text);
		return 1;
	}
	memset(body, 'x', size);
	r = transport_amqp_publish(
	    t, argv[0], argv[1], NULL, body, size, 0, &err);
	if (r < 0)
		fprintf(stderr, "amqp_link: %s\n", err.text);
	transport_amqp_close(t);
	free(body);
	return r < 0;
}

int
main(int argc, char **argv)
{
	const char *url = getenv("RABBITMQ_URL");
	const char *coll[] = {"mc", "ops"};
	const char *agents[] = {"rpcutil", "service"};
	struct transport_amqp *node = NULL, *client = NULL, *dup = NULL;
	struct transport_delivery d;
	struct error err;
	char *replyq = NULL, *big;
	size_t biglen = 512 * 1024;

	if (argc > 1 && strcmp(argv[1], "tls") == 0)
		return tls_checks();
	if (argc == 5 && strcmp(argv[1], "send") == 0 && url != NULL)
		return send_big(url, argv + 2);
	if (url == NULL) {
		printf("1..0 # SKIP RABBITMQ_URL not set\n");
		return 0;
	}
	error_init(&err, NULL);
	ok(open_link(url, &node, &err) == 0, "node link opens (fail-over)",
	    &err);
	ok(open_link(url, &client, &err) == 0, "client link opens", &err);
	if (node == NULL || client == NULL) {
		printf("1..%d\n", n);
		return 1;
	}
	ok(strstr(transport_amqp_url(node), "metactl:***@127.0.0.1") != NULL &&
		strstr(transport_amqp_url(node), "metactl:metactl") == NULL,
	    "link URL names the broker and hides the password", NULL);
	ok(transport_amqp_fd(node) >= 0, "link has a socket", NULL);
	ok(transport_amqp_declare(client, &err) == 0, "exchanges declared",
	    &err);
	ok(transport_amqp_subscribe_node(
	       node, "n1", coll, 2, agents, 2, &err) == 0,
	    "node queue bound", &err);
	ok(transport_amqp_subscribe_replies(client, &replyq, &err) == 0 &&
		replyq != NULL,
	    "reply queue declared", &err);

	ok(transport_amqp_publish(client, TRANSPORT_EXCHANGE_BROADCAST,
	       "ops.service", replyq, "{\"hello\":1}", 11, 60000, &err) == 0,
	    "broadcast published", &err);
	ok(next(node, &d, 3000) == 1 && strcmp(d.body, "{\"hello\":1}") == 0 &&
		d.len == 11 && d.reply_to != NULL &&
		strcmp(d.reply_to, replyq) == 0 &&
		strcmp(d.routing_key, "ops.service") == 0 &&
		strcmp(d.exchange, TRANSPORT_EXCHANGE_BROADCAST) == 0,
	    "node receives the broadcast with reply_to", NULL);
	transport_delivery_clear(&d);

	ok(transport_amqp_publish(client, TRANSPORT_EXCHANGE_DIRECT, "n1",
	       replyq, "direct", 6, 0, &err) == 0,
	    "direct published", &err);
	ok(next(node, &d, 3000) == 1 && strcmp(d.body, "direct") == 0 &&
		strcmp(d.routing_key, "n1") == 0,
	    "node receives the direct message", NULL);
	transport_delivery_clear(&d);

	/* Not bound: another agent, another node. Then a bound one, which
	 * must be the next delivery: the unbound ones were never queued. */
	transport_amqp_publish(client, TRANSPORT_EXCHANGE_BROADCAST,
	    "mc.deploy", NULL, "unbound-agent", 13, 0, &err);
	transport_amqp_publish(client, TRANSPORT_EXCHANGE_DIRECT, "n2", NULL,
	    "other-node", 10, 0, &err);
	transport_amqp_publish(client, TRANSPORT_EXCHANGE_BROADCAST,
	    "mc.rpcutil", NULL, "bound", 5, 0, &err);
	ok(next(node, &d, 3000) == 1 && strcmp(d.body, "bound") == 0 &&
		d.reply_to == NULL,
	    "node gets only what its bindings route", NULL);
	transport_delivery_clear(&d);

	ok(transport_amqp_publish(
	       node, "", replyq, NULL, "reply", 5, 0, &err) == 0,
	    "reply published to reply_to", &err);
	ok(next(client, &d, 3000) == 1 && strcmp(d.body, "reply") == 0,
	    "client receives the reply", NULL);
	transport_delivery_clear(&d);
	ok(next(client, &d, 0) == 0,
	    "a non-blocking read returns at once with nothing", NULL);

	big = malloc(biglen);
	memset(big, 'x', biglen);
	ok(transport_amqp_publish(client, TRANSPORT_EXCHANGE_DIRECT, "n1", NULL,
	       big, biglen, 0, &err) == 0 &&
		next(node, &d, 3000) == 1 && d.len == biglen &&
		memcmp(d.body, big, biglen) == 0,
	    "a 512 KiB body arrives whole", &err);
	transport_delivery_clear(&d);

	/* Over the limit: discarded as it arrives, reported, and the next
	 * message is read as usual. */
	transport_amqp_set_max_body(node, 1000, refused, NULL);
	transport_amqp_publish(
	    client, TRANSPORT_EXCHANGE_DIRECT, "n1", NULL, big, 5000, 0, &err);
	transport_amqp_publish(
	    client, TRANSPORT_EXCHANGE_DIRECT, "n1", NULL, big, 1000, 0, &err);
	ok(next(node, &d, 3000) == 1 && d.len == 1000 && nrefused == 1 &&
		refused_size == 5000,
	    "a body over the limit is discarded, the next one arrives", NULL);
	transport_delivery_clear(&d);
	transport_amqp_set_max_body(node, 0, NULL, NULL);
	free(big);

	/* Re-binding on the live link: mc.deploy in, ops.service out. */
	ok(transport_amqp_rebind(node, "mc.deploy", 1, &err) == 0 &&
		transport_amqp_rebind(node, "ops.service", 0, &err) == 0 &&
		transport_amqp_pending(node) == 2,
	    "bind and unbind sent without waiting", &err);
	for (int i = 0; i < 30 && transport_amqp_pending(node) > 0; i++)
		next(node, &d, 100);
	ok(transport_amqp_pending(node) == 0, "both answered", NULL);
	transport_amqp_publish(client, TRANSPORT_EXCHANGE_BROADCAST,
	    "ops.service", NULL, "unbound", 7, 0, &err);
	transport_amqp_publish(client, TRANSPORT_EXCHANGE_BROADCAST,
	    "mc.deploy", NULL, "newly-bound", 11, 0, &err);
	ok(next(node, &d, 3000) == 1 && strcmp(d.body, "newly-bound") == 0,
	    "the new binding routes, the removed one does not", NULL);
	transport_delivery_clear(&d);

	error_init(&err, NULL);
	ok(open_link(url, &dup, &err) == 0 &&
		transport_amqp_subscribe_node(
		    dup, "n1", coll, 1, agents, 1, &err) == MCE_BROKER &&
		strstr(err.text, "RESOURCE_LOCKED") != NULL,
	    "a second agent with the same identity is refused", &err);
	transport_amqp_close(dup);

	free(replyq);
	transport_amqp_close(node);
	transport_amqp_close(client);
	printf("1..%d\n", n);
	return failed != 0;
}

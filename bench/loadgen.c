/*
 * loadgen.c: sustained load on one agent. Signs COUNT distinct
 * rpcutil.ping requests beforehand (not timed), then publishes them to
 * the node's direct queue keeping WINDOW requests in flight, and counts
 * the replies. Prints "requests SECONDS REQ_PER_S OK NOT_OK".
 *
 *   loadgen URL KEY CERT IDENTITY COUNT [WINDOW]
 */
#include "buildconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "message.h"
#include "sign.h"
#include "transport.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A request direct to identity, its audience naming it alone. */
static char *
make_request(const struct sign_key *k, const json_t *cert, const char *identity,
    size_t *ret_len)
{
	struct request *r = request_new();
	struct envelope *e = NULL;
	char *body = NULL, *wire = NULL;
	size_t len;

	if (r == NULL)
		return NULL;
	r->caller = strdup("alice");
	r->collective = strdup("metactl");
	r->agent = strdup("rpcutil");
	r->action = strdup("ping");
	if (request_set_audience(r, &identity, 1) == 0 &&
	    request_encode(r, &body, &len) == 0 &&
	    sign_envelope(k, cert, body, len, &e) == 0)
		envelope_encode(e, &wire, ret_len);
	envelope_free(e);
	free(body);
	request_free(r);
	return wire;
}

int
main(int argc, char *argv[])
{
	struct transport_amqp_options o = {NULL, 1, NULL, 0, 5000, 0};
	struct transport_amqp *t;
	struct transport_delivery d;
	struct sign_key *k;
	struct error err;
	json_t *cert;
	char **wire, *replyq;
	size_t *len;
	long count, window, sent = 0, got = 0, ok = 0;
	double start, elapsed;

	if (argc < 6) {
		fprintf(stderr,
		    "usage: loadgen URL KEY CERT IDENTITY COUNT [WINDOW]\n");
		return 64;
	}
	count = strtol(argv[5], NULL, 10);
	window = argc > 6 ? strtol(argv[6], NULL, 10) : 200;
	error_init(&err, NULL);
	if (sign_init() != 0 || sign_key_load(argv[2], &k) != 0 ||
	    cert_load(argv[3], &cert, &err) != 0) {
		fprintf(stderr, "loadgen: cannot load key or certificate\n");
		return 66;
	}
	wire = calloc(count, sizeof(*wire));
	len = calloc(count, sizeof(*len));
	for (long i = 0; i < count; i++)
		if ((wire[i] = make_request(k, cert, argv[4], &len[i])) == NULL)
			return 70;
	o.urls = (const char *const *)&argv[1];
	if (transport_amqp_open(&o, &t, &err) != 0 ||
	    transport_amqp_subscribe_replies(t, &replyq, &err) != 0) {
		fprintf(stderr, "loadgen: %s\n", err.text);
		return 69;
	}
	start = now_s();
	while (got < count) {
		while (sent < count && sent - got < window) {
			if (transport_amqp_publish(t, TRANSPORT_EXCHANGE_DIRECT,
				argv[4], replyq, wire[sent], len[sent], 60000,
				&err) != 0) {
				fprintf(stderr, "loadgen: %s\n", err.text);
				return 69;
			}
			sent++;
		}
		int rc = transport_amqp_next(t, &d, 10000, &err);
		if (rc <= 0) {
			fprintf(stderr, "loadgen: %s after %ld replies\n",
			    rc == 0 ? "timeout" : err.text, got);
			return 1;
		}
		got++;
		if (strstr(d.body, "\\\"statuscode\\\":0") != NULL)
			ok++;
		transport_delivery_clear(&d);
	}
	elapsed = now_s() - start;
	printf("%ld %.3f %.0f %ld %ld\n", count, elapsed, count / elapsed, ok,
	    count - ok);
	for (long i = 0; i < count; i++)
		free(wire[i]);
	free(wire);
	free(len);
	free(replyq);
	json_decref(cert);
	sign_key_free(k);
	transport_amqp_close(t);
	return 0;
}

/*
 * floor_publisher.c: publishes one message to every floor responder and
 * waits for N replies on its own reply queue, ROUNDS times. Prints the
 * wall time of each round in ms (one per line), from just before the
 * publish to the Nth reply.
 *
 *   floor_publisher URL N ROUNDS [TIMEOUT_MS]
 */
#include "buildconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "transport.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int
main(int argc, char *argv[])
{
	struct transport_amqp_options o = {NULL, 1, NULL, 0, 5000, 0};
	struct transport_amqp *t;
	struct transport_delivery d;
	struct error err;
	char *replyq;
	long n, rounds, timeout_ms;

	if (argc < 4) {
		fprintf(stderr,
		    "usage: floor_publisher URL N ROUNDS [TIMEOUT_MS]\n");
		return 64;
	}
	o.urls = (const char *const *)&argv[1];
	n = strtol(argv[2], NULL, 10);
	rounds = strtol(argv[3], NULL, 10);
	timeout_ms = argc > 4 ? strtol(argv[4], NULL, 10) : 10000;
	error_init(&err, NULL);
	if (transport_amqp_open(&o, &t, &err) != 0 ||
	    transport_amqp_declare(t, &err) != 0 ||
	    transport_amqp_subscribe_replies(t, &replyq, &err) != 0) {
		fprintf(stderr, "floor_publisher: %s\n", err.text);
		return 69;
	}
	for (long r = 0; r < rounds; r++) {
		double start = now_ms(), left;
		long got = 0;

		if (transport_amqp_publish(t, TRANSPORT_EXCHANGE_BROADCAST,
			"floor.ping", replyq, "ping", 4, timeout_ms,
			&err) != 0) {
			fprintf(stderr, "floor_publisher: %s\n", err.text);
			return 69;
		}
		while (got < n && (left = start + timeout_ms - now_ms()) > 0) {
			int rc = transport_amqp_next(t, &d, (int)left, &err);
			if (rc < 0) {
				fprintf(
				    stderr, "floor_publisher: %s\n", err.text);
				return 69;
			}
			got += rc;
			transport_delivery_clear(&d);
		}
		if (got < n) {
			fprintf(stderr, "floor_publisher: %ld of %ld replies\n",
			    got, n);
			return 1;
		}
		printf("%.3f\n", now_ms() - start);
	}
	free(replyq);
	transport_amqp_close(t);
	return 0;
}

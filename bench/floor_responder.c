/*
 * floor_responder.c: the floor of the fleet benchmark. It subscribes like
 * a node (same exchanges, same queue shape) and answers every message with
 * a fixed body on its reply_to: no JSON, no signatures, no policy. What
 * metactld costs above this is metactld's own.
 *
 *   floor_responder URL IDENTITY     prints "ready" once subscribed
 */
#include "buildconf.h"

#include <stdio.h>
#include <stdlib.h>

#include "transport.h"

int
main(int argc, char *argv[])
{
	const char *coll[] = {"floor"};
	const char *agents[] = {"ping"};
	struct transport_amqp_options o = {NULL, 1, NULL, 0, 5000, 0};
	struct transport_amqp *t;
	struct transport_delivery d;
	struct error err;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: floor_responder URL IDENTITY\n");
		return 64;
	}
	o.urls = (const char *const *)&argv[1];
	error_init(&err, NULL);
	if (transport_amqp_open(&o, &t, &err) != 0 ||
	    transport_amqp_declare(t, &err) != 0 ||
	    transport_amqp_subscribe_node(
		t, argv[2], coll, 1, agents, 1, &err) != 0) {
		fprintf(stderr, "floor_responder: %s\n", err.text);
		return 69;
	}
	printf("ready\n");
	fflush(stdout);
	while ((rc = transport_amqp_next(t, &d, -1, &err)) >= 0) {
		if (rc == 1 && d.reply_to != NULL)
			transport_amqp_publish(
			    t, "", d.reply_to, NULL, argv[2], 0, 0, &err);
		transport_delivery_clear(&d);
	}
	transport_amqp_close(t);
	return 0;
}

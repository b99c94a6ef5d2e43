/*
 * cmd_fleet.c: ping, find/discover, inventory and facts: the commands
 * built on discovery and rpcutil.
 */
#include "buildconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "message.h"
#include "orchestrator/cli.h"
#include "orchestrator/fleet.h"
#include "orchestrator/output.h"
#include "orchestrator/registry.h"

#define FLEET_OPTS (OPT_FILTER | OPT_DISCOVERY | OPT_OUTPUT | OPT_TIMEOUT)

static int
no_args(struct fleet *f, const char *usage)
{
	if (f->o.nargs != 0) {
		cli_errx("unexpected argument '%s' (usage: %s)", f->o.args[0],
		    usage);
		return MC_EXIT_USAGE;
	}
	return 0;
}

/* Round-trip times of the replies: min/avg/max, over the answered. */
static void
ping_summary(const struct results *rs, char *buf, size_t size)
{
	int64_t min = 0, max = 0, sum = 0;
	size_t i, n = 0;

	for (i = 0; i < rs->n; i++) {
		int64_t t = rs->v[i].rtt_ms;

		if (rs->v[i].kind != RES_OK && rs->v[i].kind != RES_FAILED)
			continue;
		if (n == 0 || t < min)
			min = t;
		if (n == 0 || t > max)
			max = t;
		sum += t;
		n++;
	}
	if (n == 0) {
		snprintf(buf, size, "0 replies");
		return;
	}
	snprintf(buf, size,
	    "%zu repl%s, round-trip min/avg/max = %lld/%.1f/%lld ms", n,
	    n == 1 ? "y" : "ies", (long long)min, (double)sum / (double)n,
	    (long long)max);
}

int
cmd_ping(int argc, char *argv[])
{
	struct strv nodes = STRV_INIT;
	struct fleet f;
	char buf[256];
	size_t i;
	int r;

	if ((r = fleet_init(&f, argc, argv, FLEET_OPTS)) >= 0)
		goto out;
	if ((r = no_args(&f, "metactl ping [filters]")) != 0 ||
	    (r = fleet_connect(&f)) != 0 ||
	    (r = fleet_discover(&f, &nodes, &f.rs)) != 0)
		goto out;
	results_sort(&f.rs);
	if (f.o.format != OUT_HUMAN) {
		r = fleet_finish(&f, f.discovery, NULL);
		goto out;
	}
	r = results_exit_status(&f.rs);
	if (nodes.n == 0 && results_count(&f.rs, RES_MISSING) == 0 &&
	    results_count(&f.rs, RES_INVALID) == 0 && f.rs.invalid_more == 0) {
		printf("no node answered%s\n",
		    json_object_size(f.o.filter) > 0 ? " matching the filter"
						     : "");
		goto out;
	}
	for (i = 0; i < f.rs.n; i++) {
		const struct result *x = &f.rs.v[i];

		if (x->kind == RES_OK || x->kind == RES_FAILED)
			printf("%-40s time=%lld ms\n", x->identity,
			    (long long)x->rtt_ms);
		else if (x->kind == RES_INVALID)
			printf("%-40s invalid reply: %s\n", x->identity,
			    x->why != NULL ? x->why : "");
	}
	if (f.rs.invalid_more > 0)
		printf("(%zu more invalid replies)\n", f.rs.invalid_more);
	ping_summary(&f.rs, buf, sizeof(buf));
	printf("\n%s\n", buf);
	output_missing(stdout, &f.rs, output_color_wanted(stdout));
out:
	strv_clear(&nodes);
	fleet_clear(&f);
	return r;
}

int
cmd_find(int argc, char *argv[])
{
	struct strv nodes = STRV_INIT;
	struct fleet f;
	size_t i;
	int r;

	if ((r = fleet_init(&f, argc, argv,
		 OPT_FILTER | OPT_DISCOVERY | OPT_TIMEOUT)) >= 0)
		goto out;
	f.o.progress = 0;
	if ((r = no_args(&f, "metactl find [filters]")) != 0 ||
	    (r = fleet_connect(&f)) != 0 ||
	    (r = fleet_discover(&f, &nodes, &f.rs)) != 0)
		goto out;
	for (i = 0; i < nodes.n; i++)
		printf("%s\n", nodes.v[i]);
	r = results_exit_status(&f.rs);
	/* What stdout cannot say: silent expected nodes, invalid replies. */
	for (i = 0; i < f.rs.n; i++) {
		const struct result *x = &f.rs.v[i];

		if (x->kind == RES_MISSING)
			cli_errx("no reply from %s%s%s%s", x->identity,
			    x->why != NULL ? " (" : "",
			    x->why != NULL ? x->why : "",
			    x->why != NULL ? ")" : "");
		else if (x->kind == RES_INVALID)
			cli_errx("invalid reply claiming to be %s: %s",
			    x->identity, x->why != NULL ? x->why : "");
	}
	if (f.rs.invalid_more > 0)
		cli_errx("%zu more invalid replies", f.rs.invalid_more);
	if (r == MC_EXIT_NOMATCH)
		cli_errx("no node matched");
out:
	strv_clear(&nodes);
	fleet_clear(&f);
	return r;
}

static const char *
str_or(const char *s, const char *def)
{
	return s != NULL ? s : def;
}

static void
print_list(const char *label, const json_t *v)
{
	const json_t *x;
	size_t i;

	printf("%s:\n", label);
	if (!json_is_array(v) || json_array_size(v) == 0) {
		printf("  (none)\n");
		return;
	}
	json_array_foreach(v, i, x)
	{
		char *t = output_value_text(x);

		printf("  %s\n", t != NULL ? t : "?");
		free(t);
	}
}

int
cmd_inventory(int argc, char *argv[])
{
	struct strv target = STRV_INIT;
	struct request *req = NULL;
	struct fleet f;
	const struct result *x;
	struct error err;
	int r;

	if ((r = fleet_init(&f, argc, argv, OPT_TIMEOUT | OPT_OUTPUT)) >= 0)
		goto out;
	if (f.o.nargs != 1) {
		cli_errx("usage: metactl inventory NODE");
		r = MC_EXIT_USAGE;
		goto out;
	}
	error_init(&err, NULL);
	if (filter_add_identity(f.o.filter, f.o.args[0], &err) < 0) {
		cli_errx("'%s': %s", f.o.args[0], err.text);
		r = MC_EXIT_USAGE;
		goto out;
	}
	if ((r = fleet_connect(&f)) != 0)
		goto out;
	if ((req = fleet_request(&f, "rpcutil", "inventory", NULL)) == NULL ||
	    strv_push(&target, f.o.args[0]) < 0) {
		cli_errx("out of memory");
		r = MC_EXIT_USAGE;
		goto out;
	}
	if (link_is_local(f.link)) {
		/* The local agent drops a request for another identity
		 * without a word: ask within the discovery window first. */
		struct strv found = STRV_INIT;
		size_t n;

		r = fleet_discover(&f, &found, NULL);
		n = found.n;
		strv_clear(&found);
		if (r != 0)
			goto out;
		if (n == 0) {
			cli_errx("the local agent is not '%s'", f.o.args[0]);
			r = MC_EXIT_NOMATCH;
			goto out;
		}
	}
	f.rs.addressed = 1;
	if ((r = fleet_call(&f, req, link_is_local(f.link) ? NULL : target.v,
		 target.n, &target)) != 0)
		goto out;
	if (f.o.format != OUT_HUMAN) {
		json_t *j = fleet_request_json(req);

		r = fleet_finish(&f, j, NULL);
		json_decref(j);
		goto out;
	}
	r = results_exit_status(&f.rs);
	x = f.rs.n > 0 ? &f.rs.v[0] : NULL;
	if (x == NULL || x->kind == RES_MISSING) {
		printf("%s: no reply\n", f.o.args[0]);
		goto out;
	}
	if (x->kind != RES_OK) {
		printf("%s: %s: %s\n", x->identity,
		    x->kind == RES_INVALID ? "invalid reply"
					   : message_status_str(x->statuscode),
		    str_or(x->kind == RES_INVALID ? x->why : x->statusmsg, ""));
		goto out;
	}
	printf("identity:    %s\n", x->identity);
	printf("version:     %s\n",
	    str_or(
		json_string_value(json_object_get(x->data, "version")), "-"));
	printf("uptime:      %lld s\n",
	    (long long)json_integer_value(json_object_get(x->data, "uptime")));
	printf("facts:       %lld\n",
	    (long long)json_integer_value(
		json_object_get(x->data, "fact_count")));
	print_list("agents", json_object_get(x->data, "agents"));
	print_list("classes", json_object_get(x->data, "classes"));
	print_list("collectives", json_object_get(x->data, "collectives"));
out:
	request_free(req);
	strv_clear(&target);
	fleet_clear(&f);
	return r;
}

int
cmd_forget(int argc, char *argv[])
{
	struct registry reg = {NULL};
	struct fleet f;
	int i, r;

	if ((r = fleet_init(&f, argc, argv, 0)) >= 0)
		goto out;
	r = MC_EXIT_USAGE;
	if (f.o.nargs < 1) {
		cli_errx("usage: metactl forget NODE...");
		goto out;
	}
	registry_load(&reg, f.conf.cache);
	for (i = 0; i < f.o.nargs; i++)
		if (registry_node(&reg, f.o.args[i]) == NULL) {
			cli_errx("'%s' is not in the node registry (%s)",
			    f.o.args[i], f.conf.cache);
			goto out;
		}
	for (i = 0; i < f.o.nargs; i++)
		registry_forget(&reg, f.o.args[i]);
	if ((r = registry_save(&reg, f.conf.cache)) < 0) {
		cli_errx("%s: %s", f.conf.cache, error_str(r));
		r = MC_EXIT_USAGE;
		goto out;
	}
	r = MC_EXIT_OK;
out:
	registry_clear(&reg);
	fleet_clear(&f);
	return r;
}

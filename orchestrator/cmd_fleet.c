/*
 * cmd_fleet.c: ping and find/discover: the commands that are a
 * discovery.
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

#include "orchestrator/units.h"
#include "orchestrator/usage.h"

static int
no_args(struct fleet *f)
{
	if (f->o.nargs != 0) {
		usage_errx("unexpected argument '%s'", f->o.args[0]);
		return MC_EXIT_USAGE;
	}
	return 0;
}

/* ping's rows: the round-trip time of each reply, what happened to the
 * others. */
static void
ping_rows(const struct fleet *f)
{
	size_t i, width = output_width(&f->rs);
	const struct result **idx;
	int color = output_color_wanted(stdout);
	char t[32];

	if ((idx = output_order(&f->rs, f->o.sort)) == NULL)
		return;
	for (i = 0; i < f->rs.n; i++) {
		const struct result *x = idx[i];

		if (x->kind == RES_OK && f->o.quiet)
			continue;
		if (x->kind == RES_OK) {
			units_duration(t, sizeof(t), x->rtt_ms);
			printf("%-*s  time=%s%s\n", (int)width, x->identity, t,
			    x->is_new ? "  (new)" : "");
			continue;
		}
		output_row_head(stdout, x, width, color);
		putchar('\n');
	}
	free((void *)idx);
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
	int r;

	if ((r = fleet_init(&f, argc, argv, OPT_FLEET)) >= 0)
		goto out;
	if ((r = no_args(&f)) != 0 || (r = fleet_connect(&f)) != 0 ||
	    (r = fleet_discover(&f, &nodes, &f.rs)) != 0)
		goto out;
	results_sort(&f.rs);
	if (f.o.format != OUT_HUMAN) {
		r = fleet_finish(&f, f.discovery, NULL);
		goto out;
	}
	r = results_exit_status(&f.rs);
	if (f.rs.n == 0) {
		output_nomatch(stdout, f.o.filter);
		goto out;
	}
	ping_rows(&f);
	if (f.rs.invalid_more > 0)
		printf("(%zu more invalid replies)\n", f.rs.invalid_more);
	ping_summary(&f.rs, buf, sizeof(buf));
	printf("\n%s\n", buf);
	output_summary(buf, sizeof(buf), &f.rs);
	printf("%s\n", buf);
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

	if ((r = fleet_init(&f, argc, argv, OPT_FLEET)) >= 0)
		goto out;
	f.o.progress = 0; /* find feeds scripts */
	if ((r = no_args(&f)) != 0 || (r = fleet_connect(&f)) != 0 ||
	    (r = fleet_discover(&f, &nodes, &f.rs)) != 0)
		goto out;
	if (f.o.format != OUT_HUMAN) {
		r = fleet_finish(&f, f.discovery, NULL);
		goto out;
	}
	/* stdout stays a list of identities; the rest goes to stderr. */
	for (i = 0; i < nodes.n; i++)
		printf("%s\n", nodes.v[i]);
	fflush(stdout);
	if (nodes.n == 0 && f.rs.n == 0) {
		fprintf(stderr, "metactl: find: ");
		output_nomatch(stderr, f.o.filter);
		r = MC_EXIT_NOMATCH;
		goto out;
	}
	/* What stdout cannot say: silent expected nodes, invalid replies. */
	for (i = 0; i < f.rs.n; i++) {
		const struct result *x = &f.rs.v[i];

		if (x->kind == RES_MISSING)
			cli_errx("no reply from %s%s%s%s", x->identity,
			    x->why != NULL ? " (" : "",
			    x->why != NULL ? x->why : "",
			    x->why != NULL ? ")" : "");
		else if (x->kind == RES_INVALID) {
			fprintf(stderr, "metactl: find: ");
			output_row_head(stderr, x, 1, 0);
			fputc('\n', stderr);
		}
	}
	if (f.rs.invalid_more > 0)
		cli_errx("%zu more invalid replies", f.rs.invalid_more);
	r = results_exit_status(&f.rs);
out:
	strv_clear(&nodes);
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

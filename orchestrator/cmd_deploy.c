/*
 * cmd_deploy.c: the operator's words for the deploy agent.
 *
 *   metactl deploy APP TAG [--site FILE]     rpc deploy deploy app= tag=
 *                                            site=<FILE's text>
 *   metactl deploy rollback APP [--to TAG]   rpc deploy rollback app= to=
 *   metactl deploy status APP                rpc deploy status app=
 *   metactl deploy remove APP [--purge]      rpc deploy remove app= purge=
 *
 * with the options, filters, table, --json and exit status of rpc. The
 * site layer travels inside the signed request. On a terminal, each
 * node's steps (fetch, build, switch, restart, health) are printed on
 * stderr as its reply arrives, before the table.
 */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "file.h"
#include "orchestrator/cli.h"
#include "orchestrator/fleet.h"
#include "orchestrator/progress.h"
#include "orchestrator/usage.h"

/* The largest site layer the DDL takes. */
#define SITE_MAX 65536

/* deploy's own options, taken out of argv before the common ones. */
struct deploy_own {
	const char *site;
	const char *to;
	int purge;
};

static const struct opt_own own_opts[] = {
    {"--site", 1}, {"--to", 1}, {"--purge", 0}, {NULL, 0}};

static int
set_own(void *arg, const char *name, const char *v)
{
	struct deploy_own *own = arg;

	if (strcmp(name, "--site") == 0)
		own->site = v;
	else if (strcmp(name, "--to") == 0)
		own->to = v;
	else
		own->purge = 1;
	return 0;
}

/* Appends "key=value" to kv; 0 or -ENOMEM. */
static int
push_kv(char **kv, int *n, const char *key, const char *value)
{
	if (asprintf(&kv[*n], "%s=%s", key, value) < 0) {
		kv[*n] = NULL;
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

char *
deploy_site_arg(const char *path)
{
	struct error err;
	char *text = NULL, *arg = NULL, where[512];
	size_t len;
	int r;

	error_init(&err, path);
	if ((r = file_read(path, FILE_REGULAR | FILE_TEXT, SITE_MAX, &text,
		 &len, &err)) < 0) {
		cli_errx("--site %s: %s", path,
		    r == MCE_CONFIG ? error_format(&err, where, sizeof(where))
				    : error_str(r));
		return NULL;
	}
	if (asprintf(&arg, "site=%s", text) < 0) {
		cli_errx("out of memory");
		arg = NULL;
	}
	free(text);
	return arg;
}

/* A node's steps on one line: "fetch ok 812ms, build ok 40ms, ...". */
static void
print_steps(const char *identity, const json_t *data)
{
	const json_t *steps = json_object_get(data, "steps"), *s;
	size_t i;

	if (json_array_size(steps) == 0)
		return;
	fprintf(stderr, "%s:", identity);
	json_array_foreach(steps, i, s)
	{
		fprintf(stderr, "%s %s %s %lldms", i > 0 ? "," : "",
		    json_string_value(json_object_get(s, "step")),
		    json_string_value(json_object_get(s, "result")),
		    (long long)json_integer_value(json_object_get(s, "ms")));
	}
	if (json_is_true(json_object_get(data, "rolled_back")))
		fprintf(stderr, ", rolled back to %s",
		    json_string_value(json_object_get(data, "current")));
	fputc('\n', stderr);
}

/* The collector's on_result: a node's steps as its reply arrives, the
 * progress bar erased first (it is drawn again by the next update). */
static void
on_node_result(void *arg, const struct result *r)
{
	struct fleet *f = arg;

	if (r->data == NULL)
		return;
	if (f->col.progress != NULL)
		progress_done(f->col.progress);
	print_steps(r->identity, r->data);
}

/* On a terminal (and without --np, in the table format), each node's
 * steps are printed as its reply arrives. */
static void
want_steps(struct fleet *f)
{
	if (f->o.format != OUT_HUMAN || !isatty(STDERR_FILENO) ||
	    !f->o.progress)
		return;
	f->col.on_result = on_node_result;
	f->col.arg = f;
}

/* The action and its inputs from the positional arguments; 0 or
 * MC_EXIT_USAGE after reporting. */
static int
inputs(const struct fleet *f, const struct deploy_own *own, const char **action,
    char **kv, int *n)
{
	char **a = f->o.args;
	int sub = f->o.nargs >= 1 &&
	    (strcmp(a[0], "rollback") == 0 || strcmp(a[0], "status") == 0 ||
		strcmp(a[0], "remove") == 0);

	if (f->o.nargs != 2) {
		usage_errx(f->o.nargs < 2
			? (sub ? "which APP?" : "APP and TAG are needed")
			: "too many arguments");
		return MC_EXIT_USAGE;
	}
	*action = sub ? a[0] : "deploy";
	if ((own->site != NULL && sub) ||
	    (own->to != NULL && strcmp(*action, "rollback") != 0) ||
	    (own->purge && strcmp(*action, "remove") != 0)) {
		usage_errx("--site goes with a deploy, --to with rollback, "
			   "--purge with remove");
		return MC_EXIT_USAGE;
	}
	if (push_kv(kv, n, "app", sub ? a[1] : a[0]) < 0 ||
	    (!sub && push_kv(kv, n, "tag", a[1]) < 0) ||
	    (own->to != NULL && push_kv(kv, n, "to", own->to) < 0) ||
	    (own->purge && push_kv(kv, n, "purge", "true") < 0)) {
		cli_errx("out of memory");
		return MC_EXIT_USAGE;
	}
	if (own->site != NULL && (kv[*n] = deploy_site_arg(own->site)) == NULL)
		return MC_EXIT_USAGE;
	*n += own->site != NULL;
	return 0;
}

int
cmd_deploy(int argc, char *argv[])
{
	struct deploy_own own;
	struct fleet f;
	const char *action = NULL;
	char *kv[4] = {NULL, NULL, NULL, NULL}, msg[256] = "";
	int r, n = 0;

	memset(&own, 0, sizeof(own));
	if ((argc = orch_opts_take(
		 argc, argv, own_opts, set_own, &own, msg, sizeof(msg))) < 0) {
		if (msg[0] != '\0')
			usage_errx("%s", msg);
		return MC_EXIT_USAGE;
	}
	if ((r = fleet_init(&f, argc, argv, OPT_ALL)) >= 0)
		goto out;
	if ((r = inputs(&f, &own, &action, kv, &n)) != 0)
		goto out;
	want_steps(&f);
	r = orch_rpc_run(&f, "deploy", action, kv, n);
out:
	for (int i = 0; i < n; i++)
		free(kv[i]);
	fleet_clear(&f);
	return r;
}

/*
 * cmd_rollout.c: metactl rollout deploy|rpc, --resume and --rollback: the
 * command line, the node order and the report of rollout.h's engine.
 */
#include "buildconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ddl.h"
#include "file.h"
#include "filter.h"
#include "orchestrator/cli.h"
#include "orchestrator/link.h"
#include "orchestrator/output.h"
#include "orchestrator/rollout.h"
#include "orchestrator/usage.h"

/* The options only rollout takes; the others are the fleet commands'. */
struct rollout_opts {
	const char *site; /* --site FILE */
	const char *order; /* --order FACT */
	const char *state; /* --state FILE */
	const char *resume; /* --resume FILE */
	const char *rollback; /* --rollback FILE */
	struct count_spec max_failures;
	long canary;
	int pause;
};

static const struct opt_own own_opts[] = {{"--site", 1}, {"--order", 1},
    {"--state", 1}, {"--resume", 1}, {"--rollback", 1}, {"--max-failures", 1},
    {"--canary", 1}, {"--pause", 0}, {NULL, 0}};

static int
set_opt(void *arg, const char *name, const char *v)
{
	struct rollout_opts *ro = arg;
	char *end;

	if (strcmp(name, "--pause") == 0)
		ro->pause = 1;
	else if (strcmp(name, "--site") == 0)
		ro->site = v;
	else if (strcmp(name, "--order") == 0)
		ro->order = v;
	else if (strcmp(name, "--state") == 0)
		ro->state = v;
	else if (strcmp(name, "--resume") == 0)
		ro->resume = v;
	else if (strcmp(name, "--rollback") == 0)
		ro->rollback = v;
	else if (strcmp(name, "--max-failures") == 0) {
		if (count_spec_parse(v, &ro->max_failures) < 0 &&
		    strcmp(v, "0") != 0) {
			usage_errx("--max-failures: '%s' is not N or N%%", v);
			return -1;
		}
	} else {
		ro->canary = strtol(v, &end, 10);
		if (v[0] < '0' || v[0] > '9' || *end != '\0' ||
		    ro->canary < 1 || ro->canary > 1000000) {
			usage_errx("--canary: '%s' is not a count of nodes", v);
			return -1;
		}
	}
	return 0;
}

/* The fact of id the registry knows, or NULL. */
static const json_t *
order_fact(const struct fleet *f, const char *id, const char *fact)
{
	const json_t *n = registry_node(&f->reg, id);

	return filter_fact_lookup(
	    json_object_get(json_object_get(n, "inventory"), "facts"), fact);
}

static const struct fleet *sort_fleet;
static const char *sort_fact;

/* Numbers as numbers, anything else as its JSON text; nodes without the
 * fact last; then the identity. */
static int
cmp_nodes(const void *pa, const void *pb)
{
	const char *a = *(char *const *)pa, *b = *(char *const *)pb;
	const json_t *va = order_fact(sort_fleet, a, sort_fact);
	const json_t *vb = order_fact(sort_fleet, b, sort_fact);
	int c = 0;

	if (va == NULL || vb == NULL)
		c = (va == NULL) - (vb == NULL);
	else if (json_is_number(va) && json_is_number(vb))
		c = (json_number_value(va) > json_number_value(vb)) -
		    (json_number_value(va) < json_number_value(vb));
	else {
		char *sa = output_value_text(va), *sb = output_value_text(vb);

		c = strcmp(sa != NULL ? sa : "", sb != NULL ? sb : "");
		free(sa);
		free(sb);
	}
	return c != 0 ? c : strcmp(a, b);
}

/* The nodes of a new rollout, in their order; 0 or an exit status. */
static int
rollout_nodes(struct fleet *f, const char *order, struct strv *nodes)
{
	int r;

	if (f->o.nodes != NULL)
		r = fleet_read_nodes(f, nodes);
	else
		r = fleet_discover(f, nodes, NULL);
	if (r != 0)
		return r;
	fleet_save_registry(f);
	if (nodes->n == 0) {
		output_nomatch(stdout, f->o.filter);
		return MC_EXIT_NOMATCH;
	}
	strv_sort_uniq(nodes);
	if (order != NULL) {
		sort_fleet = f;
		sort_fact = order;
		qsort(nodes->v, nodes->n, sizeof(char *), cmp_nodes);
	}
	return 0;
}

/* The request data of rollout deploy APP TAG [--site FILE]; NULL after
 * reporting. */
static json_t *
deploy_data(const struct ddl *d, const struct ddl_action *a,
    const struct orch_opts *o, const char *site)
{
	char *kv[3] = {NULL, NULL, NULL};
	json_t *data = NULL;

	if (site != NULL && (kv[2] = deploy_site_arg(site)) == NULL)
		return NULL;
	if (asprintf(&kv[0], "app=%s", o->args[1]) >= 0 &&
	    asprintf(&kv[1], "tag=%s", o->args[2]) >= 0)
		data = orch_build_data(d, a, kv, site != NULL ? 3 : 2);
	free(kv[0]);
	free(kv[1]);
	free(kv[2]);
	return data;
}

/* fleet_connect(), for a broker only: a rollout addresses nodes. */
static int
connect_broker(struct fleet *f)
{
	int ret = fleet_connect(f);

	if (ret == 0 && link_is_local(f->link)) {
		cli_errx("a rollout needs a broker (client.conf broker)");
		ret = MC_EXIT_USAGE;
	}
	return ret;
}

/* The state of a new rollout from the command line; 0 or an exit
 * status. */
static int
start_state(struct rollout *r, const struct rollout_opts *ro)
{
	struct fleet *f = r->f;
	const struct ddl_action *a;
	struct strv nodes = STRV_INIT;
	struct ddl *ddl = NULL;
	json_t *data = NULL;
	int deploy, ret = MC_EXIT_USAGE;

	deploy = f->o.nargs >= 1 && strcmp(f->o.args[0], "deploy") == 0;
	if (f->o.nargs < 3 || (!deploy && strcmp(f->o.args[0], "rpc") != 0) ||
	    (deploy && f->o.nargs != 3)) {
		usage_errx(
		    "rollout deploy APP TAG, or rollout rpc AGENT ACTION "
		    "[key=value ...]");
		return MC_EXIT_USAGE;
	}
	if (f->o.batch.n == 0) {
		usage_errx("--batch N or N%% is needed");
		return MC_EXIT_USAGE;
	}
	if ((ret = orch_load_ddl(
		 f->conf.ddl_dir, deploy ? "deploy" : f->o.args[1], &ddl)) != 0)
		return ret;
	ret = MC_EXIT_USAGE;
	if ((a = orch_find_action(ddl, deploy ? "deploy" : f->o.args[2])) ==
		NULL ||
	    (data = deploy ? deploy_data(ddl, a, &f->o, ro->site)
			   : orch_build_data(ddl, a, f->o.args + 3,
				 f->o.nargs - 3)) == NULL)
		goto out;
	if (strcmp(ddl->agent, "rpcutil") != 0 &&
	    filter_add_agent(f->o.filter, ddl->agent, NULL) < 0)
		goto out;
	if ((ret = connect_broker(f)) != 0 ||
	    (ret = rollout_nodes(f, ro->order, &nodes)) != 0)
		goto out;
	r->st = rollout_state_new(deploy ? "deploy" : "rpc", f->collective,
	    ddl->agent, a->name, data, a->inverse, &nodes, &f->o.batch,
	    ro->canary, &ro->max_failures, f->o.batch_sleep_ms);
	data = NULL;
	ret = r->st != NULL ? 0 : MC_EXIT_USAGE;
	/* A resumed dry run stays one. */
	if (r->st != NULL && f->o.dry_run)
		json_object_set_new(r->st, "dry_run", json_true());
out:
	json_decref(data);
	strv_clear(&nodes);
	ddl_free(ddl);
	return ret;
}

static char *
default_state_path(void)
{
	char buf[64], *p = NULL;
	time_t t = time(NULL);
	struct tm tm;

	strftime(buf, sizeof(buf), "%Y%m%dT%H%M%S", gmtime_r(&t, &tm));
	if (asprintf(&p, "metactl-rollout-%s.json", buf) < 0)
		return NULL;
	return p;
}

/* The request the state's batches send. */
static struct request *
state_request(struct fleet *f, const json_t *st)
{
	struct request *req =
	    fleet_request(f, json_string_value(json_object_get(st, "agent")),
		json_string_value(json_object_get(st, "action")),
		json_deep_copy(json_object_get(st, "data")));

	if (req != NULL)
		req->dry_run = json_is_true(json_object_get(st, "dry_run"));
	return req;
}

/* The wait for one batch: the DDL's timeout when it is longer. */
static void
set_timeout(struct fleet *f, const json_t *st)
{
	struct ddl *ddl = NULL;

	if (f->o.timeout_ms > 0 ||
	    orch_load_ddl(f->conf.ddl_dir,
		json_string_value(json_object_get(st, "agent")), &ddl) != 0)
		return;
	if (ddl->timeout > 0 &&
	    (long)ddl->timeout * 1000 + 1000 > f->timeout_ms)
		f->timeout_ms = (long)ddl->timeout * 1000 + 1000;
	ddl_free(ddl);
}

/* --resume FILE or --rollback FILE: the state, and its collective. */
static int
load_state(struct rollout *r, const char *path)
{
	struct fleet *f = r->f;

	if (rollout_state_load(path, &r->st) < 0)
		return MC_EXIT_USAGE;
	if ((r->path = strdup(path)) == NULL)
		return MC_EXIT_USAGE;
	f->collective = json_string_value(json_object_get(r->st, "collective"));
	return connect_broker(f);
}

static int
run(struct rollout *r, const struct rollout_opts *ro)
{
	struct request *req = NULL;
	const char *st;
	int ret;

	if (ro->rollback != NULL) {
		if ((ret = load_state(r, ro->rollback)) != 0)
			return ret;
		set_timeout(r->f, r->st);
		return rollout_revert(r);
	}
	if (ro->resume != NULL) {
		if ((ret = load_state(r, ro->resume)) != 0)
			return ret;
		st = json_string_value(json_object_get(r->st, "status"));
		if (st != NULL && strcmp(st, "running") != 0 &&
		    strcmp(st, "interrupted") != 0) {
			cli_errx("%s: the rollout is %s: nothing to resume",
			    ro->resume, st);
			return MC_EXIT_USAGE;
		}
	} else {
		if ((ret = start_state(r, ro)) != 0)
			return ret;
		r->path = ro->state != NULL ? strdup(ro->state)
					    : default_state_path();
		if (r->path == NULL || rollout_save(r) < 0)
			return MC_EXIT_USAGE;
		if (r->f->o.format == OUT_HUMAN)
			fprintf(
			    stderr, "metactl: rollout: state in %s\n", r->path);
	}
	set_timeout(r->f, r->st);
	if ((req = state_request(r->f, r->st)) == NULL)
		return MC_EXIT_USAGE;
	ret = rollout_run(r, req);
	request_free(req);
	return ret;
}

int
cmd_rollout(int argc, char *argv[])
{
	struct rollout_opts ro;
	struct rollout r;
	struct fleet f;
	char msg[256] = "";
	int ret;

	memset(&ro, 0, sizeof(ro));
	memset(&r, 0, sizeof(r));
	if ((argc = orch_opts_take(
		 argc, argv, own_opts, set_opt, &ro, msg, sizeof(msg))) < 0) {
		if (msg[0] != '\0')
			usage_errx("%s", msg);
		return MC_EXIT_USAGE;
	}
	if ((ret = fleet_init(&f, argc, argv, OPT_ALL)) >= 0)
		return ret;
	r.f = &f;
	r.pause = ro.pause;
	if (ro.pause && !isatty(STDIN_FILENO)) {
		usage_errx("--pause asks on a terminal: stdin is none");
		ret = MC_EXIT_USAGE;
	} else {
		ret = run(&r, &ro);
		if (r.st != NULL && ret != MC_EXIT_USAGE)
			rollout_print(&r);
	}
	rollout_clear(&r);
	fleet_clear(&f);
	return ret;
}

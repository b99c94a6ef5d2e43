/*
 * cmd_rpc.c: rpc, facts and inventory: an action run on the discovered
 * (or listed) nodes, with limits and batches.
 */
#include "buildconf.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "ddl.h"
#include "filter.h"
#include "message.h"
#include "names.h"
#include "orchestrator/cli.h"
#include "orchestrator/fleet.h"
#include "orchestrator/registry.h"
#include "orchestrator/output.h"
#include "orchestrator/usage.h"

int
orch_load_ddl(const char *dir, const char *agent, struct ddl **ret)
{
	char path[PATH_MAX], msg[512];
	struct error err;
	int r;

	*ret = NULL;
	if (name_check(NAME_AGENT, agent, msg, sizeof(msg)) < 0) {
		cli_errx("%s", msg);
		return MC_EXIT_USAGE;
	}
	if (snprintf(path, sizeof(path), "%s/%s.json", dir, agent) >=
	    (int)sizeof(path)) {
		cli_errx("DDL path too long");
		return MC_EXIT_USAGE;
	}
	if (access(path, F_OK) < 0) {
		cli_errx("unknown agent '%s': no %s (metactl doc lists the "
			 "agents)",
		    agent, path);
		return MC_EXIT_USAGE;
	}
	error_init(&err, path);
	if ((r = ddl_load_file(path, ret, &err)) < 0) {
		if (err.text[0] == '\0')
			error_set(&err, 0, 0, "%s", error_str(r));
		cli_errx("%s", error_format(&err, msg, sizeof(msg)));
		return MC_EXIT_USAGE;
	}
	return 0;
}

const struct ddl_action *
orch_find_action(const struct ddl *d, const char *action)
{
	const struct ddl_action *a = ddl_find_action(d, action);
	size_t i;

	if (a != NULL)
		return a;
	cli_errx("agent '%s' has no action '%s'; its actions are:", d->agent,
	    action);
	for (i = 0; i < d->nactions; i++)
		fprintf(stderr, "  %s\n", d->actions[i].name);
	return NULL;
}

static uint64_t
random_seed(void)
{
	uint64_t s = 0;

	if (getrandom(&s, sizeof(s), 0) != (ssize_t)sizeof(s))
		s = (uint64_t)message_now_ms() ^ (uint64_t)getpid();
	return s;
}

/* The request as it would leave: its audience names the nodes of its first
 * batch, or of the first part of FLEET_FANOUT_MAX nodes. */
static void
preview_request(
    struct fleet *f, struct request *req, char *const *nodes, size_t n)
{
	size_t bs = count_spec_apply(&f->o.batch, n), k;
	json_t *j;

	if (bs == 0 || bs > n)
		bs = n;
	k = bs < FLEET_FANOUT_MAX ? bs : FLEET_FANOUT_MAX;
	if (nodes != NULL)
		request_set_audience(req, (const char *const *)nodes, k);
	printf("request%s",
	    nodes != NULL && f->o.batch.n > 0 ? " (first batch)" : "");
	if (nodes != NULL && k < bs)
		printf(" (the first of one request per %d nodes)",
		    FLEET_FANOUT_MAX);
	printf(":\n");
	if ((j = fleet_request_json(req)) != NULL)
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	printf("\n");
	json_decref(j);
}

/* Prints what would be sent (--preview): the request and the nodes if
 * known. */
static int
preview(struct fleet *f, struct request *req)
{
	struct strv nodes = STRV_INIT;
	struct registry reg = {NULL};
	const char *from = NULL;
	size_t i, k, bs;
	int r = MC_EXIT_OK;

	if (f->o.nodes != NULL) {
		if ((r = fleet_read_nodes(f, &nodes)) != 0)
			return r;
		from = "--nodes";
	} else {
		registry_load(&reg, f->conf.cache);
		if (registry_count(&reg, f->collective) > 0 &&
		    registry_expected(
			&reg, f->collective, f->o.filter, &nodes) == 0)
			from = "the node registry";
		registry_clear(&reg);
	}
	if (from == NULL) {
		preview_request(f, req, NULL, 0);
		printf("nodes: unknown until discovery (the node registry "
		       "knows no node of this collective)\n");
		goto out;
	}
	k = count_spec_apply(&f->o.limit, nodes.n);
	if (f->o.limit.n > 0 && f->o.have_seed)
		nodes.n = limit_select(nodes.v, nodes.n, k, f->o.limit_seed);
	/* An unseeded --limit-nodes picks its nodes when it sends. */
	preview_request(
	    f, req, f->o.limit.n > 0 && !f->o.have_seed ? NULL : nodes.v, k);
	printf("nodes (%zu, from %s%s):\n", k, from,
	    f->o.limit.n > 0 && !f->o.have_seed ? "; a random choice among them"
						: "");
	for (i = 0; i < nodes.n; i++)
		printf("  %s\n", nodes.v[i]);
	if (f->o.batch.n > 0) {
		bs = count_spec_apply(&f->o.batch, k);
		printf("batches: %zu of at most %zu node%s, %.3g s apart\n",
		    bs > 0 ? (k + bs - 1) / bs : 0, bs, bs == 1 ? "" : "s",
		    (double)f->o.batch_sleep_ms / 1000.0);
	}
	if (nodes.n == 0)
		r = MC_EXIT_NOMATCH;
out:
	strv_clear(&nodes);
	return r;
}

/* One local request: the agent drops a request its filter does not match
 * without a word, so a filter is checked by a ping first. */
static int
run_local(struct fleet *f, struct request *req)
{
	struct strv nodes = STRV_INIT;
	int r = 0;

	if (json_object_size(f->o.filter) > 0 &&
	    ((r = fleet_discover(f, &nodes, NULL)) != 0 || nodes.n == 0))
		goto out;
	f->rs.addressed = 1;
	if ((r = fleet_call(f, req, NULL, 0, nodes.n > 0 ? &nodes : NULL)) ==
		0 &&
	    f->rs.n == 0 &&
	    results_add(&f->rs, "(local agent)", RES_MISSING, -1, NULL, NULL,
		-1, NULL) == NULL)
		r = MC_EXIT_USAGE;
out:
	strv_clear(&nodes);
	return r;
}

/*
 * What discovery found that the request will not reach: expected nodes
 * that stayed silent (not addressed) and invalid replies, as results of
 * the command.
 */
static void
carry_discovery(struct fleet *f)
{
	size_t i;

	for (i = 0; i < f->disc.n; i++) {
		const struct result *d = &f->disc.v[i];
		struct result *r = NULL;

		if (d->kind == RES_INVALID)
			r = results_add(&f->rs, d->identity, RES_INVALID, -1,
			    NULL, NULL, -1, d->why);
		else if (d->kind == RES_MISSING)
			r = results_add(&f->rs, d->identity, RES_UNADDRESSED,
			    -1, NULL, NULL, -1,
			    d->why != NULL ? d->why : WHY_NO_DISCOVERY);
		if (r != NULL) {
			r->last_seen_ms = d->last_seen_ms;
			if (f->col.on_result != NULL)
				f->col.on_result(f->col.arg, r);
		}
	}
	f->rs.invalid_more += f->disc.invalid_more;
}

/* Replies of nodes discovery did not expect are shown as new. */
static void
mark_new(struct fleet *f)
{
	size_t i;

	for (i = 0; i < f->disc.n; i++) {
		struct result *r;

		if (!f->disc.v[i].is_new)
			continue;
		r = results_find(&f->rs, f->disc.v[i].identity, ~0u);
		if (r != NULL)
			r->is_new = 1;
	}
}

/* Sends req to nodes, batch by batch; 0 or an exit status. */
static int
send_batches(struct fleet *f, struct request *req, struct strv *nodes)
{
	struct strv batch = STRV_INIT;
	struct error err;
	size_t i, bs;
	int r = 0;

	bs = count_spec_apply(&f->o.batch, nodes->n);
	for (i = 0; i < nodes->n; i += bs) {
		size_t j;

		if (cli_interrupted)
			break;
		if (i > 0) {
			/* Each batch is a request of its own: fresh id and
			 * time, so a slow rollout never sends stale ones. */
			message_new_id(req->id);
			req->time_ms = message_now_ms();
			if (f->o.batch_sleep_ms > 0) {
				int64_t now = message_now_ms();

				if ((r = collect_wait(&f->col, NULL, NULL, now,
					 NULL, now + f->o.batch_sleep_ms,
					 &err)) < 0) {
					cli_errx("%s", err.text);
					r = MC_EXIT_USAGE;
					goto out;
				}
				req->time_ms = message_now_ms();
				if (cli_interrupted)
					break;
			}
		}
		strv_clear(&batch);
		for (j = i; j < nodes->n && j < i + bs; j++)
			if (strv_push(&batch, nodes->v[j]) < 0) {
				r = MC_EXIT_USAGE;
				goto out;
			}
		if ((r = fleet_call(f, req, batch.v, batch.n, &batch)) != 0)
			goto out;
	}
	if (i < nodes->n) {
		f->unsent = nodes->n - i;
		f->rs.addressed = i;
	}
out:
	strv_clear(&batch);
	return r;
}

/*
 * Runs req on the nodes: discovery (or --nodes), --limit-nodes, then
 * requests whose audience names exactly the nodes of each batch. 0 or an
 * exit status.
 */
static int
run_action(struct fleet *f, struct request *req)
{
	struct strv nodes = STRV_INIT;
	struct error err;
	size_t k;
	int r;

	if (link_is_local(f->link))
		return run_local(f, req);
	if (f->o.nodes != NULL)
		r = fleet_read_nodes(f, &nodes);
	else
		r = fleet_discover(f, &nodes, NULL);
	if (r != 0)
		goto out;
	carry_discovery(f);
	k = count_spec_apply(&f->o.limit, nodes.n);
	if (k < nodes.n)
		nodes.n = limit_select(nodes.v, nodes.n, k,
		    f->o.have_seed ? f->o.limit_seed : random_seed());
	f->rs.addressed = nodes.n;
	if (nodes.n > 0)
		r = send_batches(f, req, &nodes);
out:
	if (r == 0 && f->link != NULL) {
		/* Whatever arrived meanwhile: late, or not addressed. */
		collect_wait(&f->col, NULL, NULL, 0, NULL, 0, &err);
		mark_new(f);
		if (f->o.nodes != NULL)
			fleet_account(f, &f->rs);
	}
	strv_clear(&nodes);
	return r;
}

/* See cli.h. */
json_t *
orch_build_data(
    const struct ddl *d, const struct ddl_action *a, char **kv, int n)
{
	struct error err;
	json_t *data = json_object();
	int i;

	if (data == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		error_init(&err, NULL);
		if (strchr(kv[i], '=') == NULL) {
			cli_errx("'%s' is not key=value", kv[i]);
			goto fail;
		}
		if (ddl_parse_argument(a, kv[i], data, &err) < 0) {
			cli_errx("%s: %s", kv[i], err.text);
			goto fail;
		}
	}
	error_init(&err, NULL);
	if (ddl_validate(a, data, &err) < 0) {
		cli_errx("%s/%s: %s", d->agent, a->name, err.text);
		goto fail;
	}
	return data;
fail:
	json_decref(data);
	return NULL;
}

static int
add_agent_filter(struct fleet *f, const char *agent)
{
	struct error err;

	error_init(&err, NULL);
	if (filter_add_agent(f->o.filter, agent, &err) < 0) {
		cli_errx("-A %s: %s", agent, err.text);
		return -1;
	}
	return 0;
}

int
orch_rpc_run(
    struct fleet *f, const char *agent, const char *action, char **kv, int nkv)
{
	const struct ddl_action *a;
	struct request *req = NULL;
	struct ddl *ddl = NULL;
	json_t *data = NULL, *j = NULL;
	int r = MC_EXIT_USAGE;

	if (orch_load_ddl(f->conf.ddl_dir, agent, &ddl) != 0 ||
	    (a = orch_find_action(ddl, action)) == NULL ||
	    (data = orch_build_data(ddl, a, kv, nkv)) == NULL)
		goto out;
	/* Only nodes with the agent are asked (and expected): every node
	 * has rpcutil. */
	if (strcmp(ddl->agent, "rpcutil") != 0 &&
	    add_agent_filter(f, ddl->agent) < 0)
		goto out;
	/* An action that runs long (the DDL's timeout) is waited for. */
	if (f->o.timeout_ms <= 0 && ddl->timeout > 0 &&
	    (long)ddl->timeout * 1000 + 1000 > f->timeout_ms)
		f->timeout_ms = (long)ddl->timeout * 1000 + 1000;
	req = fleet_request(f, ddl->agent, a->name, data);
	data = NULL;
	if (req == NULL)
		goto out;
	req->dry_run = f->o.dry_run;
	if (f->o.preview) {
		r = preview(f, req);
		goto out;
	}
	if ((r = fleet_connect(f)) != 0)
		goto out;
	j = fleet_request_json(req);
	if ((r = run_action(f, req)) != 0)
		goto out;
	r = fleet_finish(f, j, a);
out:
	json_decref(j);
	json_decref(data);
	request_free(req);
	ddl_free(ddl);
	return r;
}

int
cmd_rpc(int argc, char *argv[])
{
	struct fleet f;
	int r;

	if ((r = fleet_init(&f, argc, argv, OPT_ALL)) >= 0)
		goto out;
	if (f.o.nargs < 2) {
		usage_errx("AGENT and ACTION are needed");
		r = MC_EXIT_USAGE;
		goto out;
	}
	r = orch_rpc_run(
	    &f, f.o.args[0], f.o.args[1], f.o.args + 2, f.o.nargs - 2);
out:
	fleet_clear(&f);
	return r;
}

/* The rows of replies that are not a value: failures, invalid replies,
 * nodes that did not answer (not with -q for the last: the summary
 * names them). */
static void
print_problems(const struct fleet *f)
{
	size_t i, width = output_width(&f->rs);
	const struct result **idx;
	int color = output_color_wanted(stdout);

	if ((idx = output_order(&f->rs, f->o.sort)) == NULL)
		return;
	for (i = 0; i < f->rs.n; i++) {
		const struct result *x = idx[i];

		if (x->kind == RES_OK)
			continue;
		output_row_head(stdout, x, width, color);
		putchar('\n');
	}
	free((void *)idx);
}

/*
 * Connects and runs req (facts, inventory). 1 when all is said, *ret the
 * exit status: an error, or --json, --jsonl and --ids printed; 0 when the
 * human rendering is the caller's, f->rs sorted and *ret its status.
 */
static int
run_and_finish(
    struct fleet *f, struct request *req, const struct ddl_action *a, int *ret)
{
	json_t *j;

	if ((*ret = fleet_connect(f)) != 0)
		return 1;
	j = fleet_request_json(req);
	*ret = run_action(f, req);
	if (f->rs.elapsed_ms == 0)
		f->rs.elapsed_ms = message_now_ms() - f->start_ms;
	if (*ret == 0 && f->o.format != OUT_HUMAN)
		*ret = fleet_finish(f, j, a);
	json_decref(j);
	if (*ret != 0 || f->o.format != OUT_HUMAN)
		return 1;
	results_sort(&f->rs);
	*ret = results_exit_status(&f->rs);
	return 0;
}

/* The summary, the silent nodes' names, and the exit status. */
static int
print_end(const struct fleet *f)
{
	char buf[256];

	output_summary(buf, sizeof(buf), &f->rs);
	printf("\n%s\n", buf);
	output_missing(stdout, &f->rs, output_color_wanted(stdout));
	return results_exit_status(&f->rs);
}

int
cmd_facts(int argc, char *argv[])
{
	const struct ddl_action *a;
	struct request *req = NULL;
	struct ddl *ddl = NULL;
	struct fleet f;
	json_t *data = NULL, *agg = NULL;
	char kv[512];
	int r;

	if ((r = fleet_init(&f, argc, argv, OPT_FLEET)) >= 0)
		goto out;
	r = MC_EXIT_USAGE;
	if (f.o.nargs != 1) {
		usage_errx(f.o.nargs == 0 ? "which FACT?" : "one FACT only");
		goto out;
	}
	snprintf(kv, sizeof(kv), "fact=%s", f.o.args[0]);
	{
		char *args[] = {kv};

		if (orch_load_ddl(f.conf.ddl_dir, "rpcutil", &ddl) != 0 ||
		    (a = orch_find_action(ddl, "get_fact")) == NULL ||
		    (data = orch_build_data(ddl, a, args, 1)) == NULL)
			goto out;
	}
	req = fleet_request(&f, "rpcutil", "get_fact", data);
	data = NULL;
	/* In JSON the counts are get_fact's DDL aggregate. */
	if (req == NULL || run_and_finish(&f, req, a, &r))
		goto out;
	if (f.rs.n == 0) {
		output_nomatch(stdout, f.o.filter);
		goto out;
	}
	/* Each distinct value and how many nodes hold it. */
	if ((agg = aggregate_compute(a->aggregate, &f.rs)) == NULL)
		goto out;
	printf("%s:\n", f.o.args[0]);
	output_counts(
	    stdout, json_object_get(json_array_get(agg, 0), "result"), "  ");
	print_problems(&f);
	r = print_end(&f);
out:
	json_decref(agg);
	json_decref(data);
	request_free(req);
	ddl_free(ddl);
	fleet_clear(&f);
	return r;
}

/* Each NODE argument of inventory adds an identity to the filter. */
static int
add_node_args(struct fleet *f)
{
	struct error err;
	int i;

	for (i = 0; i < f->o.nargs; i++) {
		error_init(&err, NULL);
		if (filter_add_identity(f->o.filter, f->o.args[i], &err) < 0) {
			usage_errx("'%s': %s", f->o.args[i], err.text);
			return MC_EXIT_USAGE;
		}
	}
	return 0;
}

int
cmd_inventory(int argc, char *argv[])
{
	const struct ddl_action *a;
	struct request *req = NULL;
	struct ddl *ddl = NULL;
	struct fleet f;
	const struct result **idx = NULL;
	size_t i, shown = 0;
	int r;

	if ((r = fleet_init(&f, argc, argv, OPT_FLEET)) >= 0)
		goto out;
	if ((r = add_node_args(&f)) != 0 ||
	    (r = orch_load_ddl(f.conf.ddl_dir, "rpcutil", &ddl)) != 0)
		goto out;
	r = MC_EXIT_USAGE;
	if ((a = orch_find_action(ddl, "inventory")) == NULL ||
	    (req = fleet_request(&f, "rpcutil", "inventory", NULL)) == NULL ||
	    run_and_finish(&f, req, a, &r))
		goto out;
	if (f.rs.n == 0 && link_is_local(f.link) && f.o.nargs > 0) {
		cli_errx("the local agent is not '%s'", f.o.args[0]);
		goto out;
	}
	if (f.rs.n == 0) {
		output_nomatch(stdout, f.o.filter);
		goto out;
	}
	if ((idx = output_order(&f.rs, f.o.sort)) == NULL)
		goto out;
	for (i = 0; i < f.rs.n && !f.o.quiet; i++)
		if (idx[i]->kind == RES_OK) {
			printf("%s", shown++ > 0 ? "\n" : "");
			output_inventory(stdout, idx[i], a);
		}
	if (shown > 0 && shown < f.rs.n)
		putchar('\n');
	print_problems(&f);
	r = print_end(&f);
out:
	free((void *)idx);
	request_free(req);
	ddl_free(ddl);
	fleet_clear(&f);
	return r;
}

/*
 * sandbox.c: the sandbox agent. apply, status and teardown of an app's
 * network sandbox (sbxconf.h); each reads the node's state (apply and
 * status also what is live, sbxlive.h), builds a plan
 * of ip, sysctl, nft and nsupdate runs (sbxplan.h) and performs it with
 * the service agent's plan_exec(), or answers it under dry_run. One
 * action at a time per app: the lock "sandbox:APP".
 */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "appconf.h"
#include "error.h"
#include "message.h"
#include "names.h"
#include "plugins/sandbox/sandbox.h"
#include "plugins/sandbox/sbxlive.h"
#include "plugins/sandbox/sbxplan.h"
#include "plugins/service/plan_exec.h"

enum sbx_op {
	OP_APPLY,
	OP_STATUS,
	OP_TEARDOWN
};

struct sbx_req {
	enum sbx_op op;
	char app[NAME_APP_MAX + 1];
	char dir[4096]; /* APPS/APP/state/sandbox */
	char ledger[4096]; /* APPS/.sandbox-sysctl */
	struct sbx s;
	struct sbx_state st;
	struct sbx_live live;
	struct plan plan;
	struct plan resolve; /* the getent of one host name, or one probe */
	size_t next; /* the accept entry to resolve next */
	size_t probe; /* the probe to run next */
	size_t nresolve; /* read-only steps at the head of plan (dry_run) */
};

static void
reply(struct action_ctx *ctx, struct sbx_req *q, int status, const char *msg,
    json_t *data)
{
	if (status != STATUS_OK)
		action_log(ctx, LOG_LEVEL_WARN, "%s", msg);
	plan_clear(&q->plan);
	plan_clear(&q->resolve);
	free(q);
	action_done(ctx, status, msg, data);
}

/* The app's sandbox from its configuration; -1 when answered. A
 * teardown goes on with the names alone when the app is gone. */
static int
load(struct action_ctx *ctx, struct sbx_req *q)
{
	const struct node_info *ni = action_node(ctx);
	struct appconf_src src[APPCONF_NLAYERS];
	char bufs[APPCONF_NLAYERS][4096], release[4096], msg[700];
	char where[512];
	struct appconf *c = NULL;
	struct error err;
	int r;

	error_init(&err, q->app);
	r = appconf_node_paths(ni->apps->dir, ni->apps->node_dir, q->app, src,
	    bufs, release, sizeof(release));
	if (r == -ENOENT) {
		/* Not deployed yet: the node layer alone, so that the
		 * namespace is there before the first deploy starts the
		 * app's daemons in it. */
		memset(src, 0, sizeof(src));
		snprintf(bufs[APPCONF_NODE], sizeof(bufs[APPCONF_NODE]),
		    "%s/%s.conf", ni->apps->node_dir, q->app);
		src[APPCONF_NODE].path = bufs[APPCONF_NODE];
		r = 0;
	}
	if (r == 0 && (r = appconf_load(q->app, src, &c, &err)) == 0)
		r = sbx_from_conf(c, q->app, ni->identity, &q->s, &err);
	appconf_free(c);
	if (r < 0 && q->op == OP_TEARDOWN) {
		action_log(ctx, LOG_LEVEL_INFO,
		    "app %s: no configuration (%s): removing by name", q->app,
		    err.text[0] != '\0' ? err.text : error_str(r));
		sbx_names(q->app, &q->s);
		return 0;
	}
	if (r < 0) {
		snprintf(msg, sizeof(msg), "app %s: %s", q->app,
		    err.text[0] != '\0'
			? error_format(&err, where, sizeof(where))
			: error_str(r));
		reply(ctx, q, STATUS_INVALID_DATA, msg, NULL);
		return -1;
	}
	if (!q->s.enabled && q->op == OP_APPLY) {
		snprintf(msg, sizeof(msg),
		    "app %s has no [sandbox.net] ip (metactl-app(5))", q->app);
		reply(ctx, q, STATUS_INVALID_DATA, msg, NULL);
		return -1;
	}
	return 0;
}

/* The drift lines as an array. New reference. */
static json_t *
drift_json(const struct sbx_req *q)
{
	json_t *a = json_array();
	const char *l, *e;

	for (l = q->live.drift; *l != '\0'; l = e + 1) {
		e = strchr(l, '\n');
		json_array_append_new(a, json_stringn(l, (size_t)(e - l)));
	}
	return a;
}

/* "OK" or "nothing to change" (or what status found), with the first
 * line of drift and how many more. */
static void
summary(const struct sbx_req *q, const char *none, char *msg, size_t size)
{
	const char *d = q->live.drift;
	size_t n = 0;

	for (const char *l = d; (l = strchr(l, '\n')) != NULL; l++)
		n++;
	if (n == 0) {
		snprintf(msg, size, "%s", none);
		return;
	}
	snprintf(msg, size, "%s%.*s%s",
	    q->op == OP_APPLY ? "repaired: " : "drift: ",
	    (int)(strchr(d, '\n') - d), d,
	    n > 1 ? " (and more: see drift)" : "");
}

static json_t *
answer(struct sbx_req *q)
{
	json_t *o = sbx_state_json(&q->s, &q->st);

	json_object_set_new(o, "drift", drift_json(q));

	json_object_set_new(
	    o, "changed", json_boolean(q->plan.n > q->nresolve));
	json_object_set_new(o, "plan", plan_to_json(&q->plan));
	return o;
}

static void
performed(
    struct action_ctx *ctx, int ok, const char *why, const char *out, void *arg)
{
	struct sbx_req *q = arg;
	char msg[700];
	json_t *data;
	int r;

	if (!ok) {
		reply(ctx, q, STATUS_ABORTED, why, answer(q));
		return;
	}
	if (q->op == OP_STATUS) {
		data = sbx_state_json(&q->s, &q->st);
		json_object_set_new(data, "show", json_string(out));
		json_object_set_new(data, "drift", drift_json(q));
		if (action_dry_run(ctx))
			json_object_set_new(
			    data, "plan", plan_to_json(&q->plan));
		summary(q, "OK", msg, sizeof(msg));
		reply(ctx, q, STATUS_OK, msg, data);
		return;
	}
	/* The firewall as nft listed it after loading it: what the next
	 * apply compares the live table with. */
	if (q->op == OP_APPLY && !action_dry_run(ctx) && out[0] != '\0' &&
	    (r = sbx_live_save(&q->s, q->dir, out)) < 0)
		action_log(ctx, LOG_LEVEL_WARN, "%s/ruleset.live: %s", q->dir,
		    error_str(r));
	/* The state as the action left it. */
	if (!action_dry_run(ctx))
		sbx_read_state(&q->s, action_node(ctx)->apps->dir, &q->st);
	data = answer(q);
	summary(q, q->plan.n > q->nresolve ? "OK" : "nothing to change", msg,
	    sizeof(msg));
	reply(ctx, q, STATUS_OK, msg, data);
}

static void
log_line(void *arg, const char *line)
{
	action_log(arg, LOG_LEVEL_INFO, "%s", line);
}

/* The plan of the action, performed (or answered under dry_run). */
static void
plan_and_perform(struct action_ctx *ctx, struct sbx_req *q)
{
	int r;

	switch (q->op) {
	case OP_APPLY:
		r = sbx_plan_apply(&q->s, &q->st, &q->live, q->dir, q->ledger,
		    &q->plan, log_line, ctx);
		break;
	case OP_TEARDOWN:
		r = sbx_plan_teardown(
		    &q->s, &q->st, q->dir, q->ledger, &q->plan);
		break;
	default:
		r = sbx_plan_status(&q->s, &q->plan);
	}
	if (r == 0)
		r = plan_exec(ctx, &q->plan, performed, q);
	if (r < 0)
		reply(ctx, q, STATUS_UNKNOWN_ERROR, error_str(r), NULL);
}

static void probe_next(struct action_ctx *ctx, struct sbx_req *q);

/* Runs the read-only step q->resolve (r: what planning it returned, > 0)
 * and then cb; under dry_run it is listed in the plan, not run. */
static void
read_step(struct action_ctx *ctx, struct sbx_req *q, int r, plan_exec_cb cb)
{
	if (r > 0 && action_dry_run(ctx)) {
		r = plan_append(&q->plan, &q->resolve);
		q->nresolve = q->plan.n;
	}
	if (r >= 0)
		r = plan_exec(ctx, &q->resolve, cb, q);
	if (r < 0)
		reply(ctx, q, STATUS_UNKNOWN_ERROR, error_str(r), NULL);
}

static void
probed(
    struct action_ctx *ctx, int ok, const char *why, const char *out, void *arg)
{
	struct sbx_req *q = arg;
	size_t n = strlen(q->live.drift);
	const char *l, *e;

	(void)why;
	if (ok && !action_dry_run(ctx))
		sbx_probe_read(&q->s, q->dir, q->probe, out, &q->live);
	/* What apply repairs, in the log. */
	for (l = q->live.drift + n; q->op == OP_APPLY && *l != '\0'; l = e + 1)
		action_log(ctx, LOG_LEVEL_INFO, "%.*s",
		    (int)((e = strchr(l, '\n')) - l), l);
	q->probe++;
	probe_next(ctx, q);
}

/* Runs the live probes one by one (sbxlive.h), then plans. */
static void
probe_next(struct action_ctx *ctx, struct sbx_req *q)
{
	int r = 0;

	plan_clear(&q->resolve);
	while (q->probe < SBX_NPROBES &&
	    (r = sbx_probe_plan(
		 &q->s, &q->st, q->dir, q->probe, &q->resolve)) == 0)
		q->probe++;
	if (r == 0) {
		plan_and_perform(ctx, q);
		return;
	}
	read_step(ctx, q, r, probed);
}

static void resolve_next(struct action_ctx *ctx, struct sbx_req *q);

static void
resolved(
    struct action_ctx *ctx, int ok, const char *why, const char *out, void *arg)
{
	struct sbx_req *q = arg;
	struct sbx_accept *a = &q->s.accept[q->next];
	char msg[1200];

	if (!ok || (!action_dry_run(ctx) && sbx_resolved(a, out) < 0)) {
		snprintf(msg, sizeof(msg),
		    "app %s: [firewall.out.accept] %s = %s: host name %s "
		    "does not resolve to an IPv4 address (%s)",
		    q->app, a->name, a->value, a->host,
		    ok ? "getent ahostsv4: no address" : why);
		reply(ctx, q, STATUS_INVALID_DATA, msg, NULL);
		return;
	}
	q->next++;
	resolve_next(ctx, q);
}

/* Resolves the host names of [firewall.out.accept] one by one, with
 * getent run off the event loop, then plans the apply. */
static void
resolve_next(struct action_ctx *ctx, struct sbx_req *q)
{
	int r = 0;

	plan_clear(&q->resolve);
	while (q->next < q->s.naccept &&
	    (r = sbx_plan_resolve(&q->s, q->next, &q->resolve)) == 0)
		q->next++;
	if (r == 0) {
		probe_next(ctx, q);
		return;
	}
	read_step(ctx, q, r, resolved);
}

static void
locked(struct action_ctx *ctx, void *arg)
{
	struct sbx_req *q = arg;

	if (load(ctx, q) < 0)
		return;
	/* nft, or iptables-nft when nft is missing (sbxipt.h). */
	snprintf(q->s.nft, sizeof(q->s.nft), "%s", action_node(ctx)->apps->nft);
	q->s.iptables = access(q->s.nft, X_OK) != 0;
	sbx_read_state(&q->s, action_node(ctx)->apps->dir, &q->st);
	sbx_live_init(&q->live);
	if (q->op == OP_APPLY)
		resolve_next(ctx, q);
	else if (q->op == OP_STATUS)
		probe_next(ctx, q);
	else
		plan_and_perform(ctx, q);
}

static void
run(struct action_ctx *ctx, const json_t *input, enum sbx_op op)
{
	const char *dir = action_node(ctx)->apps->dir;
	const char *app = json_string_value(json_object_get(input, "app"));
	char key[NAME_APP_MAX + 16], msg[256];
	struct sbx_req *q;
	int r;

	if (app == NULL || !name_ok(NAME_APP, app)) {
		snprintf(msg, sizeof(msg), "app: %s",
		    app != NULL ? name_why(NAME_APP, app) : "missing");
		action_done(ctx, STATUS_INVALID_DATA, msg, NULL);
		return;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		action_done(ctx, STATUS_UNKNOWN_ERROR, "out of memory", NULL);
		return;
	}
	q->op = op;
	snprintf(q->app, sizeof(q->app), "%s", app);
	snprintf(q->dir, sizeof(q->dir), "%s/%s/state/sandbox", dir, app);
	snprintf(q->ledger, sizeof(q->ledger), "%s/.sandbox-sysctl", dir);
	snprintf(key, sizeof(key), "sandbox:%s", q->app);
	if ((r = action_lock(ctx, key, locked, q)) < 0)
		reply(ctx, q, STATUS_UNKNOWN_ERROR, error_str(r), NULL);
}

static void
action_apply(struct action_ctx *ctx, const json_t *input)
{
	run(ctx, input, OP_APPLY);
}

static void
action_status(struct action_ctx *ctx, const json_t *input)
{
	run(ctx, input, OP_STATUS);
}

static void
action_teardown(struct action_ctx *ctx, const json_t *input)
{
	run(ctx, input, OP_TEARDOWN);
}

static const struct plugin_action sandbox_actions[] = {
    {"apply", action_apply},
    {"status", action_status},
    {"teardown", action_teardown},
    {NULL, NULL},
};

const struct plugin plugin_sandbox = {
    .name = "sandbox",
    .version = PACKAGE_VERSION,
    .actions = sandbox_actions,
};

/*
 * lbreg.c: the lbreg agent. register, drain, deregister and status of an
 * app's server in its load balancer ([lb], lb.h), each a plan performed by
 * plan_exec() or, under dry_run, answered. It holds the service agent's
 * lock "service:APP", so that it never interleaves with a restart.
 */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appconf.h"
#include "error.h"
#include "message.h"
#include "names.h"
#include "plugins/lbreg/lb.h"
#include "plugins/lbreg/lbreg.h"
#include "plugins/service/plan_exec.h"

struct lb_req {
	enum lb_op op;
	char app[NAME_APP_MAX + 1];
	struct appconf *conf;
	struct lb_conf lb;
	struct plan plan;
};

static void
done(struct action_ctx *ctx, struct lb_req *q, int status, const char *msg,
    json_t *data)
{
	if (status != STATUS_OK)
		action_log(ctx, LOG_LEVEL_WARN, "%s", msg);
	plan_clear(&q->plan);
	appconf_free(q->conf);
	free(q);
	action_done(ctx, status, msg, data);
}

static json_t *
lb_json(const struct lb_req *q)
{
	const struct lb_conf *lb = &q->lb;

	if (lb->type == LB_FILE)
		return json_pack("{s:s,s:s,s:s,s:s,s:I,s:I}", "type", "file",
		    "file", lb->file, "server", lb->server, "address",
		    lb->address, "port", (json_int_t)lb->port, "weight",
		    (json_int_t)lb->weight);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I}", "type", "haproxy",
	    "socket", lb->socket, "backend", lb->backend, "server", lb->server,
	    "address", lb->address, "port", (json_int_t)lb->port, "weight",
	    (json_int_t)lb->weight);
}

static void
performed(
    struct action_ctx *ctx, int ok, const char *why, const char *out, void *arg)
{
	struct lb_req *q = arg;
	json_t *data = json_pack("{s:o}", "lb", lb_json(q)), *st;

	if (action_dry_run(ctx)) {
		json_object_set_new(data, "plan", plan_to_json(&q->plan));
		done(ctx, q, STATUS_OK, "OK", data);
		return;
	}
	if (!ok) {
		json_decref(data);
		done(ctx, q, STATUS_ABORTED, why, NULL);
		return;
	}
	if (q->op == LB_STATUS) {
		if ((st = json_loads(out, 0, NULL)) == NULL ||
		    (q->lb.type == LB_FILE && lb_file_status(&q->lb, st) < 0)) {
			json_decref(st);
			json_decref(data);
			done(ctx, q, STATUS_UNKNOWN_ERROR,
			    q->lb.type == LB_FILE
				? "cannot read metactl-connwait's answer"
				: "cannot read metactl-lbctl's answer",
			    NULL);
			return;
		}
		json_object_set_new(data, "status", st);
	}
	done(ctx, q, STATUS_OK, "OK", data);
}

/* The app's configuration: 0, or the action is answered. */
static int
load(struct action_ctx *ctx, struct lb_req *q)
{
	const struct node_apps *a = action_node(ctx)->apps;
	struct appconf_src src[APPCONF_NLAYERS];
	char bufs[APPCONF_NLAYERS][4096], where[512];
	struct error err;
	int r;

	r = appconf_node_paths(a->dir, a->node_dir, q->app, src, bufs, NULL, 0);
	if (r < 0) {
		char msg[600];

		snprintf(msg, sizeof(msg), "app %s: %s", q->app,
		    r == -ENOENT ? "not installed (no current release)"
				 : error_str(r));
		done(ctx, q, STATUS_INVALID_DATA, msg, NULL);
		return r;
	}
	error_init(&err, q->app);
	if ((r = appconf_load(q->app, src, &q->conf, &err)) == 0 &&
	    (r = lb_conf_get(q->conf, action_node(ctx), &q->lb, &err)) ==
		-ENOENT)
		error_set(&err, 0, 0, "app %s has no [lb] section", q->app);
	if (r == 0 && (r = lb_plan(&q->lb, q->op, &q->plan, &err)) == -ENOMEM)
		error_set(&err, 0, 0, "out of memory");
	if (r < 0) {
		char msg[700];

		snprintf(msg, sizeof(msg), "app %s: %s", q->app,
		    error_format(&err, where, sizeof(where)));
		done(ctx, q, STATUS_INVALID_DATA, msg, NULL);
	}
	return r;
}

static void
locked(struct action_ctx *ctx, void *arg)
{
	struct lb_req *q = arg;
	int r;

	if (load(ctx, q) < 0)
		return;
	if ((r = plan_exec(ctx, &q->plan, performed, q)) < 0)
		done(ctx, q, STATUS_UNKNOWN_ERROR, error_str(r), NULL);
}

static void
run(struct action_ctx *ctx, const json_t *input, enum lb_op op)
{
	const char *app = json_string_value(json_object_get(input, "app"));
	char key[NAME_APP_MAX + 16];
	struct lb_req *q;
	int r;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		action_done(ctx, STATUS_UNKNOWN_ERROR, "out of memory", NULL);
		return;
	}
	q->op = op;
	if (app == NULL || !name_ok(NAME_APP, app)) {
		char msg[300];

		snprintf(msg, sizeof(msg), "app: %s",
		    app != NULL ? name_why(NAME_APP, app) : "missing");
		done(ctx, q, STATUS_INVALID_DATA, msg, NULL);
		return;
	}
	snprintf(q->app, sizeof(q->app), "%s", app);
	snprintf(key, sizeof(key), "service:%s", q->app);
	if ((r = action_lock(ctx, key, locked, q)) < 0)
		done(ctx, q, STATUS_UNKNOWN_ERROR, error_str(r), NULL);
}

#define ACTION(name, op) \
	static void name(struct action_ctx *ctx, const json_t *input) \
	{ \
		run(ctx, input, op); \
	}
ACTION(action_register_, LB_REGISTER)
ACTION(action_drain_, LB_DRAIN)
ACTION(action_deregister_, LB_DEREGISTER)
ACTION(action_status_, LB_STATUS)
#undef ACTION

static const struct plugin_action lbreg_actions[] = {
    {"register", action_register_},
    {"drain", action_drain_},
    {"deregister", action_deregister_},
    {"status", action_status_},
    {NULL, NULL},
};

const struct plugin plugin_lbreg = {
    .name = "lbreg",
    .version = PACKAGE_VERSION,
    .actions = lbreg_actions,
};

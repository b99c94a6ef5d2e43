/*
 * service.c: the service agent. Each action loads the app's configuration
 * (lib/appconf.h), turns the daemons it names into units (unit.h), asks
 * the node's service manager (backend.h) for a plan, and performs it
 * (plan_exec.h) or, under dry_run, answers it. One action at a time per
 * app: every action but config and logs holds the lock "service:APP".
 */
#include "buildconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "appconf.h"
#include "error.h"
#include "message.h"
#include "names.h"
#include "strv.h"
#include "plugins/lbreg/lb.h"
#include "plugins/service/backend.h"
#include "plugins/service/cron.h"
#include "plugins/service/plan_exec.h"
#include "plugins/service/service.h"
#include "plugins/service/unit.h"

enum svc_op {
	OP_START,
	OP_STOP,
	OP_RESTART,
	OP_RELOAD,
	OP_STATUS,
	OP_CONFIG,
	OP_LOGS
};

/* One request, from its input to action_done(). */
struct svc_req {
	enum svc_op op;
	const struct svc_backend *be;
	struct svc_node node;
	char app[NAME_APP_MAX + 1];
	char daemon[64]; /* "" for every daemon */
	char release[4096];
	struct appconf *conf;
	struct unit *units;
	size_t nunits;
	struct plan plan; /* the action's own */
	struct plan status; /* of one daemon, while status is read */
	size_t next; /* the daemon whose status is read */
	json_t *daemons;
	int drained; /* the plan drains the app's [lb] server first */
	int failed; /* the plan failed: why says how */
	char why[512];
};

static void
req_free(struct svc_req *q)
{
	if (q == NULL)
		return;
	for (size_t i = 0; i < q->nunits; i++)
		unit_clear(&q->units[i]);
	free(q->units);
	plan_clear(&q->plan);
	plan_clear(&q->status);
	appconf_free(q->conf);
	json_decref(q->daemons);
	free(q);
}

static void
reply(struct action_ctx *ctx, struct svc_req *q, int status, const char *msg,
    json_t *data)
{
	req_free(q);
	action_done(ctx, status, msg, data);
}

static void fail(struct action_ctx *ctx, struct svc_req *q, int status,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
fail(
    struct action_ctx *ctx, struct svc_req *q, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	action_log(ctx, LOG_LEVEL_WARN, "%s", msg);
	reply(ctx, q, status, msg, NULL);
}

/* Why app cannot be loaded when its current link is unreadable. */
static void
fail_no_release(struct action_ctx *ctx, struct svc_req *q, int r)
{
	const char *dir = action_node(ctx)->apps->dir;
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, q->app);
	if (r == -ENOENT && stat(path, &st) < 0)
		fail(ctx, q, STATUS_INVALID_DATA, "no app %s in %s", q->app,
		    dir);
	else if (r == -ENOENT)
		fail(ctx, q, STATUS_INVALID_DATA,
		    "app %s has no current release (%s/current)", q->app, path);
	else
		fail(ctx, q, STATUS_UNKNOWN_ERROR, "app %s: %s", q->app,
		    error_str(r));
}

/* The configuration of the app: 0, or the action is answered. */
static int
load_conf(struct action_ctx *ctx, struct svc_req *q)
{
	const struct node_apps *a = action_node(ctx)->apps;
	struct appconf_src src[APPCONF_NLAYERS];
	char bufs[APPCONF_NLAYERS][4096];
	char where[512];
	struct error err;
	int r;

	r = appconf_node_paths(a->dir, a->node_dir, q->app, src, bufs,
	    q->release, sizeof(q->release));
	if (r < 0) {
		fail_no_release(ctx, q, r);
		return r;
	}
	error_init(&err, q->app);
	if ((r = appconf_load(q->app, src, &q->conf, &err)) < 0) {
		fail(ctx, q,
		    r == -ENOMEM ? STATUS_UNKNOWN_ERROR : STATUS_INVALID_DATA,
		    "app %s: %s", q->app,
		    error_format(&err, where, sizeof(where)));
		return r;
	}
	return 0;
}

/* "a, b, c": the app's daemons, for an error. */
static void
daemon_names(const struct appconf *c, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < appconf_ndaemons(c) && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s",
		    i > 0 ? ", " : "", appconf_daemon(c, i)->name);
	if (buf[0] == '\0')
		snprintf(buf, size, "none");
}

/* The units of the daemons the request names: 0, or it is answered. */
static int
build_units(struct action_ctx *ctx, struct svc_req *q)
{
	size_t n = appconf_ndaemons(q->conf), i, k = 0;
	const char *const *env = appconf_env(q->conf);
	const struct app_daemon *d;
	char names[512], where[512];
	struct error err;
	int r;

	if (q->daemon[0] != '\0' &&
	    appconf_daemon_find(q->conf, q->daemon) == NULL) {
		daemon_names(q->conf, names, sizeof(names));
		fail(ctx, q, STATUS_INVALID_DATA,
		    "app %s has no daemon %s (its daemons: %s)", q->app,
		    q->daemon, names);
		return -ENOENT;
	}
	if ((q->units = calloc(n + 1, sizeof(*q->units))) == NULL) {
		fail(ctx, q, STATUS_UNKNOWN_ERROR, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		d = appconf_daemon(q->conf, i);
		if (q->daemon[0] != '\0' && strcmp(d->name, q->daemon) != 0)
			continue;
		error_init(&err, q->app);
		r = unit_build(
		    &q->node, q->app, q->release, d, env, &q->units[k], &err);
		if (r < 0) {
			fail(ctx, q,
			    r == -ENOMEM ? STATUS_UNKNOWN_ERROR
					 : STATUS_INVALID_DATA,
			    "app %s: %s", q->app,
			    error_format(&err, where, sizeof(where)));
			return r;
		}
		unit_sandbox(&q->units[k], q->conf);
		q->nunits = ++k;
	}
	return 0;
}

static int build_unit_steps(struct svc_req *q, struct error *err);

/*
 * The action's plan. A restart of an app with [lb] drains its server in
 * the load balancer first and makes it ready again once the daemons are
 * up (plugins/lbreg/lb.h); a restart that fails leaves it drained.
 */
static int
build_plan(struct action_ctx *ctx, struct svc_req *q, struct error *err)
{
	const struct node_info *n = action_node(ctx);
	int r;

	if (q->op != OP_RESTART)
		return build_unit_steps(q, err);
	if ((r = lb_plan_app(q->conf, n, LB_DRAIN, &q->plan, err)) < 0)
		return r;
	q->drained = r;
	if ((r = build_unit_steps(q, err)) < 0 || !q->drained)
		return r;
	return lb_plan_app(q->conf, n, LB_READY, &q->plan, err) < 0 ? -EINVAL
								    : 0;
}

/*
 * Appends op's steps for every unit to q->plan. A start of the whole app
 * writes its crontab (or removes it when it has none) first.
 */
static int
build_unit_steps(struct svc_req *q, struct error *err)
{
	const struct svc_backend *be = q->be;
	size_t i, nc = appconf_ncrons(q->conf);
	int r = 0;

	if (q->op == OP_START && q->daemon[0] == '\0' &&
	    (r = cron_install(&q->node, q->app,
		 nc > 0 ? appconf_cron(q->conf, 0) : NULL, nc, &q->plan, err)) <
		0)
		return r;

	/* Definitions first, so that the manager starts what the
	 * configuration says now. */
	if (q->op == OP_START || q->op == OP_RESTART)
		for (i = 0; i < q->nunits && r == 0; i++)
			if ((r = unit_setup(&q->units[i], &q->plan)) == 0)
				r = be->install(
				    &q->node, &q->units[i].u, &q->plan);
	for (i = 0; i < q->nunits && r == 0; i++) {
		const struct svc_unit *u = &q->units[i].u;

		switch (q->op) {
		case OP_START:
			r = be->start(&q->node, u, &q->plan);
			break;
		case OP_STOP:
			r = be->stop(&q->node, u, &q->plan);
			break;
		case OP_RESTART:
			r = be->restart(&q->node, u, &q->plan);
			break;
		case OP_RELOAD:
			if ((r = be->reload(&q->node, u, &q->plan)) == -ENOTSUP)
				error_set(err, 0, 0,
				    "daemon %s has no reload signal "
				    "([daemon.%s] reload)",
				    u->daemon, u->daemon);
			break;
		case OP_STATUS:
			r = be->status(&q->node, u, &q->plan);
			break;
		default:
			break;
		}
	}
	return r;
}

static json_t *
unit_json(const struct svc_unit *u)
{
	return json_pack("{s:s,s:s}", "daemon", u->daemon, "unit", u->unit);
}

static json_t *
state_json(const struct svc_unit *u, const struct svc_state *st)
{
	json_t *o = unit_json(u);

	json_object_set_new(o, "state", json_string(st->state));
	json_object_set_new(o, "pid", json_integer(st->pid));
	json_object_set_new(o, "uptime",
	    st->since_s >= 0 ? json_integer(st->since_s) : json_null());
	json_object_set_new(
	    o, "ready", st->ready < 0 ? json_null() : json_boolean(st->ready));
	json_object_set_new(o, "last_exit",
	    st->last_exit >= 0 ? json_integer(st->last_exit) : json_null());
	json_object_set_new(o, "last_signal", json_integer(st->last_signal));
	json_object_set_new(o, "detail", json_string(st->detail));
	return o;
}

static json_t *
result(struct svc_req *q)
{
	json_t *data = json_object();

	json_object_set_new(data, "manager", json_string(q->node.manager));
	json_object_set(data, "daemons", q->daemons);
	return data;
}

static void
finish(struct action_ctx *ctx, struct svc_req *q)
{
	char msg[sizeof(q->why)];

	if (!q->failed) {
		reply(ctx, q, STATUS_OK, "OK", result(q));
		return;
	}
	snprintf(msg, sizeof(msg), "%s", q->why);
	action_log(ctx, LOG_LEVEL_WARN, "%s", msg);
	reply(ctx, q, STATUS_ABORTED, msg, result(q));
}

static void read_status(struct action_ctx *ctx, struct svc_req *q);

static void
status_read(
    struct action_ctx *ctx, int ok, const char *why, const char *out, void *arg)
{
	struct svc_req *q = arg;
	const struct svc_unit *u = &q->units[q->next].u;
	struct svc_state st;
	int r;

	memset(&st, 0, sizeof(st));
	st.since_s = -1;
	st.last_exit = -1;
	st.ready = -1;
	if (!ok)
		snprintf(st.detail, sizeof(st.detail), "%s", why);
	else if ((r = q->be->status_parse(&q->node, u, out, &st)) < 0)
		snprintf(st.detail, sizeof(st.detail),
		    "cannot read the manager's state: %s", error_str(r));
	if (st.state[0] == '\0')
		snprintf(st.state, sizeof(st.state), "unknown");
	json_array_append_new(q->daemons, state_json(u, &st));
	q->next++;
	read_status(ctx, q);
}

/* Each unit's state from the manager, one after the other. */
static void
read_status(struct action_ctx *ctx, struct svc_req *q)
{
	int r;

	if (q->next == q->nunits) {
		finish(ctx, q);
		return;
	}
	plan_clear(&q->status);
	r = q->be->status(&q->node, &q->units[q->next].u, &q->status);
	if (r == 0)
		r = plan_exec(ctx, &q->status, status_read, q);
	if (r < 0)
		fail(ctx, q, STATUS_UNKNOWN_ERROR, "status of %s: %s",
		    q->units[q->next].u.unit, error_str(r));
}

static void
performed(
    struct action_ctx *ctx, int ok, const char *why, const char *out, void *arg)
{
	struct svc_req *q = arg;

	(void)out;
	if (!ok) {
		q->failed = 1;
		snprintf(q->why, sizeof(q->why), "%s%s", why,
		    q->drained ? "; the app's server stays drained in its load "
				 "balancer"
			       : "");
	}
	if (action_dry_run(ctx)) {
		json_t *data = result(q);

		json_object_set_new(data, "plan", plan_to_json(&q->plan));
		reply(ctx, q, STATUS_OK, "OK", data);
		return;
	}
	read_status(ctx, q);
}

static void
answer_logs(struct action_ctx *ctx, struct svc_req *q)
{
	json_t *logs = json_array(), *data;

	for (size_t i = 0; i < q->nunits; i++) {
		char **argv = q->be->logs(&q->node, &q->units[i].u);
		json_t *a = json_array();

		for (char **v = argv; v != NULL && *v != NULL; v++)
			json_array_append_new(a, json_string(*v));
		strv_free(argv);
		json_array_append_new(logs,
		    json_pack("{s:s,s:s,s:o}", "daemon", q->units[i].u.daemon,
			"unit", q->units[i].u.unit, "argv", a));
	}
	data = json_pack("{s:s,s:o}", "manager", q->node.manager, "logs", logs);
	reply(ctx, q, STATUS_OK, "OK", data);
}

static void
locked(struct action_ctx *ctx, void *arg)
{
	struct svc_req *q = arg;
	char where[512];
	struct error err;
	int r;

	if (load_conf(ctx, q) < 0)
		return;
	if (q->op == OP_CONFIG) {
		reply(ctx, q, STATUS_OK, "OK",
		    json_pack("{s:o}", "config", appconf_to_json(q->conf)));
		return;
	}
	if (build_units(ctx, q) < 0)
		return;
	if (q->op == OP_LOGS) {
		answer_logs(ctx, q);
		return;
	}
	error_init(&err, q->app);
	if ((r = build_plan(ctx, q, &err)) == -EINVAL) {
		fail(ctx, q, STATUS_INVALID_DATA, "app %s: %s", q->app,
		    error_format(&err, where, sizeof(where)));
		return;
	}
	if (r == -ENOTSUP) {
		fail(ctx, q, STATUS_INVALID_DATA, "app %s: %s", q->app,
		    err.text);
		return;
	}
	if (r < 0) {
		fail(ctx, q, STATUS_UNKNOWN_ERROR, "app %s: %s", q->app,
		    error_str(r));
		return;
	}
	/* status reads each daemon after the plan; the plan is its own
	 * answer only under dry_run. */
	if (q->op == OP_STATUS && !action_dry_run(ctx))
		plan_clear(&q->plan);
	if (action_dry_run(ctx))
		for (size_t i = 0; i < q->nunits; i++)
			json_array_append_new(
			    q->daemons, unit_json(&q->units[i].u));
	if ((r = plan_exec(ctx, &q->plan, performed, q)) < 0)
		fail(ctx, q, STATUS_UNKNOWN_ERROR, "%s", error_str(r));
}

static void
run(struct action_ctx *ctx, const json_t *input, enum svc_op op)
{
	const struct node_apps *a = action_node(ctx)->apps;
	const char *app = json_string_value(json_object_get(input, "app"));
	const char *daemon =
	    json_string_value(json_object_get(input, "daemon"));
	char key[NAME_APP_MAX + 16];
	struct svc_req *q;
	int r;

	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->daemons = json_array()) == NULL) {
		free(q);
		action_done(ctx, STATUS_UNKNOWN_ERROR, "out of memory", NULL);
		return;
	}
	q->op = op;
	svc_node_settings(a, &q->node);
	if (app == NULL || !name_ok(NAME_APP, app)) {
		fail(ctx, q, STATUS_INVALID_DATA, "app: %s",
		    app != NULL ? name_why(NAME_APP, app) : "missing");
		return;
	}
	snprintf(q->app, sizeof(q->app), "%s", app);
	snprintf(
	    q->daemon, sizeof(q->daemon), "%s", daemon != NULL ? daemon : "");
	if (op != OP_CONFIG && (q->be = svc_backend_find(a->manager)) == NULL) {
		fail(ctx, q, STATUS_UNKNOWN_ERROR,
		    "no service manager: [apps] service_manager is auto and "
		    "none was found running at start (metactld.conf(5))");
		return;
	}
	if (op == OP_CONFIG || op == OP_LOGS) {
		locked(ctx, q);
		return;
	}
	snprintf(key, sizeof(key), "service:%s", q->app);
	if ((r = action_lock(ctx, key, locked, q)) < 0)
		fail(ctx, q, STATUS_UNKNOWN_ERROR, "lock %s: %s", key,
		    error_str(r));
}

#define ACTION(name, op) \
	static void name(struct action_ctx *ctx, const json_t *input) \
	{ \
		run(ctx, input, op); \
	}
ACTION(action_start_, OP_START)
ACTION(action_stop_, OP_STOP)
ACTION(action_restart_, OP_RESTART)
ACTION(action_reload_, OP_RELOAD)
ACTION(action_status_, OP_STATUS)
ACTION(action_config_, OP_CONFIG)
ACTION(action_logs_, OP_LOGS)
#undef ACTION

static const struct plugin_action service_actions[] = {
    {"start", action_start_},
    {"stop", action_stop_},
    {"restart", action_restart_},
    {"reload", action_reload_},
    {"status", action_status_},
    {"config", action_config_},
    {"logs", action_logs_},
    {NULL, NULL},
};

const struct plugin plugin_service = {
    .name = "service",
    .version = PACKAGE_VERSION,
    .actions = service_actions,
};

/*
 * action.c: the action context of plugins/plugin.h. action_submit()
 * builds it (the one constructor), the queue starts it, and action_done()
 * sends the signed reply and ends it; in between the plugin reads it and
 * runs programs (through spawn.c), takes locks (through queue.c) and logs.
 */
#include "buildconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/registry.h"
#include "agentd.h"
#include "amqpio.h"
#include "action.h"
#include "metrics.h"
#include "spawn.h"
#include "strv.h"

/* One action_spawn() whose callback has not run yet. */
struct action_run {
	LIST_ENTRY(action_run) entry;
	struct action_ctx *ctx;
	struct spawn *spawn;
	action_spawn_cb cb;
	void *arg;
};

static void
ctx_free(struct action_ctx *ctx)
{
	if (ctx->sink != NULL)
		ctx->sink->release(ctx->sink);
	free(ctx->caller);
	free(ctx->agent);
	free(ctx->action);
	json_decref(ctx->input);
	json_decref(ctx->audit_args);
	json_decref(ctx->commands);
	json_decref(ctx->stats);
	json_decref(ctx->running);
	json_decref(ctx->last_runs);
	strv_free(ctx->collectives);
	free(ctx->agents);
	free(ctx->agent_ddls);
	node_free(ctx->node);
	free(ctx->apps_buf);
	free(ctx);
}

const char *
action_agent(const struct action_ctx *ctx)
{
	return ctx->agent;
}

const char *
action_name(const struct action_ctx *ctx)
{
	return ctx->action;
}

const char *
action_request_id(const struct action_ctx *ctx)
{
	return ctx->id;
}

const char *
action_caller(const struct action_ctx *ctx)
{
	return ctx->caller;
}

int
action_dry_run(const struct action_ctx *ctx)
{
	return ctx->dry_run;
}

int64_t
action_deadline_ms(const struct action_ctx *ctx)
{
	return ctx->deadline_ms;
}

const struct node_info *
action_node(const struct action_ctx *ctx)
{
	return &ctx->info;
}

void *
action_plugin_data(const struct action_ctx *ctx)
{
	return ctx->plugin_data;
}

void
action_log(
    const struct action_ctx *ctx, enum log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	switch (level) {
	case LOG_LEVEL_ERR:
	case LOG_LEVEL_WARN:
		log_warnx("request %s: %s.%s: %s", ctx->id, ctx->agent,
		    ctx->action, msg);
		break;
	case LOG_LEVEL_INFO:
		log_info("request %s: %s.%s: %s", ctx->id, ctx->agent,
		    ctx->action, msg);
		break;
	default:
		log_debug("request %s: %s.%s: %s", ctx->id, ctx->agent,
		    ctx->action, msg);
		break;
	}
}

static json_t *
stats_json(const struct agentd *d)
{
	struct amqpio_stats st;

	memset(&st, 0, sizeof(st));
	if (d->broker != NULL)
		broker_stats(d->broker, &st);
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:i,s:i,s:I,s:I}", "received",
	    (json_int_t)d->stats.received, "replied",
	    (json_int_t)d->stats.replied, "dropped",
	    (json_int_t)d->stats.dropped, "refused",
	    (json_int_t)d->stats.refused, "actions",
	    (json_int_t)d->stats.actions, "running", (int)d->actions.nrunning,
	    "queued", (int)d->actions.nwaiting, "replies_dropped",
	    (json_int_t)st.dropped, "reconnects", (json_int_t)st.reconnects);
}

/*
 * The [apps] settings, copied: a reload may replace d->conf while the
 * action runs. The strings go one after the other into ctx->apps_buf.
 */
static int
snapshot_apps(struct action_ctx *ctx)
{
	const struct conf *c = &ctx->d->conf;
	struct node_apps *a = &ctx->apps;
	const char *manager = ctx->d->apps_manager;
	const char *sdir = c->apps_service_dir;
	const char *src[10];
	const char **dst[10] = {&a->dir, &a->node_dir, &a->manager,
	    &a->service_dir, &a->supervise_dir, &a->cron_dir, &a->java,
	    &a->jetty_home, &a->svwait, &a->nft};
	size_t len = 0, i;
	char *p;

	if (manager == NULL && c->apps_manager > 0)
		manager = conf_managers[c->apps_manager];
	if (sdir == NULL && manager != NULL)
		sdir = conf_manager_service_dir(manager);
	src[0] = c->apps_dir;
	src[1] = c->apps_node_dir;
	src[2] = manager;
	src[3] = manager != NULL ? sdir : NULL;
	src[4] = c->apps_supervise_dir;
	src[5] = c->apps_cron_dir;
	src[6] = c->apps_java;
	src[7] = c->apps_jetty_home;
	src[8] = c->apps_svwait;
	src[9] = c->apps_nft;
	for (i = 0; i < 10; i++)
		len += src[i] != NULL ? strlen(src[i]) + 1 : 0;
	if ((p = ctx->apps_buf = malloc(len + 1)) == NULL)
		return -ENOMEM;
	for (i = 0; i < 10; i++) {
		*dst[i] = NULL;
		if (src[i] == NULL)
			continue;
		*dst[i] = strcpy(p, src[i]);
		p += strlen(src[i]) + 1;
	}
	a->start_timeout_ms = c->apps_start_timeout_ms;
	a->start_grace_ms = c->apps_start_grace_ms;
	return 0;
}

/* The actions running besides ctx, for node_info.running. */
static json_t *
running_json(const struct action_ctx *ctx)
{
	const struct action_ctx *c;
	json_t *a = json_array();

	if (a == NULL)
		return NULL;
	TAILQ_FOREACH(c, &ctx->d->actions.running, entry)
	{
		if (c == ctx)
			continue;
		json_array_append_new(a,
		    json_pack("{s:s,s:s,s:s,s:s,s:I}", "agent", c->agent,
			"action", c->action, "caller", c->caller, "id", c->id,
			"since", (json_int_t)c->start_ms));
	}
	return a;
}

/* Records the run that ends now as its action's last one. */
static void
remember_run(struct agentd *d, const struct action_ctx *ctx, int status)
{
	char key[256];

	if (ctx->dry_run)
		return;
	if (d->last_runs == NULL && (d->last_runs = json_object()) == NULL)
		return;
	snprintf(key, sizeof(key), "%s.%s", ctx->agent, ctx->action);
	json_object_set_new(d->last_runs, key,
	    json_pack("{s:I,s:s,s:i}", "at", (json_int_t)message_now_ms(),
		"caller", ctx->caller, "status", status));
}

/*
 * The node as the action sees it, taken now. The registry does not change
 * while an action runs (a reload waits for none to run), so the agents'
 * names and DDLs are borrowed from it.
 */
static int
snapshot(struct action_ctx *ctx)
{
	struct agentd *d = ctx->d;
	struct node_info *i = &ctx->info;
	size_t n = d->registry != NULL ? registry_count(d->registry) : 0;

	ctx->node = node_hold(d->node);
	if ((ctx->collectives =
		    strv_copy((const char *const *)d->conf.collectives,
			d->conf.ncollectives)) == NULL ||
	    (ctx->agents = calloc(n + 1, sizeof(char *))) == NULL ||
	    (ctx->agent_ddls = calloc(n + 1, sizeof(struct ddl *))) == NULL ||
	    (ctx->stats = stats_json(d)) == NULL || snapshot_apps(ctx) < 0 ||
	    (ctx->running = running_json(ctx)) == NULL ||
	    (ctx->last_runs = d->last_runs != NULL
		    ? json_deep_copy(d->last_runs)
		    : json_object()) == NULL)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		ctx->agents[k] = registry_agent(d->registry, k);
		ctx->agent_ddls[k] = registry_ddl(d->registry, ctx->agents[k]);
	}
	i->identity = d->conf.identity;
	i->version = PACKAGE_VERSION;
	i->facts = ctx->node->facts;
	i->classes = (const char *const *)ctx->node->classes;
	i->nclasses = ctx->node->nclasses;
	i->collectives = (const char *const *)ctx->collectives;
	i->ncollectives = d->conf.ncollectives;
	i->agents = ctx->agents;
	i->agent_ddls = ctx->agent_ddls;
	i->nagents = n;
	i->start_ms = d->start_ms;
	i->stats = ctx->stats;
	i->apps = &ctx->apps;
	i->running = ctx->running;
	i->last_runs = ctx->last_runs;
	return 0;
}

void
action_start(struct action_ctx *ctx)
{
	ctx->d->stats.actions++;
	ctx->start_ns = uv_hrtime();
	ctx->start_ms = message_now_ms();
	if (snapshot(ctx) < 0) {
		action_done(ctx, STATUS_UNKNOWN_ERROR, "out of memory", NULL);
		return;
	}
	/* A synchronous action_done() leaves the free to us. */
	ctx->in_run = 1;
	ctx->impl->run(ctx, ctx->input);
	ctx->in_run = 0;
	if (ctx->done)
		ctx_free(ctx);
}

void
action_refuse(struct action_ctx *ctx, const char *why)
{
	agentd_audit(ctx->d, ctx->id, ctx->caller, ctx->agent, ctx->action,
	    ctx->audit_args, "rejected", STATUS_ABORTED, why);
	dispatch_reply(ctx->d, ctx->sink, ctx->id, STATUS_ABORTED, why, NULL);
	ctx_free(ctx);
}

void
action_submit(struct agentd *d, const struct action_start *s)
{
	struct action_ctx *ctx = calloc(1, sizeof(*ctx));

	if (ctx == NULL || (ctx->caller = strdup(s->caller)) == NULL ||
	    (ctx->agent = strdup(s->agent)) == NULL ||
	    (ctx->action = strdup(s->action)) == NULL ||
	    (ctx->commands = json_array()) == NULL) {
		json_decref(s->input);
		if (ctx != NULL)
			ctx_free(ctx);
		log_warnx("request %s: out of memory", s->id);
		dispatch_reply(d, s->sink, s->id, STATUS_UNKNOWN_ERROR,
		    "out of memory", NULL);
		return;
	}
	ctx->d = d;
	snprintf(ctx->id, sizeof(ctx->id), "%s", s->id);
	ctx->input = s->input;
	ctx->audit_args =
	    s->audit_args ? json_incref((json_t *)s->audit_args) : NULL;
	ctx->dry_run = s->dry_run;
	ctx->deadline_ms = s->deadline_ms;
	ctx->impl = s->impl;
	ctx->plugin_data = s->plugin_data;
	ctx->sink = s->sink;
	ctx->sink->hold(ctx->sink);
	LIST_INIT(&ctx->runs);
	queue_submit(d, ctx);
}

/* Where the replies of internal actions go: nowhere (action_done() has
 * logged and audited them). */
static void
sink_drop(struct reply_sink *s, const char *buf, size_t len)
{
	(void)s;
	(void)buf;
	(void)len;
}

static void
sink_keep(struct reply_sink *s)
{
	(void)s;
}

static struct reply_sink internal_sink = {
    .send = sink_drop, .hold = sink_keep, .release = sink_keep};

void
action_recover_all(struct agentd *d)
{
	size_t n = d->registry != NULL ? registry_count(d->registry) : 0;

	for (size_t i = 0; i < n; i++) {
		const struct plugin_action *impl =
		    registry_recover(d->registry, i);
		struct action_start s = {
		    .id = "recover-at-start",
		    .caller = "metactld",
		    .agent = registry_agent(d->registry, i),
		    .action = "recover",
		    .impl = impl,
		    .sink = &internal_sink,
		};

		if (impl == NULL || (s.input = json_object()) == NULL)
			continue;
		log_info("%s: recovering interrupted work", s.agent);
		action_submit(d, &s);
	}
}

void
action_kill(struct action_ctx *ctx)
{
	struct action_run *run;

	LIST_FOREACH(run, &ctx->runs, entry)
	spawn_kill(run->spawn);
}

void
action_done(struct action_ctx *ctx, int status, const char *msg, json_t *data)
{
	struct agentd *d = ctx->d;
	struct action_run *run;

	if (ctx->done) {
		log_warnx("%s.%s completed twice; the second result is dropped",
		    ctx->agent, ctx->action);
		json_decref(data);
		return;
	}
	ctx->done = 1;
	metrics_duration(d->metrics, d->registry, ctx->agent, ctx->action,
	    (double)(uv_hrtime() - ctx->start_ns) / 1e9);
	if (data == NULL)
		data = json_object();
	if (!json_is_object(data)) {
		json_t *o = json_object();

		json_object_set_new(o, "result", data);
		data = o;
	}
	if (ctx->dry_run)
		json_object_set(data, "commands", ctx->commands);
	if (msg == NULL)
		msg = message_status_str(status);
	agentd_audit(d, ctx->id, ctx->caller, ctx->agent, ctx->action,
	    ctx->audit_args, "allowed", status, msg);
	remember_run(d, ctx, status);
	log_info("request %s: %s.%s done: %d %s", ctx->id, ctx->agent,
	    ctx->action, status, msg);
	if (ctx->sink != &internal_sink) /* recover: nobody to answer */
		dispatch_reply(d, ctx->sink, ctx->id, status, msg, data);
	else
		json_decref(data);
	ctx->sink->release(ctx->sink);
	ctx->sink = NULL;
	/* Children still running belong to nobody now: end them. */
	while ((run = LIST_FIRST(&ctx->runs)) != NULL) {
		LIST_REMOVE(run, entry);
		spawn_cancel(run->spawn);
		free(run);
	}
	queue_done(d, ctx);
	if (!ctx->in_run)
		ctx_free(ctx);
}

static void
spawned(const struct spawn_result *r, void *arg)
{
	struct action_run *run = arg;
	struct action_ctx *ctx = run->ctx;
	action_spawn_cb cb = run->cb;
	void *cb_arg = run->arg;

	LIST_REMOVE(run, entry);
	free(run);
	cb(ctx, r, cb_arg);
}

int
action_spawn(struct action_ctx *ctx, const struct spawn_options *o,
    action_spawn_cb cb, void *arg)
{
	struct agentd *d = ctx->d;
	struct action_run *run;
	char what[MESSAGE_ID_LEN + 16];
	struct spawn_params p = {
	    .env = o != NULL ? o->env : NULL,
	    .cwd = o != NULL ? o->cwd : NULL,
	    .input = o != NULL ? o->input : NULL,
	    .input_len = o != NULL ? o->input_len : 0,
	    .out_max = d->conf.output_max,
	    .err_max = d->conf.output_max,
	    .dry_run = ctx->dry_run && !(o != NULL && o->dry_run_too),
	    .what = what,
	};
	int r;

	if (ctx->done || o == NULL || cb == NULL)
		return -EINVAL;
	p.argv = o->argv;
	p.timeout_ms = o->timeout_ms > 0 ? (uint64_t)o->timeout_ms
					 : (uint64_t)d->conf.action_timeout_ms;
	snprintf(what, sizeof(what), "request %s", ctx->id);
	if ((run = calloc(1, sizeof(*run))) == NULL)
		return -ENOMEM;
	run->ctx = ctx;
	run->cb = cb;
	run->arg = arg;
	if ((r = spawn_start(d->loop, &p, spawned, run, &run->spawn)) < 0) {
		free(run);
		if (o->argv != NULL && o->argv[0] != NULL)
			action_log(ctx, LOG_LEVEL_WARN, "cannot run %s: %s",
			    o->argv[0], error_str(r));
		return r;
	}
	LIST_INSERT_HEAD(&ctx->runs, run, entry);
	if (p.dry_run) {
		json_t *a = json_array();

		for (size_t i = 0; o->argv[i] != NULL; i++)
			json_array_append_new(a, json_string(o->argv[i]));
		json_array_append_new(ctx->commands, a);
		action_log(
		    ctx, LOG_LEVEL_INFO, "dry-run: would run %s", o->argv[0]);
	} else {
		action_log(ctx, LOG_LEVEL_INFO, "running %s (pid %d)",
		    o->argv[0], (int)spawn_pid(run->spawn));
	}
	return 0;
}

int
action_lock(struct action_ctx *ctx, const char *key,
    void (*cb)(struct action_ctx *ctx, void *arg), void *arg)
{
	if (ctx->done || key == NULL || cb == NULL)
		return -EINVAL;
	return queue_lock(&ctx->d->actions, ctx, key, cb, arg);
}

/*
 * action.c: the action context of plugins/plugin.h, and what the agent
 * owns around it: the concurrency limit and its queue, child processes
 * (uv_spawn, own process group, timeout, capped capture, dry-run), per-key
 * locks, and the signed reply once the action is done.
 */
#include "buildconf.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "plugins/plugin.h"
#include "agentd.h"
#include "strv.h"

#define ACTION_ARGV_MAX 256

struct spawn;
struct waiter;

struct action_ctx {
	TAILQ_ENTRY(action_ctx) entry; /* queue, then running list */
	struct agentd *d;
	char id[MESSAGE_ID_LEN + 1];
	char *caller;
	char *agent;
	char *action;
	json_t *input;
	json_t *audit_args;
	int dry_run;
	const struct plugin_action *impl;
	void *plugin_data;
	struct reply_sink *sink;
	long long timeout_ms;

	struct node *node; /* held while the action runs */
	struct node_info info;
	char **collectives;
	char **agents;
	json_t *stats;

	json_t *commands; /* dry-run: argv of every command not run */
	LIST_HEAD(, spawn) spawns;
	unsigned pending; /* spawns and callbacks that still refer to us */
	int done;
};

TAILQ_HEAD(ctx_list, action_ctx);
static struct ctx_list running_list = TAILQ_HEAD_INITIALIZER(running_list);
static struct ctx_list queue_list = TAILQ_HEAD_INITIALIZER(queue_list);
static unsigned nrunning, nqueued;
void (*action_idle_cb)(struct agentd *d);

/* Per-key locks. */
struct waiter {
	TAILQ_ENTRY(waiter) entry;
	struct action_ctx *ctx;
	void (*cb)(struct action_ctx *ctx, void *arg);
	void *arg;
};
struct lock {
	LIST_ENTRY(lock) entry;
	char *key;
	struct action_ctx *holder;
	TAILQ_HEAD(, waiter) waiters;
};
static LIST_HEAD(, lock) locks = LIST_HEAD_INITIALIZER(locks);

struct capture {
	char *buf;
	size_t len, max;
	int truncated;
};

struct spawn {
	LIST_ENTRY(spawn) entry;
	struct action_ctx *ctx;
	action_spawn_cb cb;
	void *arg;
	uv_process_t proc;
	uv_pipe_t in, out, err;
	uv_timer_t timer;
	uv_write_t wreq;
	char *input;
	struct capture cout, cerr;
	int open_handles;
	int started, exited, out_eof, err_eof, timed_out, finished;
	int64_t status;
	int term_signal;
	int dry; /* dry-run: only the timer is used, to call back later */
};

static void start_next(void);

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
	strv_free(ctx->collectives);
	strv_free(ctx->agents);
	node_free(ctx->node);
	free(ctx);
}

/* Frees the ctx once it is done and nothing refers to it. */
static void
ctx_maybe_free(struct action_ctx *ctx)
{
	if (ctx->done && ctx->pending == 0)
		ctx_free(ctx);
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

unsigned
action_running(void)
{
	return nrunning;
}

unsigned
action_queued(void)
{
	return nqueued;
}

static json_t *
stats_json(const struct agentd *d)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:i,s:i}", "received",
	    (json_int_t)d->stats.received, "replied",
	    (json_int_t)d->stats.replied, "dropped",
	    (json_int_t)d->stats.dropped, "refused",
	    (json_int_t)d->stats.refused, "actions",
	    (json_int_t)d->stats.actions, "running", (int)nrunning, "queued",
	    (int)nqueued);
}

static void
ctx_run(struct action_ctx *ctx)
{
	struct agentd *d = ctx->d;

	ctx->node = node_hold(d->node);
	ctx->collectives = strv_copy(
	    (const char *const *)d->conf.collectives, d->conf.ncollectives);
	ctx->agents = strv_copy(d->agents, d->nagents);
	ctx->stats = stats_json(d);
	ctx->info.identity = d->conf.identity;
	ctx->info.version = PACKAGE_VERSION;
	ctx->info.facts = ctx->node->facts;
	ctx->info.classes = (const char *const *)ctx->node->classes;
	ctx->info.nclasses = ctx->node->nclasses;
	ctx->info.collectives = (const char *const *)ctx->collectives;
	ctx->info.ncollectives = ctx->collectives ? d->conf.ncollectives : 0;
	ctx->info.agents = (const char *const *)ctx->agents;
	ctx->info.nagents = ctx->agents ? d->nagents : 0;
	ctx->info.start_ms = d->start_ms;
	ctx->info.stats = ctx->stats;
	nrunning++;
	d->stats.actions++;
	TAILQ_INSERT_TAIL(&running_list, ctx, entry);
	/* A synchronous action_done() must not free ctx under our feet. */
	ctx->pending++;
	ctx->impl->run(ctx, ctx->input);
	ctx->pending--;
	ctx_maybe_free(ctx);
}

void
action_submit(struct agentd *d, const struct action_start *s)
{
	struct action_ctx *ctx = calloc(1, sizeof(*ctx));

	if (ctx == NULL || (ctx->caller = strdup(s->caller)) == NULL ||
	    (ctx->agent = strdup(s->agent)) == NULL ||
	    (ctx->action = strdup(s->action)) == NULL) {
		json_decref(s->input);
		if (ctx != NULL) {
			free(ctx->caller);
			free(ctx->agent);
			free(ctx);
		}
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
	ctx->impl = s->impl;
	ctx->plugin_data = s->plugin_data;
	ctx->sink = s->sink;
	ctx->sink->hold(ctx->sink);
	ctx->commands = json_array();
	ctx->timeout_ms = d->conf.action_timeout_ms;
	LIST_INIT(&ctx->spawns);

	if (nrunning < d->conf.actions_max) {
		ctx_run(ctx);
		return;
	}
	if (nqueued >= d->conf.queue_max) {
		log_warnx("request %s from %s for %s.%s refused: %u actions "
			  "running and %u queued",
		    ctx->id, ctx->caller, ctx->agent, ctx->action, nrunning,
		    nqueued);
		d->stats.refused++;
		agentd_audit(d, ctx->id, ctx->caller, ctx->agent, ctx->action,
		    ctx->audit_args, "rejected", STATUS_ABORTED,
		    error_str(MCE_BUSY));
		dispatch_reply(d, ctx->sink, ctx->id, STATUS_ABORTED,
		    error_str(MCE_BUSY), NULL);
		ctx->done = 1;
		ctx_maybe_free(ctx);
		return;
	}
	nqueued++;
	TAILQ_INSERT_TAIL(&queue_list, ctx, entry);
	log_debug("request %s queued (%u waiting)", ctx->id, nqueued);
}

static void
start_next(void)
{
	struct action_ctx *ctx;

	while ((ctx = TAILQ_FIRST(&queue_list)) != NULL &&
	    nrunning < ctx->d->conf.actions_max) {
		TAILQ_REMOVE(&queue_list, ctx, entry);
		nqueued--;
		ctx_run(ctx);
	}
}

void
action_drain_queue(struct agentd *d)
{
	struct action_ctx *ctx;

	while ((ctx = TAILQ_FIRST(&queue_list)) != NULL) {
		TAILQ_REMOVE(&queue_list, ctx, entry);
		nqueued--;
		log_warnx("request %s from %s for %s.%s refused: agent is "
			  "shutting down",
		    ctx->id, ctx->caller, ctx->agent, ctx->action);
		agentd_audit(d, ctx->id, ctx->caller, ctx->agent, ctx->action,
		    ctx->audit_args, "rejected", STATUS_ABORTED,
		    "agent is shutting down");
		dispatch_reply(d, ctx->sink, ctx->id, STATUS_ABORTED,
		    "agent is shutting down", NULL);
		ctx->done = 1;
		ctx_maybe_free(ctx);
	}
}

static void
locks_release(struct action_ctx *ctx)
{
	struct lock *l, *ln;

	for (l = LIST_FIRST(&locks); l != NULL; l = ln) {
		struct waiter *w, *wn;

		ln = LIST_NEXT(l, entry);
		/* A finished action no longer waits for anything. */
		for (w = TAILQ_FIRST(&l->waiters); w != NULL; w = wn) {
			wn = TAILQ_NEXT(w, entry);
			if (w->ctx == ctx) {
				TAILQ_REMOVE(&l->waiters, w, entry);
				w->ctx->pending--;
				free(w);
			}
		}
		if (l->holder != ctx)
			continue;
		if ((w = TAILQ_FIRST(&l->waiters)) == NULL) {
			LIST_REMOVE(l, entry);
			free(l->key);
			free(l);
			continue;
		}
		TAILQ_REMOVE(&l->waiters, w, entry);
		l->holder = w->ctx;
		w->ctx->pending--;
		w->cb(w->ctx, w->arg);
		free(w);
		/* The callback may have changed the list: start over. */
		ln = LIST_FIRST(&locks);
	}
}

int
action_lock(struct action_ctx *ctx, const char *key,
    void (*cb)(struct action_ctx *ctx, void *arg), void *arg)
{
	struct lock *l;
	struct waiter *w;

	LIST_FOREACH(l, &locks, entry)
	if (strcmp(l->key, key) == 0)
		break;
	if (l == NULL) {
		if ((l = calloc(1, sizeof(*l))) == NULL ||
		    (l->key = strdup(key)) == NULL) {
			free(l);
			return -ENOMEM;
		}
		TAILQ_INIT(&l->waiters);
		LIST_INSERT_HEAD(&locks, l, entry);
	}
	if (l->holder == NULL || l->holder == ctx) {
		l->holder = ctx;
		cb(ctx, arg);
		return 0;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	w->ctx = ctx;
	w->cb = cb;
	w->arg = arg;
	ctx->pending++;
	TAILQ_INSERT_TAIL(&l->waiters, w, entry);
	log_debug("request %s waits for lock %s", ctx->id, key);
	return 0;
}

void
action_done(struct action_ctx *ctx, int status, const char *msg, json_t *data)
{
	struct agentd *d = ctx->d;
	struct spawn *s;

	if (ctx->done) {
		log_warnx("%s.%s completed twice; the second result is dropped",
		    ctx->agent, ctx->action);
		json_decref(data);
		return;
	}
	ctx->done = 1;
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
	log_info("request %s: %s.%s done: %d %s", ctx->id, ctx->agent,
	    ctx->action, status, msg);
	dispatch_reply(d, ctx->sink, ctx->id, status, msg, data);
	ctx->sink->release(ctx->sink);
	ctx->sink = NULL;
	/* Children still running belong to nobody now: end them. */
	LIST_FOREACH(s, &ctx->spawns, entry)
	if (!s->dry && s->started && !s->exited)
		uv_kill(-s->proc.pid, SIGKILL);
	TAILQ_REMOVE(&running_list, ctx, entry);
	nrunning--;
	locks_release(ctx);
	ctx_maybe_free(ctx);
	start_next();
	if (nrunning == 0 && action_idle_cb != NULL)
		action_idle_cb(d);
}

void
action_kill_all(void)
{
	struct action_ctx *ctx;
	struct spawn *s;

	TAILQ_FOREACH(ctx, &running_list, entry)
	LIST_FOREACH(s, &ctx->spawns, entry)
	if (!s->dry && s->started && !s->exited)
		uv_kill(-s->proc.pid, SIGKILL);
}

/* Child processes. */

static void
spawn_handle_closed(uv_handle_t *h)
{
	struct spawn *s = h->data;
	struct action_ctx *ctx = s->ctx;

	if (--s->open_handles > 0)
		return;
	LIST_REMOVE(s, entry);
	free(s->cout.buf);
	free(s->cerr.buf);
	free(s->input);
	free(s);
	ctx->pending--;
	ctx_maybe_free(ctx);
}

static void
spawn_close(struct spawn *s)
{
	uv_handle_t *hs[] = {(uv_handle_t *)&s->proc, (uv_handle_t *)&s->in,
	    (uv_handle_t *)&s->out, (uv_handle_t *)&s->err,
	    (uv_handle_t *)&s->timer};

	for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++)
		if (hs[i]->data == s && !uv_is_closing(hs[i]))
			uv_close(hs[i], spawn_handle_closed);
}

static void
spawn_finish(struct spawn *s)
{
	struct spawn_result r;

	if (s->finished)
		return;
	s->finished = 1;
	memset(&r, 0, sizeof(r));
	if (s->term_signal != 0)
		r.term_signal = s->term_signal;
	else
		r.exit_status = (int)s->status;
	r.timed_out = s->timed_out;
	r.out = s->cout.buf ? s->cout.buf : "";
	r.out_len = s->cout.len;
	r.out_truncated = s->cout.truncated;
	r.err = s->cerr.buf ? s->cerr.buf : "";
	r.err_len = s->cerr.len;
	r.err_truncated = s->cerr.truncated;
	if (!s->ctx->done)
		s->cb(s->ctx, &r, s->arg);
	spawn_close(s);
}

static void
spawn_check(struct spawn *s)
{
	if (s->exited && s->out_eof && s->err_eof)
		spawn_finish(s);
}

static void
spawn_exit(uv_process_t *p, int64_t status, int sig)
{
	struct spawn *s = p->data;

	s->exited = 1;
	s->status = status;
	s->term_signal = sig;
	spawn_check(s);
}

static void
spawn_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct spawn *s = h->data;
	struct capture *c = h == (uv_handle_t *)&s->out ? &s->cout : &s->cerr;
	static char sink[4096];

	if (c->len < c->max)
		*b = uv_buf_init(c->buf + c->len, (unsigned)(c->max - c->len));
	else
		*b = uv_buf_init(sink, sizeof(sink));
}

static void
spawn_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct spawn *s = st->data;
	int is_out = st == (uv_stream_t *)&s->out;
	struct capture *c = is_out ? &s->cout : &s->cerr;

	if (n > 0) {
		if (b->base == c->buf + c->len && c->len < c->max) {
			c->len += (size_t)n;
			c->buf[c->len] = '\0';
		} else {
			c->truncated = 1;
		}
		return;
	}
	if (n == 0)
		return;
	uv_read_stop(st);
	if (is_out)
		s->out_eof = 1;
	else
		s->err_eof = 1;
	spawn_check(s);
}

static void
spawn_timeout(uv_timer_t *t)
{
	struct spawn *s = t->data;

	if (s->dry) {
		s->exited = s->out_eof = s->err_eof = 1;
		spawn_finish(s);
		return;
	}
	if (!s->exited) {
		s->timed_out = 1;
		log_warnx("request %s: %s.%s: child %d timed out, killing its "
			  "process group",
		    s->ctx->id, s->ctx->agent, s->ctx->action, s->proc.pid);
		uv_kill(-s->proc.pid, SIGKILL);
		/* Give the group a moment to go, then stop waiting for EOF. */
		uv_timer_start(&s->timer, spawn_timeout, 1000, 0);
		return;
	}
	/* Exited, but a descendant outside the group holds a pipe open. */
	s->out_eof = s->err_eof = 1;
	spawn_finish(s);
}

static void
spawn_written(uv_write_t *w, int status)
{
	struct spawn *s = w->data;

	if (!uv_is_closing((uv_handle_t *)&s->in))
		uv_close((uv_handle_t *)&s->in, spawn_handle_closed);
}

static int
capture_init(struct capture *c, size_t max)
{
	c->max = max;
	c->len = 0;
	if ((c->buf = malloc(max + 1)) == NULL)
		return -ENOMEM;
	c->buf[0] = '\0';
	return 0;
}

int
action_spawn(struct action_ctx *ctx, const struct spawn_options *o,
    action_spawn_cb cb, void *arg)
{
	static const char *const default_env[] = {
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	    NULL};
	struct agentd *d = ctx->d;
	struct spawn *s;
	uv_process_options_t po;
	uv_stdio_container_t stdio[3];
	size_t argc = 0;
	int r, timeout;

	if (ctx->done || o == NULL || o->argv == NULL || o->argv[0] == NULL ||
	    cb == NULL)
		return -EINVAL;
	while (o->argv[argc] != NULL)
		if (++argc > ACTION_ARGV_MAX)
			return -E2BIG;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	s->ctx = ctx;
	s->cb = cb;
	s->arg = arg;
	timeout = o->timeout_ms > 0 ? o->timeout_ms : (int)ctx->timeout_ms;

	if (ctx->dry_run) {
		json_t *a = json_array();

		for (size_t i = 0; i < argc; i++)
			json_array_append_new(a, json_string(o->argv[i]));
		json_array_append_new(ctx->commands, a);
		log_info(
		    "request %s: dry-run: would run %s", ctx->id, o->argv[0]);
		s->dry = 1;
		uv_timer_init(d->loop, &s->timer);
		s->timer.data = s;
		s->open_handles = 1;
		ctx->pending++;
		LIST_INSERT_HEAD(&ctx->spawns, s, entry);
		uv_timer_start(&s->timer, spawn_timeout, 0, 0);
		return 0;
	}

	if (capture_init(&s->cout, d->conf.output_max) < 0 ||
	    capture_init(&s->cerr, d->conf.output_max) < 0) {
		free(s->cout.buf);
		free(s);
		return -ENOMEM;
	}
	if (o->input != NULL && o->input_len > 0) {
		if ((s->input = malloc(o->input_len)) == NULL) {
			free(s->cout.buf);
			free(s->cerr.buf);
			free(s);
			return -ENOMEM;
		}
		memcpy(s->input, o->input, o->input_len);
	}
	uv_pipe_init(d->loop, &s->out, 0);
	uv_pipe_init(d->loop, &s->err, 0);
	s->out.data = s->err.data = s;
	s->open_handles = 2;
	memset(stdio, 0, sizeof(stdio));
	if (s->input != NULL) {
		uv_pipe_init(d->loop, &s->in, 0);
		s->in.data = s;
		s->open_handles++;
		stdio[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
		stdio[0].data.stream = (uv_stream_t *)&s->in;
	} else {
		stdio[0].flags = UV_IGNORE;
	}
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&s->out;
	stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[2].data.stream = (uv_stream_t *)&s->err;
	memset(&po, 0, sizeof(po));
	po.file = o->argv[0];
	po.args = (char **)o->argv;
	po.env = (char **)(o->env != NULL ? o->env : default_env);
	po.cwd = o->cwd != NULL ? o->cwd : "/";
	/* setsid(): the child leads its own process group. */
	po.flags = UV_PROCESS_DETACHED;
	po.stdio = stdio;
	po.stdio_count = 3;
	po.exit_cb = spawn_exit;
	s->proc.data = s;
	ctx->pending++;
	LIST_INSERT_HEAD(&ctx->spawns, s, entry);
	if ((r = uv_spawn(d->loop, &s->proc, &po)) < 0) {
		log_warnx("request %s: cannot run %s: %s", ctx->id, o->argv[0],
		    uv_strerror(r));
		s->finished = 1; /* no callback */
		s->open_handles++;
		spawn_close(s);
		return r;
	}
	s->started = 1;
	s->open_handles++;
	log_info("request %s: running %s (pid %d)", ctx->id, o->argv[0],
	    s->proc.pid);
	uv_timer_init(d->loop, &s->timer);
	s->timer.data = s;
	s->open_handles++;
	uv_timer_start(&s->timer, spawn_timeout, (uint64_t)timeout, 0);
	uv_read_start((uv_stream_t *)&s->out, spawn_alloc, spawn_read);
	uv_read_start((uv_stream_t *)&s->err, spawn_alloc, spawn_read);
	if (s->input != NULL) {
		uv_buf_t b = uv_buf_init(s->input, (unsigned)o->input_len);

		s->wreq.data = s;
		if (uv_write(&s->wreq, (uv_stream_t *)&s->in, &b, 1,
			spawn_written) < 0)
			uv_close((uv_handle_t *)&s->in, spawn_handle_closed);
	}
	return 0;
}

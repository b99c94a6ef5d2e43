/* req.c: a deploy agent request and its shared helpers. See req.h. */
#include "buildconf.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "error.h"
#include "message.h"
#include "plugins/deploy/req.h"
#include "plugins/service/plan_exec.h"
#include "plugins/service/plan_files.h"

/* The apps with a deploy or rollback under way (one event loop: no
 * locking). */
struct busy {
	struct busy *next;
	struct dep *owner;
	int64_t deadline_ms; /* the owner's action_deadline_ms() */
	char app[NAME_APP_MAX + 1];
	char text[512];
};
static struct busy *busy_list;

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
busy_drop(const struct dep *q)
{
	for (struct busy **b = &busy_list; *b != NULL; b = &(*b)->next)
		if ((*b)->owner == q) {
			struct busy *d = *b;

			*b = d->next;
			free(d);
			return;
		}
}

const char *
busy_text(const char *app)
{
	for (struct busy *b = busy_list; b != NULL; b = b->next)
		if (strcmp(b->app, app) == 0)
			return b->text;
	return NULL;
}

/*
 * The owner of b is past its request's deadline: it is ended (aborted, its
 * programs killed) so that q can run; q's recovery then finishes or undoes
 * what it left half done (its journal).
 */
static void
busy_expire(struct busy *b, const struct dep *q)
{
	char msg[1024];

	snprintf(msg, sizeof(msg),
	    "%s: aborted, its deadline (time + ttl) passed; request %s by %s "
	    "takes over",
	    b->text, action_request_id(q->ctx), action_caller(q->ctx));
	action_log(q->ctx, LOG_LEVEL_WARN, "%s (request %s)", msg,
	    action_request_id(b->owner->ctx));
	dep_fail(b->owner, STATUS_ABORTED, "%s", msg);
}

int
busy_take(struct dep *q, const char *action, char *why, size_t size)
{
	char when[32];
	struct busy *b;

	for (b = busy_list; b != NULL; b = b->next)
		if (strcmp(b->app, q->app) == 0)
			break;
	if (b != NULL && b->deadline_ms > 0 &&
	    message_now_ms() >= b->deadline_ms)
		busy_expire(b, q);
	else if (b != NULL) {
		snprintf(why, size, "busy: %s", b->text);
		return -EBUSY;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return -ENOMEM;
	time_iso((long long)time(NULL), when, sizeof(when));
	b->owner = q;
	b->deadline_ms = action_deadline_ms(q->ctx);
	snprintf(b->app, sizeof(b->app), "%s", q->app);
	snprintf(b->text, sizeof(b->text), "%s of %s %s by %s since %s", action,
	    q->app, q->tag, action_caller(q->ctx), when);
	b->next = busy_list;
	busy_list = b;
	q->busy = 1;
	return 0;
}

/* A request for app; NULL with status and why set. */
static struct dep *
dep_init(struct action_ctx *ctx, const char *app, int *status, char *why,
    size_t size)
{
	const struct node_apps *a = action_node(ctx)->apps;
	struct dep *q;

	*status = STATUS_INVALID_DATA;
	if (app == NULL || !name_ok(NAME_APP, app)) {
		snprintf(why, size, "app: %s",
		    app != NULL ? name_why(NAME_APP, app) : "missing");
		return NULL;
	}
	if (svc_backend_find(a->manager) == NULL) {
		*status = STATUS_UNKNOWN_ERROR;
		snprintf(why, size,
		    "no service manager: [apps] service_manager is auto and "
		    "none was found running at start (metactld.conf(5))");
		return NULL;
	}
	*status = STATUS_UNKNOWN_ERROR;
	snprintf(why, size, "out of memory");
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->steps = json_array()) == NULL ||
	    (q->dry = json_array()) == NULL) {
		if (q != NULL)
			json_decref(q->steps);
		free(q);
		return NULL;
	}
	q->ctx = ctx;
	svc_node_settings(a, &q->node);
	q->be = svc_backend_find(a->manager);
	q->node_dir = a->node_dir;
	snprintf(q->app, sizeof(q->app), "%s", app);
	snprintf(q->appdir, sizeof(q->appdir), "%s/%s", a->dir, app);
	snprintf(q->state, sizeof(q->state), "%s/state", q->appdir);
	return q;
}

struct dep *
dep_new(struct action_ctx *ctx, const json_t *input)
{
	char why[512];
	struct dep *q;
	int status;

	q = dep_init(ctx, json_string_value(json_object_get(input, "app")),
	    &status, why, sizeof(why));
	if (q == NULL) {
		action_log(ctx, LOG_LEVEL_WARN, "%s", why);
		action_done(ctx, status, why, NULL);
	}
	return q;
}

struct dep *
dep_new_quiet(struct action_ctx *ctx, const char *app)
{
	char why[512];
	int status;
	struct dep *q = dep_init(ctx, app, &status, why, sizeof(why));

	if (q == NULL)
		action_log(ctx, LOG_LEVEL_WARN, "app %s: %s", app, why);
	return q;
}

void
dep_free(struct dep *q)
{
	if (q == NULL)
		return;
	if (q->busy)
		busy_drop(q);
	release_clear(&q->rel);
	plan_clear(&q->plan);
	json_decref(q->steps);
	json_decref(q->dry);
	free(q->site);
	free(q);
}

void
dep_reply(struct dep *q, int status, const char *msg, json_t *data)
{
	struct action_ctx *ctx = q->ctx;

	if (status != STATUS_OK)
		action_log(ctx, LOG_LEVEL_WARN, "%s", msg);
	dep_free(q);
	action_done(ctx, status, msg, data);
}

void
dep_fail(struct dep *q, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dep_reply(q, status, msg, NULL);
}

/* A test build's hook: with METACTL_TEST_HOOKS=1 in the environment and
 * state/test-die-at naming step, the agent dies by SIGKILL right after
 * journaling that step (tests/integration/deploy_crash.sh). */
static void
test_die_at(const struct dep *q, const char *step)
{
	char path[4300], want[32] = "";
	FILE *f;

	if (getenv("METACTL_TEST_HOOKS") == NULL)
		return;
	snprintf(path, sizeof(path), "%s/test-die-at", q->state);
	if ((f = fopen(path, "re")) == NULL)
		return;
	if (fgets(want, sizeof(want), f) != NULL)
		want[strcspn(want, "\n")] = '\0';
	fclose(f);
	if (strcmp(want, step) == 0)
		raise(SIGKILL);
}

int
dep_step(struct dep *q, const char *name)
{
	char err[512];
	int r;

	snprintf(q->step, sizeof(q->step), "%s", name);
	q->t_step = now_ms();
	if (action_dry_run(q->ctx) || q->j.action[0] == '\0')
		return 0;
	snprintf(q->j.step, sizeof(q->j.step), "%s", name);
	if ((r = journal_write(q->state, &q->j, err, sizeof(err))) < 0) {
		snprintf(q->why, sizeof(q->why), "journal: %s", err);
		return r;
	}
	test_die_at(q, name);
	return 0;
}

void
dep_step_end(struct dep *q, const char *result, const char *detail)
{
	json_array_append_new(q->steps,
	    json_pack("{s:s,s:s,s:s,s:I}", "step", q->step, "result", result,
		"detail", detail != NULL ? detail : "", "ms",
		(json_int_t)(now_ms() - q->t_step)));
	action_log(q->ctx, LOG_LEVEL_INFO, "step %s: %s%s%s", q->step, result,
	    detail != NULL && detail[0] != '\0' ? ": " : "",
	    detail != NULL ? detail : "");
}

int
dep_files(struct dep *q, const struct plan *p)
{
	char err[512];
	int r;

	if (action_dry_run(q->ctx)) {
		json_t *a = plan_to_json(p);

		json_array_extend(q->dry, a);
		json_decref(a);
		return 0;
	}
	for (size_t i = 0; i < p->n; i++)
		if ((r = plan_file_step(&p->steps[i], err, sizeof(err))) < 0) {
			snprintf(q->why, sizeof(q->why), "%s", err);
			return r;
		}
	return 0;
}

/* dep_spawn(); too: it runs under dry_run as well, listed with a note. */
static int
spawn(struct dep *q, const char *const *argv, const char *const *env,
    const char *cwd, long long timeout_ms, action_spawn_cb cb, int too)
{
	struct spawn_options o = {.argv = argv,
	    .env = env,
	    .cwd = cwd,
	    .timeout_ms = (int)timeout_ms,
	    .dry_run_too = too};
	json_t *a = json_array();
	int r;

	for (size_t i = 0; argv[i] != NULL; i++)
		json_array_append_new(a, json_string(argv[i]));
	if (action_dry_run(q->ctx))
		json_array_append_new(q->dry,
		    json_pack("{s:o,s:s,s:s,s:s?}", "run", a, "cwd",
			cwd != NULL ? cwd : "/", "what", q->step, "note",
			too ? "run under dry_run too: it writes only the "
			      "repository cache, not the app's state"
			    : NULL));
	else
		json_decref(a);
	if ((r = action_spawn(q->ctx, &o, cb, q)) < 0)
		snprintf(q->why, sizeof(q->why), "%s: cannot run %s: %s",
		    q->step, argv[0], error_str(r));
	return r;
}

int
dep_spawn(struct dep *q, const char *const *argv, const char *const *env,
    const char *cwd, long long timeout_ms, action_spawn_cb cb)
{
	return spawn(q, argv, env, cwd, timeout_ms, cb, 0);
}

int
dep_spawn_cache(struct dep *q, const char *const *argv, const char *const *env,
    long long timeout_ms, action_spawn_cb cb)
{
	return spawn(q, argv, env, "/", timeout_ms, cb, 1);
}

static void
planned(
    struct action_ctx *ctx, int ok, const char *why, const char *out, void *arg)
{
	struct dep *q = arg;

	(void)ctx;
	(void)out;
	if (!ok)
		snprintf(q->why, sizeof(q->why), "%s", why);
	q->cont(q, ok);
}

int
dep_plan(struct dep *q, dep_cb cont)
{
	int r;

	q->cont = cont;
	if (action_dry_run(q->ctx)) {
		json_t *a = plan_to_json(&q->plan);

		json_array_extend(q->dry, a);
		json_decref(a);
	}
	if ((r = plan_exec(q->ctx, &q->plan, planned, q)) < 0)
		snprintf(q->why, sizeof(q->why), "%s", error_str(r));
	return r;
}

void
spawn_why(const struct spawn_result *r, char *buf, size_t size)
{
	char line[256];

	spawn_result_errline(r, line, sizeof(line));
	if (r->timed_out)
		snprintf(buf, size, "timed out%s%s", line[0] ? ": " : "", line);
	else if (line[0] != '\0')
		snprintf(buf, size, "%s", line);
	else if (r->term_signal != 0)
		snprintf(buf, size, "killed by signal %d", r->term_signal);
	else
		snprintf(buf, size, "exited with %d", r->exit_status);
}

void
dep_path(const struct dep *q, char *buf, size_t size, const char *what,
    const char *tag)
{
	if (strcmp(what, "new") == 0)
		snprintf(buf, size, "%s/releases/.%s.new", q->appdir, tag);
	else if (strcmp(what, "rel") == 0)
		snprintf(buf, size, "%s/releases/%s", q->appdir, tag);
	else if (strcmp(what, "site") == 0)
		snprintf(buf, size, "%s/sites/%s.conf", q->state, tag);
	else
		snprintf(buf, size, "%s/%s", q->state, what);
}

/*
 * deploy.c: the deploy agent's actions (deploy, rollback, status, remove)
 * and its recovery hook. See deploy.h; the steps are in flow.c.
 */
#include "buildconf.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "message.h"
#include "plugins/deploy/deploy.h"
#include "plugins/deploy/flow.h"

/* A tag from input key: the names table's rule; NULL with q answered. */
static const char *
input_tag(struct dep *q, const json_t *input, const char *key, int optional)
{
	const char *t = json_string_value(json_object_get(input, key));

	if (t == NULL && optional)
		return "";
	if (t == NULL || !name_ok(NAME_TAG, t)) {
		dep_fail(q, STATUS_INVALID_DATA, "%s: %s", key,
		    t != NULL ? name_why(NAME_TAG, t) : "missing");
		return NULL;
	}
	return t;
}

/* Takes the busy entry, then the lock; locked runs under both. */
static void
busy_and_lock(struct dep *q, const char *action,
    void (*locked)(struct action_ctx *ctx, void *arg))
{
	char key[NAME_APP_MAX + 16], why[600];
	int r;

	if (!action_dry_run(q->ctx) &&
	    (r = busy_take(q, action, why, sizeof(why))) < 0) {
		dep_fail(q, r == -EBUSY ? STATUS_ABORTED : STATUS_UNKNOWN_ERROR,
		    "%s", r == -EBUSY ? why : error_str(r));
		return;
	}
	snprintf(key, sizeof(key), "service:%s", q->app);
	if ((r = action_lock(q->ctx, key, locked, q)) < 0)
		dep_fail(
		    q, STATUS_UNKNOWN_ERROR, "lock %s: %s", key, error_str(r));
}

static void
after_recover_deploy(struct dep *q, int ok)
{
	if (!ok) {
		dep_fail(q, STATUS_UNKNOWN_ERROR,
		    "an interrupted action of %s could not be recovered; see "
		    "the agent's log",
		    q->app);
		return;
	}
	if (strcmp(action_name(q->ctx), "rollback") == 0)
		flow_rollback(q);
	else
		flow_deploy(q);
}

static void
locked_deploy(struct action_ctx *ctx, void *arg)
{
	(void)ctx;
	flow_recover(arg, after_recover_deploy);
}

static void
action_deploy_(struct action_ctx *ctx, const json_t *input)
{
	struct dep *q = dep_new(ctx, input);
	const char *tag, *site;

	if (q == NULL || (tag = input_tag(q, input, "tag", 0)) == NULL)
		return;
	snprintf(q->tag, sizeof(q->tag), "%s", tag);
	site = json_string_value(json_object_get(input, "site"));
	if (site != NULL) {
		q->site_len =
		    json_string_length(json_object_get(input, "site"));
		if ((q->site = malloc(q->site_len + 1)) == NULL) {
			dep_fail(q, STATUS_UNKNOWN_ERROR, "out of memory");
			return;
		}
		memcpy(q->site, site, q->site_len + 1);
	}
	busy_and_lock(q, "deploy", locked_deploy);
}

static void
action_rollback_(struct action_ctx *ctx, const json_t *input)
{
	struct dep *q = dep_new(ctx, input);
	const char *to;
	json_t *rec;
	char dir[4400];
	struct stat st;

	if (q == NULL || (to = input_tag(q, input, "to", 1)) == NULL)
		return;
	if (to[0] == '\0') {
		rec = records_load(q->state);
		to = json_string_value(json_object_get(rec, "previous"));
		snprintf(q->tag, sizeof(q->tag), "%s", to != NULL ? to : "");
		json_decref(rec);
	} else
		snprintf(q->tag, sizeof(q->tag), "%s", to);
	if (q->tag[0] == '\0') {
		dep_fail(q, STATUS_INVALID_DATA,
		    "app %s has no previous release to roll back to", q->app);
		return;
	}
	snprintf(dir, sizeof(dir), "%s/releases/%s", q->appdir, q->tag);
	if (stat(dir, &st) < 0) {
		dep_fail(q, STATUS_INVALID_DATA,
		    "app %s has no release %s on this node (%s)", q->app,
		    q->tag, dir);
		return;
	}
	busy_and_lock(q, "rollback", locked_deploy);
}

/* The releases directory's entries with their records. */
static json_t *
releases_json(const struct dep *q, const json_t *rec)
{
	const json_t *rels = json_object_get(rec, "releases");
	json_t *a = json_array();
	char dir[4400];
	struct dirent **ents;
	int n;

	snprintf(dir, sizeof(dir), "%s/releases", q->appdir);
	if ((n = scandir(dir, &ents, NULL, alphasort)) < 0)
		return a;
	for (int i = 0; i < n; i++) {
		const char *t = ents[i]->d_name;
		const json_t *r = json_object_get(rels, t);

		if (t[0] != '.' && name_ok(NAME_TAG, t))
			json_array_append_new(a,
			    json_pack("{s:s,s:O?,s:O?,s:O?}", "tag", t,
				"deployed_at",
				json_object_get(r, "deployed_at"),
				"deployed_by",
				json_object_get(r, "deployed_by"), "site",
				json_object_get(r, "site")));
		free(ents[i]);
	}
	free(ents);
	return a;
}

static void
answer_status(struct dep *q)
{
	json_t *rec = records_load(q->state), *data;
	const char *busy = busy_text(q->app);
	char cur[NAME_TAG_MAX + 1];
	int r;

	if ((r = release_current(q->appdir, cur, sizeof(cur))) < 0) {
		json_decref(rec);
		dep_fail(q, STATUS_UNKNOWN_ERROR, "%s/current: %s", q->appdir,
		    error_str(r));
		return;
	}
	data = json_pack("{s:s?,s:O?,s:o,s:O?,s:s?}", "current",
	    cur[0] != '\0' ? cur : NULL, "previous",
	    json_object_get(rec, "previous"), "releases", releases_json(q, rec),
	    "last", json_object_get(rec, "last"), "busy", busy);
	json_decref(rec);
	dep_reply(q, STATUS_OK, "OK", data);
}

static void
after_recover_status(struct dep *q, int ok)
{
	(void)ok;
	answer_status(q);
}

static void
locked_status(struct action_ctx *ctx, void *arg)
{
	(void)ctx;
	flow_recover(arg, after_recover_status);
}

static void
action_status_(struct action_ctx *ctx, const json_t *input)
{
	struct dep *q = dep_new(ctx, input);
	char key[NAME_APP_MAX + 16];
	struct stat st;
	int r;

	if (q == NULL)
		return;
	if (stat(q->appdir, &st) < 0) {
		dep_fail(q, STATUS_INVALID_DATA, "no app %s in %s", q->app,
		    q->node.apps_dir);
		return;
	}
	/* A deploy under way: say so at once rather than wait for it. */
	if (busy_text(q->app) != NULL) {
		answer_status(q);
		return;
	}
	snprintf(key, sizeof(key), "service:%s", q->app);
	if ((r = action_lock(ctx, key, locked_status, q)) < 0)
		dep_fail(
		    q, STATUS_UNKNOWN_ERROR, "lock %s: %s", key, error_str(r));
}

static void
removed(struct dep *q, int ok)
{
	json_t *data = json_object(), *list = json_array();

	for (size_t i = 0; i < q->plan.n; i++)
		if (q->plan.steps[i].kind == PLAN_REMOVE)
			json_array_append_new(
			    list, json_string(q->plan.steps[i].path));
	json_object_set_new(data, "removed", list);
	if (action_dry_run(q->ctx))
		json_object_set(data, "plan", q->dry);
	if (!ok) {
		char msg[1200];

		snprintf(msg, sizeof(msg), "remove %s: %s", q->app, q->why);
		dep_reply(q, STATUS_ABORTED, msg, data);
		return;
	}
	dep_reply(q, STATUS_OK, "OK", data);
}

static void
after_recover_remove(struct dep *q, int ok)
{
	char dir[4400], link[4400];
	struct error err;
	int r = 0;

	(void)ok;
	error_init(&err, q->app);
	if (release_current(q->appdir, q->tag, sizeof(q->tag)) == 0 &&
	    q->tag[0] != '\0') {
		snprintf(dir, sizeof(dir), "%s/releases/%s", q->appdir, q->tag);
		r = release_load(&q->node, q->node_dir, q->app, q->tag, dir,
		    NULL, 0, &q->rel, &err);
		if (r == 0)
			r = release_remove_plan(
			    &q->node, q->be, q->app, &q->rel, &q->plan, &err);
	}
	snprintf(link, sizeof(link), "%s/current", q->appdir);
	if (r == 0)
		r = plan_remove(&q->plan, q->purge ? q->appdir : link);
	if (r < 0) {
		error_format(&err, q->why, sizeof(q->why));
		removed(q, 0);
		return;
	}
	if (dep_plan(q, removed) < 0)
		removed(q, 0);
}

static void
locked_remove(struct action_ctx *ctx, void *arg)
{
	(void)ctx;
	flow_recover(arg, after_recover_remove);
}

static void
action_remove_(struct action_ctx *ctx, const json_t *input)
{
	struct dep *q = dep_new(ctx, input);

	if (q == NULL)
		return;
	q->purge = json_is_true(json_object_get(input, "purge"));
	busy_and_lock(q, "remove", locked_remove);
}

/* The recovery at start: one dep per app with a journal. */
struct recovery {
	struct action_ctx *ctx;
	size_t pending;
	json_t *apps;
};

static void
recovery_one_done(struct dep *q, int ok)
{
	struct recovery *rc = q->after_arg;

	json_array_append_new(
	    rc->apps, json_pack("{s:s,s:b}", "app", q->app, "recovered", ok));
	dep_free(q);
	if (--rc->pending == 0) {
		action_done(rc->ctx, STATUS_OK, "OK",
		    json_pack("{s:o}", "apps", rc->apps));
		free(rc);
	}
}

static void
recovery_locked(struct action_ctx *ctx, void *arg)
{
	(void)ctx;
	flow_recover(arg, recovery_one_done);
}

/* Locks and recovers app; 0 or a negative code. */
static int
recovery_start(struct recovery *rc, const char *app)
{
	char key[NAME_APP_MAX + 16];
	struct dep *q = dep_new_quiet(rc->ctx, app);
	int r;

	if (q == NULL)
		return -EINVAL;
	q->after_arg = rc;
	rc->pending++;
	snprintf(key, sizeof(key), "service:%s", q->app);
	if ((r = action_lock(rc->ctx, key, recovery_locked, q)) < 0) {
		rc->pending--;
		dep_free(q);
	}
	return r;
}

static void
deploy_recover(struct action_ctx *ctx, const json_t *input)
{
	const char *apps = action_node(ctx)->apps->dir;
	struct recovery *rc = calloc(1, sizeof(*rc));
	struct dirent **ents;
	char path[4400];
	struct stat st;
	int n;

	(void)input;
	if (rc == NULL) {
		action_done(ctx, STATUS_UNKNOWN_ERROR, "out of memory", NULL);
		return;
	}
	rc->ctx = ctx;
	rc->apps = json_array();
	/* Held until every app is recovered, so none finishes early. */
	rc->pending = 1;
	if (apps != NULL && (n = scandir(apps, &ents, NULL, alphasort)) >= 0) {
		for (int i = 0; i < n; i++) {
			const char *a = ents[i]->d_name;

			snprintf(
			    path, sizeof(path), "%s/%s/state/journal", apps, a);
			if (name_ok(NAME_APP, a) && lstat(path, &st) == 0)
				recovery_start(rc, a);
			free(ents[i]);
		}
		free(ents);
	}
	if (--rc->pending == 0) {
		action_done(
		    ctx, STATUS_OK, "OK", json_pack("{s:o}", "apps", rc->apps));
		free(rc);
	}
}

static const struct plugin_action deploy_actions[] = {
    {"deploy", action_deploy_},
    {"rollback", action_rollback_},
    {"status", action_status_},
    {"remove", action_remove_},
    {NULL, NULL},
};

const struct plugin plugin_deploy = {
    .name = "deploy",
    .version = PACKAGE_VERSION,
    .actions = deploy_actions,
    .recover = deploy_recover,
};

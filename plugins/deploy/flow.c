/* flow.c: the steps of a deploy and of a rollback. See flow.h. */
#include "buildconf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "message.h"
#include "strv.h"
#include "plugins/deploy/flow.h"
#include "plugins/deploy/scm.h"
#include "plugins/lbreg/lb.h"

#define BUILD_TIMEOUT_MS (10 * 60 * 1000LL)
#define HEALTH_TIMEOUT_MS (10 * 1000LL)
#define FETCH_TIMEOUT_MS (10 * 60 * 1000LL)
#define KEEP_RELEASES 5
#define OUTPUT_TAIL 2000

static const char *const run_path[] = {
    "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/", NULL};

static void do_switch(struct dep *q);
static void rollback_after(struct dep *q);
static void lb_ready(struct dep *q);
static void run_fetch(
    struct dep *q, char **argv, char **env, action_spawn_cb cb, int cache);
static char **fetch_env(void);

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static json_t *
result_data(struct dep *q, const char *current)
{
	json_t *data = json_object();

	json_object_set_new(data, "previous",
	    q->prev[0] != '\0' ? json_string(q->prev) : json_null());
	json_object_set_new(data, "current",
	    current[0] != '\0' ? json_string(current) : json_null());
	json_object_set_new(data, "rolled_back", json_boolean(q->rolled_back));
	json_object_set(data, "steps", q->steps);
	if (action_dry_run(q->ctx))
		json_object_set(data, "plan", q->dry);
	return data;
}

/* Records the outcome in deploys.json: last, and on success the release. */
static void
record(struct dep *q, const char *status, const char *msg, int ok)
{
	json_t *rec, *rels, *last;
	char when[32], err[512];

	if (action_dry_run(q->ctx))
		return;
	rec = records_load(q->state);
	time_iso((long long)time(NULL), when, sizeof(when));
	if (ok) {
		if ((rels = json_object_get(rec, "releases")) == NULL) {
			rels = json_object();
			json_object_set_new(rec, "releases", rels);
		}
		if (strcmp(action_name(q->ctx), "deploy") == 0)
			json_object_set_new(rels, q->tag,
			    json_pack("{s:s,s:s,s:b}", "deployed_at", when,
				"deployed_by", action_caller(q->ctx), "site",
				q->site != NULL));
		json_object_set_new(rec, "current", json_string(q->tag));
		/* The same release again keeps its previous one. */
		if (strcmp(q->prev, q->tag) != 0)
			json_object_set_new(rec, "previous",
			    q->prev[0] != '\0' ? json_string(q->prev)
					       : json_null());
	}
	last = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "action",
	    action_name(q->ctx), "tag", q->tag, "by", action_caller(q->ctx),
	    "at", when, "status", status, "message", msg);
	json_object_set_new(rec, "last", last);
	if (ok) {
		long long keep = KEEP_RELEASES;
		struct error e;

		error_init(&e, q->app);
		if (q->rel.conf != NULL)
			config_get_int(appconf_config(q->rel.conf), "build",
			    "keep", KEEP_RELEASES, &keep, &e);
		flow_prune(q, rec, keep < 2 ? 2 : keep);
	}
	if (records_save(q->state, rec, err, sizeof(err)) < 0)
		action_log(q->ctx, LOG_LEVEL_WARN, "deploys.json: %s", err);
	json_decref(rec);
}

/* The end of an action whose journal can go. */
static void
journal_done(struct dep *q)
{
	char err[512];

	if (action_dry_run(q->ctx) || q->j.action[0] == '\0')
		return;
	if (journal_clear(q->state, err, sizeof(err)) < 0)
		action_log(q->ctx, LOG_LEVEL_WARN, "journal: %s", err);
	q->j.action[0] = '\0';
}

/* A failure before the switch: current is untouched. */
static void
fail_before(struct dep *q, int status)
{
	char msg[1400], newdir[4300];
	struct plan p = {0};

	dep_step_end(q, "failed", q->why);
	snprintf(msg, sizeof(msg), "%s %s failed at %s: %s; %s unchanged",
	    action_name(q->ctx), q->tag, q->step, q->why,
	    q->prev[0] != '\0' ? q->prev : "current");
	if (!action_dry_run(q->ctx)) {
		dep_path(q, newdir, sizeof(newdir), "new", q->tag);
		if (plan_remove(&p, newdir) == 0)
			dep_files(q, &p);
		plan_clear(&p);
	}
	record(q, "failed", msg, 0);
	journal_done(q);
	dep_reply(q, status, msg, result_data(q, q->prev));
}

static void
finish(struct dep *q)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s %s: running (previous %s)",
	    action_name(q->ctx), q->tag, q->prev[0] != '\0' ? q->prev : "none");
	record(q, "ok", msg, 1);
	/* Everything is in place: a crash from here on keeps it. */
	dep_step(q, "done");
	journal_done(q);
	dep_reply(q, STATUS_OK, "OK", result_data(q, q->tag));
}

/* The environment of the build and the health check: PATH, HOME and
 * the app's [env]. */
static char **
build_env(const struct appconf *c)
{
	struct strv sv = STRV_INIT;
	const char *const *e = appconf_env(c);
	int r = 0;

	for (size_t i = 0; run_path[i] != NULL && r == 0; i++)
		r = strv_push(&sv, run_path[i]);
	for (size_t i = 0; e != NULL && e[i] != NULL && r == 0; i++)
		r = strv_push(&sv, e[i]);
	if (r < 0) {
		strv_clear(&sv);
		return NULL;
	}
	return strv_steal(&sv);
}

static void
health_done(struct action_ctx *ctx, const struct spawn_result *r, void *arg)
{
	struct dep *q = arg;

	(void)ctx;
	if (r->exit_status != 0 || r->term_signal != 0 || r->timed_out) {
		char why[300];

		spawn_why(r, why, sizeof(why));
		snprintf(q->why, sizeof(q->why), "health check: %s", why);
		dep_step_end(q, "failed", q->why);
		rollback_after(q);
		return;
	}
	dep_step_end(q, "ok", "");
	lb_ready(q);
}

static void
lb_readied(struct dep *q, int ok)
{
	dep_step_end(q, ok ? "ok" : "failed", ok ? "" : q->why);
	if (ok)
		finish(q);
	else
		rollback_after(q);
}

/*
 * The new release is up and healthy: its [lb] server, drained before the
 * restart, is made ready again (plugins/lbreg/lb.h). A failure rolls back
 * like a failed health check, and the server stays drained.
 */
static void
lb_ready(struct dep *q)
{
	struct error err;

	if (!q->lb_drained) {
		finish(q);
		return;
	}
	plan_clear(&q->plan);
	error_init(&err, q->app);
	if (dep_step(q, "lb") < 0 ||
	    lb_plan_app(q->rel.conf, action_node(q->ctx), LB_READY, &q->plan,
		&err) < 0 ||
	    dep_plan(q, lb_readied) < 0) {
		if (q->why[0] == '\0')
			error_format(&err, q->why, sizeof(q->why));
		lb_readied(q, 0);
	}
}

/* The [health] check: an HTTP URL (curl) or a command. */
static void
health(struct dep *q)
{
	const struct config *c = appconf_config(q->rel.conf);
	const char *url = config_get(c, "health", "url");
	const char *cmd = config_get(c, "health", "command");
	long long ms = HEALTH_TIMEOUT_MS;
	char secs[32], **argv = NULL, **env;
	struct error err;

	if (url == NULL && cmd == NULL) {
		lb_ready(q);
		return;
	}
	error_init(&err, q->app);
	config_get_duration_ms(
	    c, "health", "timeout", HEALTH_TIMEOUT_MS, &ms, &err);
	snprintf(secs, sizeof(secs), "%lld", (ms + 999) / 1000);
	if (url != NULL) {
		/* curl waits for the daemon to answer: a refused
		 * connection is tried again until the timeout. */
		const char *v[] = {"curl", "-fsS", "-o", "/dev/null", "--proto",
		    "=http,https", "--retry", "1000", "--retry-connrefused",
		    "--retry-delay", "1", "--retry-max-time", secs,
		    "--max-time", secs, "--", url, NULL};

		argv = strv_copy(v, 17);
	} else
		argv = appconf_split(cmd, &err);
	env = build_env(q->rel.conf);
	if (dep_step(q, "health") < 0 || argv == NULL || env == NULL ||
	    dep_spawn(q, (const char *const *)argv, (const char *const *)env,
		q->rel.dir, ms + 1000, health_done) < 0) {
		if (argv == NULL)
			snprintf(q->why, sizeof(q->why), "health check: %s",
			    err.text);
		dep_step_end(q, "failed", q->why);
		rollback_after(q);
	}
	strv_free(argv);
	strv_free(env);
}

static void
restarted(struct dep *q, int ok)
{
	if (!ok) {
		dep_step_end(q, "failed", q->why);
		rollback_after(q);
		return;
	}
	dep_step_end(q, "ok", "");
	if (action_dry_run(q->ctx)) {
		lb_ready(q);
		return;
	}
	health(q);
}

/* Appends the removal of the daemons that tag had and rel has not. */
static int
drop_daemons(struct dep *q, const char *tag, const struct release *rel,
    struct error *err)
{
	struct release old;
	char dir[4300];
	int r;

	if (tag[0] == '\0' || strcmp(tag, rel->tag) == 0)
		return 0;
	dep_path(q, dir, sizeof(dir), "rel", tag);
	/* A release that no longer loads has nothing to compare. */
	if (release_load(&q->node, q->node_dir, q->app, tag, dir, NULL, 0, &old,
		err) < 0) {
		release_clear(&old);
		return 0;
	}
	r = release_drop_plan(&q->node, q->be, &old, rel, &q->plan);
	release_clear(&old);
	return r;
}

/* The new release is loaded: switch current, restart its daemons. */
static void
do_switch(struct dep *q)
{
	char link[4300], target[300];
	struct error err;
	int r;

	snprintf(link, sizeof(link), "%s/current", q->appdir);
	snprintf(target, sizeof(target), "releases/%s", q->tag);
	plan_clear(&q->plan);
	/* The journal could not say "switch": current is left alone. */
	if (dep_step(q, "switch") < 0) {
		fail_before(q, STATUS_UNKNOWN_ERROR);
		return;
	}
	if (plan_symlink(&q->plan, target, link) < 0 ||
	    dep_files(q, &q->plan) < 0) {
		/* The link is either the old one or the new one. */
		dep_step_end(q, "failed", q->why);
		rollback_after(q);
		return;
	}
	dep_step_end(q, "ok", target);
	plan_clear(&q->plan);
	error_init(&err, q->app);
	/* An app with [lb] leaves its load balancer's pool first. */
	if (dep_step(q, "restart") < 0 ||
	    (r = lb_plan_app(q->rel.conf, action_node(q->ctx), LB_DRAIN,
		 &q->plan, &err)) < 0 ||
	    (q->lb_drained = r) < 0 ||
	    (r = release_start_plan(
		 &q->node, q->be, q->app, &q->rel, &q->plan, &err)) < 0 ||
	    (r = drop_daemons(q, q->prev, &q->rel, &err)) < 0 ||
	    dep_plan(q, restarted) < 0) {
		if (q->why[0] == '\0')
			error_format(&err, q->why, sizeof(q->why));
		dep_step_end(q, "failed", q->why);
		rollback_after(q);
	}
}

static void
rolled(struct dep *q, int ok)
{
	char msg[2600];
	const char *first = action_name(q->ctx);

	if (ok) {
		dep_step_end(q, "ok", q->prev);
		snprintf(msg, sizeof(msg),
		    "%s %s failed at %s: %s; rolled back to %s%s", first,
		    q->tag, q->failed, q->why, q->prev,
		    q->lb_drained ? "; the app's server stays drained in its "
				    "load balancer"
				  : "");
	} else {
		dep_step_end(q, "failed", q->why);
		snprintf(msg, sizeof(msg),
		    "%s %s failed; rolling back to %s failed too: %s", first,
		    q->tag, q->prev, q->why);
	}
	record(q, ok ? "rolled back" : "failed", msg, 0);
	if (ok)
		journal_done(q);
	dep_reply(q, STATUS_ABORTED, msg, result_data(q, q->prev));
}

/* A failure after the switch: the previous release goes back in place
 * (or, with none, the new one's daemons are stopped and current goes). */
static void
rollback_after(struct dep *q)
{
	char link[4300], target[300], dir[4300], saved[1024];
	struct release back;
	struct error err;
	int r;

	q->rolled_back = 1;
	memcpy(saved, q->why, sizeof(saved));
	snprintf(q->failed, sizeof(q->failed), "%s", q->step);
	error_init(&err, q->app);
	plan_clear(&q->plan);
	snprintf(link, sizeof(link), "%s/current", q->appdir);
	if (q->prev[0] == '\0') {
		r = release_remove_plan(
		    &q->node, q->be, q->app, &q->rel, &q->plan, &err);
		if (r == 0)
			r = plan_remove(&q->plan, link);
	} else {
		dep_path(q, dir, sizeof(dir), "rel", q->prev);
		snprintf(target, sizeof(target), "releases/%s", q->prev);
		r = release_load(&q->node, q->node_dir, q->app, q->prev, dir,
		    NULL, 0, &back, &err);
		if (r == 0 && (r = plan_symlink(&q->plan, target, link)) == 0)
			r = release_start_plan(
			    &q->node, q->be, q->app, &back, &q->plan, &err);
		if (r == 0)
			r = release_drop_plan(
			    &q->node, q->be, &q->rel, &back, &q->plan);
		release_clear(&back);
	}
	/* The failure stays what the reply reports. */
	snprintf(q->why, sizeof(q->why), "%s", saved);
	if (dep_step(q, "rollback") < 0 || r < 0) {
		if (r < 0)
			error_format(&err, q->why, sizeof(q->why));
		rolled(q, 0);
		return;
	}
	if (dep_plan(q, rolled) < 0)
		rolled(q, 0);
}

/* Loads the release, its app layer from app_layer (NULL: its directory's
 * .metactl), and goes on with the switch. */
static void
switch_to(struct dep *q, const struct appconf_src *app_layer)
{
	char dir[4300];
	struct error err;

	dep_path(q, dir, sizeof(dir), "rel", q->tag);
	error_init(&err, q->app);
	if (release_load_from(&q->node, q->node_dir, q->app, q->tag, dir,
		app_layer, q->site, q->site_len, &q->rel, &err) < 0) {
		error_format(&err, q->why, sizeof(q->why));
		fail_before(q, STATUS_INVALID_DATA);
		return;
	}
	do_switch(q);
}

/*
 * Under dry_run, the tag's .metactl as git read it from the repository
 * cache: the release is loaded from it, so that the plan goes on with
 * the switch, the restart and the [lb] steps the release would have.
 */
static void
shown(struct action_ctx *ctx, const struct spawn_result *r, void *arg)
{
	struct dep *q = arg;
	char name[300];
	struct appconf_src src = {.path = name, .text = r->out};

	(void)ctx;
	if (r->exit_status != 0 || r->term_signal != 0 || r->timed_out ||
	    r->out_truncated) {
		spawn_why(r, q->why, sizeof(q->why));
		fail_before(q, STATUS_ABORTED);
		return;
	}
	src.len = r->out_len;
	snprintf(name, sizeof(name), "%s:.metactl", q->tag);
	switch_to(q, &src);
}

/* A dry run whose release is not on the node: git reads its .metactl
 * from the cache, or a note says what would follow (Subversion). */
static void
dry_unfetched(struct dep *q)
{
	char cache[4300];

	if (scm_is_svn(q->url) || q->url[0] == '\0') {
		json_array_append_new(q->dry,
		    json_pack("{s:s}", "note",
			"switch and restart of the daemons the release's "
			".metactl names, once fetched"));
		finish(q);
		return;
	}
	dep_path(q, cache, sizeof(cache), "repo.git", q->tag);
	run_fetch(
	    q, scm_show_argv(cache, q->tag, ".metactl"), fetch_env(), shown, 1);
}

/* Loads the release at its final place and goes on with the switch. */
static void
load_and_switch(struct dep *q)
{
	char dir[4300];

	dep_path(q, dir, sizeof(dir), "rel", q->tag);
	release_clear(&q->rel);
	if (!exists(dir) && action_dry_run(q->ctx)) {
		dry_unfetched(q);
		return;
	}
	switch_to(q, NULL);
}

/* Stores the request's site layer as the release's (none: the stored
 * one goes); 0 or a negated errno with q->why set. */
static int
store_site(struct dep *q)
{
	char site[4300], sites[4300];
	struct plan p = {0};
	int r;

	dep_path(q, site, sizeof(site), "site", q->tag);
	dep_path(q, sites, sizeof(sites), "sites", q->tag);
	r = plan_mkdir(&p, sites, 0755);
	if (r == 0)
		r = q->site != NULL
		    ? plan_write(&p, site, q->site, q->site_len, 0644)
		    : plan_remove(&p, site);
	if (r == 0)
		r = dep_files(q, &p);
	plan_clear(&p);
	return r;
}

/* The built release goes to its place with its site layer. */
static void
put_in_place(struct dep *q)
{
	char newdir[4300], dir[4300];
	int r;

	dep_path(q, newdir, sizeof(newdir), "new", q->tag);
	dep_path(q, dir, sizeof(dir), "rel", q->tag);
	r = store_site(q);
	if (r == 0 && action_dry_run(q->ctx))
		json_array_append_new(q->dry,
		    json_pack("{s:s,s:s}", "rename", newdir, "to", dir));
	else if (r == 0 && rename(newdir, dir) < 0) {
		r = -errno;
		snprintf(
		    q->why, sizeof(q->why), "%.900s: %s", dir, strerror(-r));
	}
	if (r < 0) {
		fail_before(q, STATUS_UNKNOWN_ERROR);
		return;
	}
	load_and_switch(q);
}

static void
built(struct action_ctx *ctx, const struct spawn_result *r, void *arg)
{
	struct dep *q = arg;
	size_t n = r->out_len + r->err_len;
	const char *tail;
	char why[300];

	(void)ctx;
	if (r->exit_status == 0 && r->term_signal == 0 && !r->timed_out) {
		dep_step_end(q, "ok",
		    r->out_len > OUTPUT_TAIL ? r->out + r->out_len - OUTPUT_TAIL
					     : r->out);
		put_in_place(q);
		return;
	}
	spawn_why(r, why, sizeof(why));
	tail = r->err_len > 0 ? r->err : r->out;
	n = r->err_len > 0 ? r->err_len : r->out_len;
	snprintf(q->why, sizeof(q->why), "%s%s%s", why,
	    n > 0 && strcmp(why, tail) != 0 ? "; output: " : "",
	    n > 0 && strcmp(why, tail) != 0 ? tail + (n > 600 ? n - 600 : 0)
					    : "");
	fail_before(q, STATUS_ABORTED);
}

static void
build(struct dep *q)
{
	char newdir[4300], **argv = NULL, **env = NULL;
	const char *cmd;
	long long ms = BUILD_TIMEOUT_MS;
	struct error err;
	struct release tmp;

	dep_path(q, newdir, sizeof(newdir), "new", q->tag);
	error_init(&err, q->app);
	if (action_dry_run(q->ctx) && !exists(newdir)) {
		put_in_place(q);
		return;
	}
	if (dep_step(q, "build") < 0) {
		fail_before(q, STATUS_UNKNOWN_ERROR);
		return;
	}
	if (release_load(&q->node, q->node_dir, q->app, q->tag, newdir, q->site,
		q->site_len, &tmp, &err) < 0) {
		error_format(&err, q->why, sizeof(q->why));
		fail_before(q, STATUS_INVALID_DATA);
		return;
	}
	cmd = config_get(appconf_config(tmp.conf), "build", "command");
	config_get_duration_ms(appconf_config(tmp.conf), "build", "timeout",
	    BUILD_TIMEOUT_MS, &ms, &err);
	if (cmd == NULL) {
		release_clear(&tmp);
		dep_step_end(q, "ok", "no [build] command");
		put_in_place(q);
		return;
	}
	if ((argv = appconf_split(cmd, &err)) == NULL || argv[0] == NULL ||
	    (env = build_env(tmp.conf)) == NULL) {
		snprintf(q->why, sizeof(q->why), "[build] command: %s",
		    argv == NULL ? err.text : "empty");
		release_clear(&tmp);
		strv_free(argv);
		fail_before(q, STATUS_INVALID_DATA);
		return;
	}
	release_clear(&tmp);
	if (dep_spawn(q, (const char *const *)argv, (const char *const *)env,
		newdir, ms, built) < 0)
		fail_before(q, STATUS_UNKNOWN_ERROR);
	strv_free(argv);
	strv_free(env);
}

static void
checked_out(struct action_ctx *ctx, const struct spawn_result *r, void *arg)
{
	struct dep *q = arg;
	char index[4300];

	(void)ctx;
	dep_path(q, index, sizeof(index), "index.new", q->tag);
	if (!action_dry_run(q->ctx))
		unlink(index);
	if (r->exit_status != 0 || r->term_signal != 0 || r->timed_out) {
		spawn_why(r, q->why, sizeof(q->why));
		fail_before(q, STATUS_ABORTED);
		return;
	}
	dep_step_end(q, "ok", q->tag);
	build(q);
}

/*
 * Runs a step of the fetch (argv, env: NULL out of memory; both freed) in
 * the state directory, or with cache, a step on the repository cache
 * alone that runs under dry_run too (dep_spawn_cache()); answers q when
 * it cannot start.
 */
static void
run_fetch(struct dep *q, char **argv, char **env, action_spawn_cb cb, int cache)
{
	const char *const *a = (const char *const *)argv;
	const char *const *e = (const char *const *)env;

	if (argv == NULL || env == NULL ||
	    (cache ? dep_spawn_cache(q, a, e, FETCH_TIMEOUT_MS, cb)
		   : dep_spawn(q, a, e, q->state, FETCH_TIMEOUT_MS, cb)) < 0) {
		if (q->why[0] == '\0')
			snprintf(q->why, sizeof(q->why), "out of memory");
		fail_before(q, STATUS_UNKNOWN_ERROR);
	}
	strv_free(argv);
	strv_free(env);
}

/* The environment of git and svn, copied for run_fetch(). */
static char **
fetch_env(void)
{
	const char *const *e = scm_env();
	size_t n = 0;

	while (e[n] != NULL)
		n++;
	return strv_copy(e, n);
}

static void
fetched(struct action_ctx *ctx, const struct spawn_result *r, void *arg)
{
	struct dep *q = arg;
	char newdir[4300], cache[4300], index[4300];
	struct plan p = {0};

	(void)ctx;
	if (r->exit_status != 0 || r->term_signal != 0 || r->timed_out) {
		spawn_why(r, q->why, sizeof(q->why));
		fail_before(q, STATUS_ABORTED);
		return;
	}
	dep_path(q, newdir, sizeof(newdir), "new", q->tag);
	dep_path(q, cache, sizeof(cache), "repo.git", q->tag);
	dep_path(q, index, sizeof(index), "index.new", q->tag);
	if (plan_remove(&p, newdir) < 0 || plan_mkdir(&p, newdir, 0755) < 0 ||
	    dep_files(q, &p) < 0) {
		plan_clear(&p);
		fail_before(q, STATUS_UNKNOWN_ERROR);
		return;
	}
	plan_clear(&p);
	if (!action_dry_run(q->ctx))
		unlink(index);
	run_fetch(q, scm_checkout_argv(cache, newdir, q->tag),
	    scm_env_index(index), checked_out, 0);
}

static void
fetch(struct action_ctx *ctx, const struct spawn_result *r, void *arg)
{
	struct dep *q = arg;
	char cache[4300];

	(void)ctx;
	if (r->exit_status != 0 || r->term_signal != 0 || r->timed_out) {
		spawn_why(r, q->why, sizeof(q->why));
		fail_before(q, STATUS_ABORTED);
		return;
	}
	dep_path(q, cache, sizeof(cache), "repo.git", q->tag);
	run_fetch(
	    q, scm_fetch_argv(cache, q->url, q->tag), fetch_env(), fetched, 1);
}

/* The [daemon.NAME] sections of c name daemons the names table allows
 * (they become service names); 0 or -EINVAL with q->why. */
static int
daemon_names_ok(struct dep *q, const struct config *c)
{
	for (size_t i = 0; i < config_nsections(c); i++) {
		const char *sec = config_section(c, i);

		if (strncmp(sec, "daemon.", 7) == 0 &&
		    !name_ok(NAME_DAEMON, sec + 7)) {
			snprintf(q->why, sizeof(q->why), "[%.100s]: %s", sec,
			    name_why(NAME_DAEMON, sec + 7));
			return -EINVAL;
		}
	}
	return 0;
}

/* Merges the file at path onto c when it exists. */
static int
merge_optional(struct config *c, const char *path, struct error *err)
{
	return access(path, F_OK) == 0 ? config_load_file(c, path, err) : 0;
}

/*
 * [build] repository from what is known before the fetch: the current
 * release's .metactl, the request's site layer, the node layer, merged
 * and interpolated. Only that key is read here: the layers are checked
 * whole once the release they belong with is fetched.
 */
static int
repo_from_layers(struct dep *q)
{
	char app_path[4300], site_path[4300], node_path[4300];
	struct config *c = config_new();
	struct error err;
	const char *url;
	int r;

	if (c == NULL)
		return -ENOMEM;
	snprintf(app_path, sizeof(app_path), "%s/current/.metactl", q->appdir);
	dep_path(q, site_path, sizeof(site_path), "site", q->tag);
	snprintf(
	    node_path, sizeof(node_path), "%s/%s.conf", q->node_dir, q->app);
	error_init(&err, q->app);
	r = merge_optional(c, app_path, &err);
	if (r == 0 && q->site != NULL)
		r = config_load_string(
		    c, site_path, q->site, q->site_len, &err);
	if (r == 0)
		r = merge_optional(c, node_path, &err);
	if (r == 0)
		r = config_interpolate(c, "env", &err);
	if (r < 0) {
		error_format(&err, q->why, sizeof(q->why));
		config_free(c);
		return r;
	}
	url = config_get(c, "build", "repository");
	if ((r = daemon_names_ok(q, c)) == 0 &&
	    (r = scm_url_ok(url, q->why, sizeof(q->why))) == 0)
		snprintf(q->url, sizeof(q->url), "%s", url);
	config_free(c);
	return r;
}

/* Subversion: the tag exported straight into the new release. */
static void
fetch_svn(struct dep *q)
{
	char newdir[4300];
	struct plan p = {0};

	dep_path(q, newdir, sizeof(newdir), "new", q->tag);
	if (!scm_svn_installed()) {
		snprintf(q->why, sizeof(q->why),
		    "%.900s is a Subversion repository and svn is not "
		    "installed",
		    q->url);
		fail_before(q, STATUS_UNKNOWN_ERROR);
		return;
	}
	if (plan_remove(&p, newdir) < 0 || dep_files(q, &p) < 0) {
		plan_clear(&p);
		fail_before(q, STATUS_UNKNOWN_ERROR);
		return;
	}
	plan_clear(&p);
	run_fetch(q, scm_svn_export_argv(q->url, q->tag, newdir), fetch_env(),
	    checked_out, 0);
}

void
flow_deploy(struct dep *q)
{
	char cache[4300], rels[4300], dir[4300];
	struct plan p = {0};
	int r;

	if (release_current(q->appdir, q->prev, sizeof(q->prev)) < 0)
		q->prev[0] = '\0';
	dep_step(q, "check");
	if (repo_from_layers(q) < 0) {
		fail_before(q, STATUS_INVALID_DATA);
		return;
	}
	dep_step_end(q, "ok", q->url);
	snprintf(q->j.tag, sizeof(q->j.tag), "%s", q->tag);
	snprintf(q->j.previous, sizeof(q->j.previous), "%s", q->prev);
	snprintf(q->j.caller, sizeof(q->j.caller), "%s", action_caller(q->ctx));
	q->j.since = (long long)time(NULL);
	dep_path(q, cache, sizeof(cache), "repo.git", q->tag);
	dep_path(q, dir, sizeof(dir), "rel", q->tag);
	snprintf(rels, sizeof(rels), "%s/releases", q->appdir);
	r = plan_mkdir(&p, q->state, 0755);
	if (r == 0)
		r = plan_mkdir(&p, rels, 0755);
	if (r == 0)
		r = dep_files(q, &p);
	plan_clear(&p);
	if (r == 0)
		snprintf(q->j.action, sizeof(q->j.action), "deploy");
	if (r == 0 && exists(dir)) {
		/* Fetched and built before: the site layer of this request,
		 * then the switch. */
		if (store_site(q) < 0) {
			fail_before(q, STATUS_UNKNOWN_ERROR);
			return;
		}
		load_and_switch(q);
		return;
	}
	if (r < 0 || dep_step(q, "fetch") < 0) {
		fail_before(q, STATUS_UNKNOWN_ERROR);
		return;
	}
	if (scm_is_svn(q->url)) {
		fetch_svn(q);
		return;
	}
	if (exists(cache)) {
		struct spawn_result ok = {.out = "", .err = ""};

		fetch(q->ctx, &ok, q);
		return;
	}
	run_fetch(q, scm_init_argv(cache), fetch_env(), fetch, 1);
}

void
flow_rollback(struct dep *q)
{
	snprintf(q->j.action, sizeof(q->j.action), "rollback");
	if (release_current(q->appdir, q->prev, sizeof(q->prev)) < 0)
		q->prev[0] = '\0';
	snprintf(q->j.tag, sizeof(q->j.tag), "%s", q->tag);
	snprintf(q->j.previous, sizeof(q->j.previous), "%s", q->prev);
	snprintf(q->j.caller, sizeof(q->j.caller), "%s", action_caller(q->ctx));
	q->j.since = (long long)time(NULL);
	load_and_switch(q);
}

/* A release kept: when it was deployed, its tag. */
struct kept {
	const char *at;
	const char *tag;
};

static int
by_age(const void *a, const void *b)
{
	const struct kept *x = a, *y = b;

	return strcmp(x->at, y->at);
}

void
flow_prune(struct dep *q, json_t *rec, long long keep)
{
	json_t *rels = json_object_get(rec, "releases");
	const char *prev = json_string_value(json_object_get(rec, "previous"));
	struct dirent **ents;
	struct kept *k;
	struct plan p = {0};
	char path[4300];
	int n, m = 0;

	snprintf(path, sizeof(path), "%s/releases", q->appdir);
	if ((n = scandir(path, &ents, NULL, alphasort)) < 0)
		return;
	/* The releases on the node; those laid down by hand or left by a
	 * failed deploy have no record and count as the oldest. */
	if ((k = calloc((size_t)n + 1, sizeof(*k))) != NULL)
		for (int i = 0; i < n; i++) {
			const char *t = ents[i]->d_name, *at;

			if (t[0] == '.' || !name_ok(NAME_TAG, t))
				continue;
			at = json_string_value(json_object_get(
			    json_object_get(rels, t), "deployed_at"));
			k[m].at = at != NULL ? at : "";
			k[m++].tag = t;
		}
	if (k != NULL)
		qsort(k, (size_t)m, sizeof(*k), by_age);
	for (int i = 0; k != NULL && i + keep < m; i++) {
		if (strcmp(k[i].tag, q->tag) == 0 ||
		    (prev != NULL && strcmp(k[i].tag, prev) == 0))
			continue;
		dep_path(q, path, sizeof(path), "rel", k[i].tag);
		plan_remove(&p, path);
		dep_path(q, path, sizeof(path), "site", k[i].tag);
		plan_remove(&p, path);
		json_object_del(rels, k[i].tag);
	}
	if (p.n > 0 && dep_files(q, &p) < 0)
		action_log(q->ctx, LOG_LEVEL_WARN, "pruning: %s", q->why);
	plan_clear(&p);
	free(k);
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
}

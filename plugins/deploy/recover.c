/*
 * recover.c: finishing or undoing an interrupted deploy or rollback from
 * its journal. See flow.h (flow_recover()).
 */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "plugins/deploy/flow.h"

static void
recovered(struct dep *q, int ok)
{
	char err[512];

	release_clear(&q->rel);
	plan_clear(&q->plan);
	if (ok && journal_clear(q->state, err, sizeof(err)) < 0)
		action_log(q->ctx, LOG_LEVEL_WARN, "journal: %s", err);
	if (!ok)
		action_log(q->ctx, LOG_LEVEL_WARN,
		    "recovery of %s failed (retried at the next start or "
		    "request): %s",
		    q->app, q->why);
	else
		action_log(
		    q->ctx, LOG_LEVEL_INFO, "recovery of %s: done", q->app);
	q->why[0] = '\0';
	q->after(q, ok);
}

/* The switch may have happened: put the previous release back. */
static void
recover_switched(struct dep *q, const struct journal *j)
{
	char link[4300], target[300], dir[4300];
	struct error err;
	int r;

	error_init(&err, q->app);
	snprintf(link, sizeof(link), "%s/current", q->appdir);
	if (j->previous[0] == '\0') {
		dep_path(q, dir, sizeof(dir), "rel", j->tag);
		r = release_load(&q->node, q->node_dir, q->app, j->tag, dir,
		    NULL, 0, &q->rel, &err);
		if (r == 0)
			r = release_remove_plan(
			    &q->node, q->be, q->app, &q->rel, &q->plan, &err);
		if (r == 0)
			r = plan_remove(&q->plan, link);
	} else {
		dep_path(q, dir, sizeof(dir), "rel", j->previous);
		snprintf(target, sizeof(target), "releases/%s", j->previous);
		r = release_load(&q->node, q->node_dir, q->app, j->previous,
		    dir, NULL, 0, &q->rel, &err);
		if (r == 0 && (r = plan_symlink(&q->plan, target, link)) == 0)
			r = release_start_plan(
			    &q->node, q->be, q->app, &q->rel, &q->plan, &err);
	}
	if (r < 0) {
		error_format(&err, q->why, sizeof(q->why));
		recovered(q, 0);
		return;
	}
	if (dep_plan(q, recovered) < 0)
		recovered(q, 0);
}

void
flow_recover(struct dep *q, dep_cb next)
{
	struct journal j;
	char dir[4300];
	struct plan p = {0};
	int r;

	q->after = next;
	if (action_dry_run(q->ctx) ||
	    (r = journal_read(q->state, &j)) == -ENOENT) {
		next(q, 1);
		return;
	}
	action_log(q->ctx, LOG_LEVEL_WARN,
	    "app %s: %s of %s by %s interrupted at %s: %s", q->app,
	    r == 0 ? j.action : "an action", r == 0 ? j.tag : "?",
	    r == 0 ? j.caller : "?", r == 0 ? j.step : "?",
	    r == 0 && journal_switched(&j)
		? (j.previous[0] != '\0' ? "rolling back" : "stopping it")
		: "current untouched, cleaning up");
	if (r == 0 && journal_switched(&j) && name_ok(NAME_TAG, j.tag) &&
	    (j.previous[0] == '\0' || name_ok(NAME_TAG, j.previous))) {
		recover_switched(q, &j);
		return;
	}
	if (r == 0 && name_ok(NAME_TAG, j.tag)) {
		dep_path(q, dir, sizeof(dir), "new", j.tag);
		if (plan_remove(&p, dir) == 0 && dep_files(q, &p) < 0) {
			plan_clear(&p);
			recovered(q, 0);
			return;
		}
		plan_clear(&p);
	}
	recovered(q, 1);
}

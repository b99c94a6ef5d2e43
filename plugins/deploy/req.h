/*
 * req.h: one request of the deploy agent, from its input to
 * action_done(), and the helpers every action shares: the steps it
 * reports, file steps and programs that a dry_run lists instead of
 * performing, the journal, and the in-process table of busy apps.
 */
#ifndef METACTL_DEPLOY_REQ_H
#define METACTL_DEPLOY_REQ_H

#include <stddef.h>
#include <jansson.h>

#include "names.h"
#include "plugins/plugin.h"
#include "plugins/deploy/release.h"
#include "plugins/deploy/state.h"
#include "plugins/service/backend.h"
#include "plugins/service/plan.h"

struct dep;
typedef void (*dep_cb)(struct dep *q, int ok);

struct dep {
	struct action_ctx *ctx;
	const struct svc_backend *be;
	struct svc_node node;
	const char *node_dir;
	char app[NAME_APP_MAX + 1];
	char tag[NAME_TAG_MAX + 1]; /* the release being put in place */
	char prev[NAME_TAG_MAX + 1]; /* current before the action */
	char appdir[4096];
	char state[4200]; /* APPS/APP/state */
	char *site; /* the request's site layer, or NULL */
	size_t site_len;
	struct release rel; /* the release being put in place */
	struct plan plan;
	struct journal j;
	json_t *steps; /* [{step, result, detail, ms}] */
	json_t *dry; /* under dry_run: the plan */
	long long t_step; /* when the current step began, ms */
	char step[16];
	char failed[16]; /* the step whose failure led to a rollback */
	int busy; /* this request holds the app's busy entry */
	int purge;
	int rolled_back;
	int lb_drained; /* the app's [lb] server was drained for the switch */
	char url[2048]; /* [build] repository, checked */
	char why[1024]; /* the first failure */
	dep_cb cont; /* where a plan or a program goes on */
	/* Where the action goes on after flow_recover(). */
	dep_cb after;
	void *after_arg;
};

/* A request for ctx, input's "app" checked; NULL when answered already. */
struct dep *dep_new(struct action_ctx *ctx, const json_t *input);
/* The same without an answer (the recovery at start): NULL logged. */
struct dep *dep_new_quiet(struct action_ctx *ctx, const char *app);
void dep_free(struct dep *q);
/* Answers and frees q. */
void dep_reply(struct dep *q, int status, const char *msg, json_t *data);
void dep_fail(struct dep *q, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A new step named name begins (journaled first unless under dry_run,
 * for deploy and rollback); 0 or a negated errno with q->why set. */
int dep_step(struct dep *q, const char *name);
/* The current step ended. */
void dep_step_end(struct dep *q, const char *result, const char *detail);

/* Performs the file steps of p now (under dry_run: lists them). 0 or a
 * negated errno with q->why set. */
int dep_files(struct dep *q, const struct plan *p);
/* Runs argv (under dry_run: lists it); cb gets the result. */
int dep_spawn(struct dep *q, const char *const *argv, const char *const *env,
    const char *cwd, long long timeout_ms, action_spawn_cb cb);
/* The same for git on the repository cache (APPS/APP/state/repo.git)
 * alone, in "/": run under dry_run too, so that a dry run can read the
 * .metactl of a tag not fetched yet; listed with a note saying so. */
int dep_spawn_cache(struct dep *q, const char *const *argv,
    const char *const *env, long long timeout_ms, action_spawn_cb cb);
/* Performs q->plan; cont(q, ok) afterwards, q->why set on failure. */
int dep_plan(struct dep *q, dep_cb cont);

/* Takes the app's busy entry for action/tag; 0, or -EBUSY with why
 * ("busy: deploy of APP TAG by CALLER since TIME"). */
int busy_take(struct dep *q, const char *action, char *why, size_t size);
/* The busy entry of app, or NULL. */
const char *busy_text(const char *app);

/*
 * The paths of q's app, into buf: what is "new" (releases/.TAG.new),
 * "rel" (releases/TAG), "site" (state/sites/TAG.conf), or a file of the
 * state directory (state/WHAT).
 */
void dep_path(const struct dep *q, char *buf, size_t size, const char *what,
    const char *tag);

/* Writes what the reply should say of a step's program in buf: its first
 * line on stderr, its exit status or signal. */
void spawn_why(const struct spawn_result *r, char *buf, size_t size);

#endif

/* queue.c: the concurrency limit, its queue, and per-key locks. See
 * queue.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agentd.h"
#include "action.h"
#include "queue.h"
#include "metrics.h"

struct lock_waiter {
	TAILQ_ENTRY(lock_waiter) entry;
	struct action_ctx *ctx;
	void (*cb)(struct action_ctx *ctx, void *arg);
	void *arg;
};

struct queue_lock {
	LIST_ENTRY(queue_lock) entry;
	char *key;
	struct action_ctx *holder;
	TAILQ_HEAD(, lock_waiter) waiters;
};

void
queue_init(struct action_queue *q)
{
	memset(q, 0, sizeof(*q));
	TAILQ_INIT(&q->running);
	TAILQ_INIT(&q->waiting);
	LIST_INIT(&q->locks);
}

static void
run(struct agentd *d, struct action_ctx *ctx)
{
	d->actions.nrunning++;
	TAILQ_INSERT_TAIL(&d->actions.running, ctx, entry);
	action_start(ctx);
}

void
queue_submit(struct agentd *d, struct action_ctx *ctx)
{
	struct action_queue *q = &d->actions;

	if (q->nrunning < d->conf.actions_max) {
		metrics_request(d->metrics, d->registry, ctx->agent,
		    ctx->action, METRICS_ALLOWED, 0);
		run(d, ctx);
		return;
	}
	if (q->nwaiting >= d->conf.queue_max) {
		log_warnx("request %s from %s for %s.%s refused: %u actions "
			  "running and %u queued",
		    ctx->id, ctx->caller, ctx->agent, ctx->action, q->nrunning,
		    q->nwaiting);
		d->stats.refused++;
		metrics_request(d->metrics, d->registry, ctx->agent,
		    ctx->action, METRICS_REFUSED, MCE_BUSY);
		action_refuse(ctx, error_str(MCE_BUSY));
		return;
	}
	metrics_request(d->metrics, d->registry, ctx->agent, ctx->action,
	    METRICS_ALLOWED, 0);
	q->nwaiting++;
	TAILQ_INSERT_TAIL(&q->waiting, ctx, entry);
	log_debug("request %s queued (%u waiting)", ctx->id, q->nwaiting);
}

static void
start_next(struct agentd *d)
{
	struct action_queue *q = &d->actions;
	struct action_ctx *ctx;

	while ((ctx = TAILQ_FIRST(&q->waiting)) != NULL &&
	    q->nrunning < d->conf.actions_max) {
		TAILQ_REMOVE(&q->waiting, ctx, entry);
		q->nwaiting--;
		run(d, ctx);
	}
}

void
queue_drain(struct agentd *d)
{
	struct action_queue *q = &d->actions;
	struct action_ctx *ctx;

	while ((ctx = TAILQ_FIRST(&q->waiting)) != NULL) {
		TAILQ_REMOVE(&q->waiting, ctx, entry);
		q->nwaiting--;
		log_warnx("request %s from %s for %s.%s refused: agent is "
			  "shutting down",
		    ctx->id, ctx->caller, ctx->agent, ctx->action);
		action_refuse(ctx, "agent is shutting down");
	}
}

void
queue_kill_all(struct action_queue *q)
{
	struct action_ctx *ctx;

	TAILQ_FOREACH(ctx, &q->running, entry)
	action_kill(ctx);
}

/* Drops ctx's waits, and hands each lock it holds to the next waiter. */
static void
locks_release(struct action_queue *q, struct action_ctx *ctx)
{
	struct queue_lock *l, *ln;

	for (l = LIST_FIRST(&q->locks); l != NULL; l = ln) {
		struct lock_waiter *w, *wn;

		ln = LIST_NEXT(l, entry);
		/* A finished action no longer waits for anything. */
		for (w = TAILQ_FIRST(&l->waiters); w != NULL; w = wn) {
			wn = TAILQ_NEXT(w, entry);
			if (w->ctx == ctx) {
				TAILQ_REMOVE(&l->waiters, w, entry);
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
		w->cb(w->ctx, w->arg);
		free(w);
		/* The callback may have changed the list: start over. */
		ln = LIST_FIRST(&q->locks);
	}
}

void
queue_done(struct agentd *d, struct action_ctx *ctx)
{
	struct action_queue *q = &d->actions;

	TAILQ_REMOVE(&q->running, ctx, entry);
	q->nrunning--;
	q->depth++;
	locks_release(q, ctx);
	start_next(d);
	q->depth--;
	/* Once, from the outermost completion. */
	if (q->depth == 0 && q->nrunning == 0 && q->idle_cb != NULL)
		q->idle_cb(d);
}

int
queue_lock(struct action_queue *q, struct action_ctx *ctx, const char *key,
    void (*cb)(struct action_ctx *ctx, void *arg), void *arg)
{
	struct queue_lock *l;
	struct lock_waiter *w;

	LIST_FOREACH(l, &q->locks, entry)
	if (strcmp(l->key, key) == 0)
		break;
	if (l == NULL) {
		if ((l = calloc(1, sizeof(*l))) == NULL ||
		    (l->key = strdup(key)) == NULL) {
			free(l);
			return -ENOMEM;
		}
		TAILQ_INIT(&l->waiters);
		LIST_INSERT_HEAD(&q->locks, l, entry);
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
	TAILQ_INSERT_TAIL(&l->waiters, w, entry);
	log_debug("request %s waits for lock %s", ctx->id, key);
	return 0;
}

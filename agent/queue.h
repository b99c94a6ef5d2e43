/*
 * queue.h: what runs when. At most [limits] concurrent_actions actions
 * run at once, [limits] queue more wait in arrival order, and anything
 * beyond is refused at once (MCE_BUSY). Per-key locks (action_lock())
 * serialise actions that must not overlap, such as two deploys of one app.
 *
 * The state lives in struct action_queue, a member of struct agentd; the
 * limits are read from d->conf at each decision, so a reload applies to
 * what comes next.
 */
#ifndef METACTLD_QUEUE_H
#define METACTLD_QUEUE_H

#include <sys/queue.h>

struct agentd;
struct action_ctx;
struct queue_lock;

TAILQ_HEAD(action_list, action_ctx);

struct action_queue {
	struct action_list running;
	struct action_list waiting;
	unsigned nrunning, nwaiting;
	LIST_HEAD(, queue_lock) locks;
	unsigned depth; /* queue_done() calls in progress */
	/* Called when the last running action completed; may be NULL. */
	void (*idle_cb)(struct agentd *d);
};

void queue_init(struct action_queue *q);
/* Runs ctx now, queues it, or refuses it with a BUSY reply (freeing it). */
void queue_submit(struct agentd *d, struct action_ctx *ctx);
/*
 * ctx completed: it leaves the running list, its locks go to their next
 * waiters, waiting actions start, and idle_cb runs when nothing is left.
 */
void queue_done(struct agentd *d, struct action_ctx *ctx);
/* Refuses every waiting action (shutdown); running ones go on. */
void queue_drain(struct agentd *d);
/* Kills the process group of every child of a running action. */
void queue_kill_all(struct action_queue *q);
/*
 * cb runs once ctx holds key, possibly at once. 0 or -ENOMEM. Held until
 * ctx completes; a completed ctx waits for nothing.
 */
int queue_lock(struct action_queue *q, struct action_ctx *ctx, const char *key,
    void (*cb)(struct action_ctx *ctx, void *arg), void *arg);

#endif

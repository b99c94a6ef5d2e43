/*
 * flow.h: the steps of a deploy and of a rollback, from the lock to the
 * reply.
 *
 *   deploy:   fetch -> build -> switch -> restart -> health -> done
 *   rollback:                  switch -> restart -> health -> done
 *
 * A failure before "switch" answers with current untouched; a failure
 * from "switch" on puts the previous release back (switch and restart)
 * and answers with rolled_back true.
 */
#ifndef METACTL_DEPLOY_FLOW_H
#define METACTL_DEPLOY_FLOW_H

#include "plugins/deploy/req.h"

/* q->tag set, q->site the request's site layer: from fetch on. */
void flow_deploy(struct dep *q);
/* q->tag set to the release to return to, which exists: from switch on. */
void flow_rollback(struct dep *q);

/* Finishes or rolls back the interrupted action of q->app, if its
 * journal says there is one, then calls next(q, ok); ok 0 with q->why
 * when the recovery failed (the journal is then kept for the next try). */
void flow_recover(struct dep *q, dep_cb next);

/* Removes the releases beyond the newest keep ones, never current or
 * previous, with their site layers and records. */
void flow_prune(struct dep *q, json_t *rec, long long keep);

#endif

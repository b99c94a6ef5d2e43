/*
 * rollout.h: a staggered rollout of one action, batch by batch, deciding
 * after each batch whether to go on, with its state in a file.
 *
 * The state file (JSON, metactl(1) ROLLOUT STATE FILE) is rewritten
 * atomically (savefile.h) after each node's result and each decision:
 *   {"version":1, "kind":"rpc"|"deploy", "collective":C,
 *    "agent":A, "action":X, "data":{...}, "inverse":ACTION|null,
 *    "dry_run":true (only for --dry-run),
 *    "batch_size":N, "canary":N, "max_failures":N, "batch_sleep_ms":MS,
 *    "batches":[[ID, ...], ...],           every node, in order
 *    "nodes":{ID:{"state":S, "batch":K, "statuscode":C, "statusmsg":M,
 *                 "at":MS, "previous":TAG, "current":TAG,
 *                 "rolled_back":B}, ...},   nodes touched so far
 *    "status":"running"|"complete"|"stopped"|"interrupted"|"rolled back",
 *    "reason":TEXT, "started":MS, "updated":MS}
 * A node's state S: "in_flight" (the request was sent, no result yet),
 * "ok", "failed", "silent", "reverting" (--rollback sent the inverse), "reverted" (it put the
 * node back), "revert_failed". A node absent from "nodes" was never touched.
 */
#ifndef METACTL_ORCH_ROLLOUT_H
#define METACTL_ORCH_ROLLOUT_H

#include <stdint.h>
#include <jansson.h>

#include "orchestrator/fleet.h"
#include "orchestrator/opts.h"
#include "strv.h"

#define ROLLOUT_VERSION 1

struct rollout {
	struct fleet *f;
	json_t *st; /* the state document, owned */
	char *path; /* its file, owned */
	int reverting; /* --rollback: results are of the inverse */
	int pause; /* --pause: ask before each batch (a terminal) */
	size_t k; /* the batch being run */
	struct strv batch; /* its nodes */
	int64_t t0; /* when this run started */
	size_t done_before; /* nodes with a result when this run started */
};

/*
 * A new state for agent/action with data (stolen) on nodes, in their
 * order: a first batch of canary nodes when canary > 0, then batches of
 * batch (count_spec_apply over the nodes). NULL when out of memory.
 */
json_t *rollout_state_new(const char *kind, const char *collective,
    const char *agent, const char *action, json_t *data, const char *inverse,
    const struct strv *nodes, const struct count_spec *batch, long canary,
    const struct count_spec *max_failures, long batch_sleep_ms);
/* Loads and checks a state file; 0, or -1 after reporting. */
int rollout_state_load(const char *path, json_t **ret);
/* Writes r->st to r->path; 0, or -1 after reporting. */
int rollout_save(struct rollout *r);

/* The number of nodes of the state in state S (NULL: touched at all). */
size_t rollout_count(const json_t *st, const char *state);
/* The node's state string, or NULL when it was never touched. */
const char *rollout_node_state(const json_t *st, const char *id);

/*
 * Runs the batches not finished yet (those with a node untouched or
 * in flight); a resumed rollout first re-checks the nodes in flight.
 * Sets "status". Returns the exit status (metactl(1)).
 */
int rollout_run(struct rollout *r, struct request *req);
/* Reverts the touched nodes, batch by batch; the exit status. */
int rollout_revert(struct rollout *r);
/* The exit status the state means. */
int rollout_exit_status(const json_t *st);

/* The final table, or the --json document. */
void rollout_print(const struct rollout *r);

void rollout_clear(struct rollout *r);

#endif

/*
 * fleet.h: what the fleet commands share: options and configuration,
 * the link, discovery and the request/collect/print cycle.
 *
 * How a command decides it is done (also in metactl(1)):
 *  - Discovery (ping, find, and rpc before it sends): a broadcast
 *    rpcutil.ping with the filter. It ends at the discovery window
 *    (--dt, discovery_timeout), or as soon as every node of a fresh node
 *    cache entry for the same collective and filter (or every node a
 *    filter of plain -I names names) has answered.
 *    --nodes skips discovery; --no-cache always waits the window.
 *  - Requests: every discovered (or listed) node is expected; the wait
 *    ends when all of them have answered or at --timeout.
 *  - Local mode: the one agent's reply ends each wait.
 */
#ifndef METACTL_ORCH_FLEET_H
#define METACTL_ORCH_FLEET_H

#include <stdio.h>
#include <jansson.h>

#include "message.h"
#include "orchestrator/clientconf.h"
#include "orchestrator/collect.h"
#include "orchestrator/opts.h"
#include "orchestrator/progress.h"
#include "orchestrator/results.h"
#include "strv.h"

struct fleet {
	struct orch_opts o;
	struct client_conf conf;
	struct orch_link *link;
	struct results rs;
	struct collector col;
	struct progress progress;
	const char *collective;
	long timeout_ms;
	long discovery_ms;
	int64_t start_ms; /* when the link was open */
	json_t *discovery; /* the last discovery request, decoded */
	size_t unsent; /* nodes of batches an interruption cancelled */
};

/* -1 to go on, or the exit status to return (usage/config errors are
 * already reported). */
int fleet_init(struct fleet *f, int argc, char *argv[], unsigned allowed);
/* Connects; 0, or MC_EXIT_USAGE after reporting why. */
int fleet_connect(struct fleet *f);
void fleet_clear(struct fleet *f);

/* A request for agent/action with the command's filter; data stolen. */
struct request *fleet_request(
    struct fleet *f, const char *agent, const char *action, json_t *data);
/* The identities of --nodes FILE (or stdin): one per line, '#' comments.
 * 0 or MC_EXIT_USAGE after reporting. */
int fleet_read_nodes(struct fleet *f, struct strv *ret);

/*
 * A filter that only names identities, without regexes (plain -I), says
 * which nodes are expected as surely as a cache entry: 1 and the names
 * (added to ret unless it is NULL), 0 for any other filter, or -ENOMEM.
 */
int fleet_named_nodes(const json_t *filter, struct strv *ret);

/*
 * Discovery as described above. Fills nodes (sorted) with every node that
 * answered; with rs != NULL the ping replies are recorded there as
 * results (expected cache nodes that stayed silent as RES_MISSING).
 * 0, or an exit status after reporting an error.
 */
int fleet_discover(struct fleet *f, struct strv *nodes, struct results *rs);

/*
 * Sends req to targets (NULL: broadcast with the filter) and collects
 * into f->rs, expecting `expected` (may be NULL). jsonl lines are printed
 * as replies arrive. 0 or an exit status.
 */
int fleet_call(struct fleet *f, struct request *req, char *const *targets,
    size_t ntargets, const struct strv *expected);

/* The decoded body of a request, for --json and --dry-run; new ref. */
json_t *fleet_request_json(const struct request *req);

/* Prints f->rs in the chosen format and returns the exit status. */
int fleet_finish(
    struct fleet *f, const json_t *request, const struct ddl_action *action);

#endif

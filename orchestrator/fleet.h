/*
 * fleet.h: what the fleet commands share: options and configuration,
 * the link, the node registry, discovery and the request/collect/print
 * cycle.
 *
 * How a command decides it is done (also in metactl(1)):
 *  - The expected set: the nodes of the node registry (registry.h) in the
 *    request's collective that the filter selects, evaluated locally;
 *    plain -I names and --nodes FILE are always expected.
 *  - Discovery (ping, find, and rpc/facts before they send): a broadcast
 *    rpcutil.ping with the filter. It ends when every expected node
 *    answered, or, with no expected node, by the quiet rule (quiet.h), or
 *    at the discovery window (--dt, discovery_timeout). --no-cache always
 *    waits the window. When the collective's last refresh is older than
 *    cache_ttl (or --refresh), one unfiltered rpcutil.inventory broadcast
 *    goes with it and every reply is recorded in the registry.
 *  - Confirmation: expected nodes silent at the end of a discovery from
 *    the registry get one direct rpcutil.inventory (min(window, 1 s));
 *    a node that answers is alive, and leaves the expected set when it no
 *    longer matches the filter. The others missed this discovery.
 *  - Requests: sent to exactly the nodes that answered discovery (the
 *    signed audience names them); the wait ends when all of them have
 *    answered or at --timeout. Replies to the discovery that arrive after
 *    the request was sent are named "not addressed".
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
#include "orchestrator/registry.h"
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
	struct registry reg; /* loaded by fleet_connect() unless local */
	int reg_dirty; /* changed since it was saved */
	struct results disc; /* discovery's replies when rs was NULL */
	int disc_done; /* later discovery replies: not addressed */
	json_t *disc_ids; /* the discovery's requests: id -> digest */
	char inv_id[MESSAGE_ID_LEN + 1]; /* the refresh, "" when none */
	char inv_digest[MESSAGE_DIGEST_LEN + 1];
	json_t *inv_pending; /* nodes whose inventory is awaited */
	json_t *inv_new; /* nodes the refresh added to the registry */
	json_t *inv_seen; /* nodes whose inventory (or refusal) arrived */
	size_t inv_refused; /* nodes that refused their inventory */
	const char *discovery_end; /* which rule ended discovery */
	char *caller; /* what requests claim as caller, once known */
	/* Replies to none of the requests above, whichever wait reads
	 * them (a command's requests it does not wait for: schedule). */
	int (*on_stray)(void *arg, const struct link_event *ev);
	void *stray_arg;
};

/* A request names at most this many nodes: to more, it goes out as one
 * request per part (fleet_send_each()), each published to its own nodes,
 * so that no node reads a list of the whole fleet. */
#define FLEET_FANOUT_MAX 32
/* How long confirmation waits at most. */
#define FLEET_CONFIRM_MS 1000

#define WHY_NEVER_SEEN "never seen"
#define WHY_NO_DISCOVERY "no reply to discovery"
#define WHY_AFTER_SEND "answered discovery after the request was sent"

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
 * Discovery as described above. Fills nodes (sorted) with every node that
 * answered; the ping replies are recorded in rs (NULL: f->disc) as
 * results: expected nodes that stayed silent as RES_MISSING (why "never
 * seen" for a --nodes name the registry does not know), nodes outside the
 * expected set with is_new. Updates and saves the registry.
 * 0, or an exit status after reporting an error.
 */
int fleet_discover(struct fleet *f, struct strv *nodes, struct results *rs);
/* Replies to the discovery or the refresh that arrive while another
 * request is collected (struct collector's on_other); any other goes to
 * f->on_stray when set. */
int fleet_on_other(void *arg, const struct link_event *ev);
/* The registry learns what rs shows: answering nodes were seen, silent
 * ones missed a discovery (and may leave it, said on stderr); a silent
 * node it does not know gets why "never seen". */
void fleet_account(struct fleet *f, struct results *rs);
/* Saves the registry when it changed. */
void fleet_save_registry(struct fleet *f);

/*
 * Sends req to targets (NULL: broadcast; else at most FLEET_FANOUT_MAX of
 * them, one publish each) with the audience that says so,
 * and fills digest with the digest of the body sent, which every reply
 * must carry. 0 or a negative code (err says why).
 */
int fleet_send(struct fleet *f, struct request *req, char *const *targets,
    size_t n, char digest[MESSAGE_DIGEST_LEN + 1], struct error *err);
/*
 * Sends req to targets as requests of at most FLEET_FANOUT_MAX nodes each
 * (NULL: one broadcast); the first keeps req's id, each other gets a new
 * one. Adds each request's id -> digest to ids (for collect_wait_all()).
 * 0 or a negative code (err says why).
 */
int fleet_send_each(struct fleet *f, struct request *req, char *const *targets,
    size_t n, json_t *ids, struct error *err);
/* Reports a link error; MC_EXIT_USAGE. */
int fleet_link_failed(struct error *err);
/* --jsonl: prints one result as a line (struct collector's on_result). */
void fleet_print_jsonl(void *arg, const struct result *r);

/*
 * Sends req to targets (NULL: broadcast with the filter) and collects
 * into f->rs, expecting `expected` (may be NULL). jsonl lines are printed
 * as replies arrive. 0 or an exit status.
 */
int fleet_call(struct fleet *f, struct request *req, char *const *targets,
    size_t ntargets, const struct strv *expected);

/* The decoded body of a request, for --json and --dry-run; new ref. */
json_t *fleet_request_json(const struct request *req);

struct ddl_action;
/* Prints f->rs in the chosen format and returns the exit status. */
int fleet_finish(
    struct fleet *f, const json_t *request, const struct ddl_action *action);

#endif

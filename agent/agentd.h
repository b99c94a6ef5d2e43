/*
 * agentd.h: the daemon's state, shared by the files of agent/.
 *
 * One struct agentd lives for the life of the process. Everything that a
 * reload replaces (node facts, registry, policies) is swapped as a whole:
 * actions that are running keep a reference to the node_info they started
 * with through their own copy of the strings they need.
 */
#ifndef METACTLD_AGENTD_H
#define METACTLD_AGENTD_H

#include <stdint.h>
#include <sys/types.h>
#include <uv.h>
#include <jansson.h>

#include "log.h"
#include "message.h"
#include "replay.h"
#include "trust.h"
#include "conf.h"
#include "node.h"
#include "queue.h"

struct registry;
struct policy_set;
struct plugin_action;
struct filter_subject;
struct broker;
struct local_server;
struct metrics;
struct metrics_server;
struct amqpio_stats;

/*
 * Where the reply to one request goes. Whoever keeps the sink past the call
 * that handed it over takes a reference with hold() and drops it with
 * release(). send() is called at most once. A sink whose transport went away
 * drops the reply.
 */
struct reply_sink {
	void (*send)(struct reply_sink *s, const char *buf, size_t len);
	void (*hold)(struct reply_sink *s);
	void (*release)(struct reply_sink *s);
	/* Set by dispatch_message() before anything replies: the digest of
	 * the request body every reply carries, and whether replies are
	 * signed (only answers to a request whose signature verified). */
	char digest[MESSAGE_DIGEST_LEN + 1];
	int sign;
};

/*
 * Refusals that get no reply (section 6.1 of docs/PROTOCOL.md) are logged and
 * audited at most DISPATCH_QUIET_MAX times per DISPATCH_QUIET_WINDOW_MS;
 * the others are counted, and the first record of a later window says how
 * many were left out. No timer: a flood costs a counter, not disk.
 */
#define DISPATCH_QUIET_MAX 10
#define DISPATCH_QUIET_WINDOW_MS 10000
struct dispatch_quiet {
	int64_t window_ms; /* start of the current window */
	unsigned written; /* records written in it */
	uint64_t left_out; /* not written since the last record */
};

struct agentd_stats {
	uint64_t received;
	uint64_t replied;
	uint64_t dropped; /* filter and collective misses */
	uint64_t refused;
	uint64_t unanswered; /* refused without a reply */
	uint64_t actions;
};

struct agentd {
	uv_loop_t *loop;
	struct conf conf;
	int foreground;

	/* The node's key and certificate, and the CA public key. */
	struct trust *trust;

	struct node *node;
	struct node_load *facts_load; /* a facts command running, or NULL */
	struct registry *registry;
	int registry_stale; /* reload it once no action runs */
	struct policy_set *policy;
	/* Ids of requests whose signature verified. */
	struct replay *replay;
	/* Ids of local requests, which carry no signature: kept apart so
	 * that no local user can fill or poison the cache above. */
	struct replay *replay_local;
	struct audit *audit;
	const char **agents; /* names hosted, from the registry */
	size_t nagents;

	struct broker *broker;
	struct local_server *local;
	struct action_queue actions; /* queue.h */

	uv_signal_t sig_hup, sig_term, sig_int;
	uv_timer_t stop_timer; /* the shutdown deadline */
	int stopping;
	int64_t start_ms;
	struct agentd_stats stats;
	struct dispatch_quiet quiet;
	struct metrics *metrics; /* NULL: nothing counted (metrics.h) */
	struct metrics_server *metrics_http; /* NULL: no listener */
	int64_t reload_ms; /* the last reload, 0: none yet */
	int reload_ok; /* it applied everything */
	/* [apps] service_manager as resolved at start (a static string), or
	 * NULL: none configured and none found. */
	const char *apps_manager;
	/* "AGENT.ACTION" -> {"at":MS, "caller":C, "status":N}: the last run
	 * of each action (not dry runs) since the daemon started, for
	 * rpcutil running. Kept in memory only: a restart forgets it. */
	json_t *last_runs;
};

/* dispatch.c: the pipeline every received message goes through. */
struct dispatch_origin {
	int local; /* 1: UNIX socket, 0: broker */
	int broadcast; /* broker: delivered by the broadcast exchange */
	uid_t uid; /* local: peer uid */
};
/* Holds sink (hold()) for as long as the request needs it; the caller keeps
 * its own reference. */
void dispatch_message(struct agentd *d, const char *buf, size_t len,
    const struct dispatch_origin *o, struct reply_sink *sink);
/* This node as the filters see it; everything borrowed from d. */
void agentd_subject(const struct agentd *d, struct filter_subject *s);

/* reply.c: encodes, signs when a key is loaded, and sends a reply; data is
 * stolen. */
void dispatch_reply(struct agentd *d, struct reply_sink *sink,
    const char *request_id, int status, const char *msg, json_t *data);
/* One audit record (a no-op without an audit trail). */
void agentd_audit(struct agentd *d, const char *id, const char *caller,
    const char *agent, const char *action, const json_t *args,
    const char *decision, int status, const char *reason);

/*
 * action.c: the action context of plugins/plugin.h, built here and nowhere
 * else. Runs the action now, queues it, or refuses it with a BUSY reply
 * (queue.h); the reply follows action_done(). d->loop, d->conf, d->node
 * and d->actions must be set up; d->registry may be NULL (no agents).
 */
struct action_start {
	const char *id;
	const char *caller;
	const char *agent;
	const char *action;
	json_t *input; /* stolen */
	int dry_run;
	int64_t deadline_ms; /* time + ttl; 0: none (internal) */
	const struct plugin_action *impl;
	void *plugin_data;
	struct reply_sink *sink; /* a reference is taken */
	const json_t *audit_args; /* borrowed, for the audit record */
};
void action_submit(struct agentd *d, const struct action_start *s);
/* Submits every agent's recovery hook (plugin.h) as an internal action;
 * at start, before requests are taken. */
void action_recover_all(struct agentd *d);

/* broker.c: the link runs on its own thread (amqpio.h); these return at
 * once and never wait for the broker. */
int broker_start(struct agentd *d, struct broker **ret);
/* Waits at most for a connection attempt under way. NULL is a no-op. */
void broker_stop(struct broker *b);
/* Binds the node queue for the current collectives and hosted agents, and
 * unbinds the others, on the live connection (reload). */
void broker_rebind(struct broker *b);
/* The link's figures now (amqpio.h). */
void broker_stats(struct broker *b, struct amqpio_stats *ret);

/* local.c */
int local_start(struct agentd *d, struct local_server **ret);
void local_stop(struct local_server *l);

/* notify.c */
void notify_ready(struct agentd *d);
void notify_stopping(void);
void notify_reloading(void);
void notify_reloaded(void);

/* main.c: re-reads the configuration, facts, DDLs, policies (SIGHUP). */
void agentd_reload(struct agentd *d);

#endif

/*
 * plugin.h: the plugin API. A plugin (an agent: a named group of actions)
 * includes this header and lib/ headers, nothing from agent/.
 *
 * The agent has already checked everything before an action runs: the
 * signature, the replay window, the filter, the DDL (inputs are validated
 * and defaults filled) and the policy. The plugin never sees AMQP.
 *
 * Actions are asynchronous: run() starts the work and returns at once;
 * long work goes through action_spawn(); exactly one action_done() call
 * completes the action, possibly from a later callback. The agent owns the
 * reply and signs it.
 */
#ifndef METACTL_PLUGIN_H
#define METACTL_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "log.h"
#include "message.h"

struct action_ctx;
struct ddl;

struct plugin_action {
	const char *name;
	void (*run)(struct action_ctx *ctx, const json_t *input);
};

struct plugin {
	const char *name; /* equals the DDL's "agent" */
	const char *version;
	int (*init)(void); /* may be NULL; 0 or negative code */
	void (*fini)(void); /* may be NULL */
	const struct plugin_action *actions; /* ends with { NULL, NULL } */
	/*
	 * May be NULL. Run once when metactld starts, before the local
	 * socket and the broker are opened, as an internal action "recover"
	 * of this agent (caller "metactld", no input, its reply only logged
	 * and audited): it finishes or undoes work a previous run left half
	 * done (the deploy agent's interrupted deploys). Requests that take
	 * a lock it holds wait for it; it completes with action_done().
	 */
	void (*recover)(struct action_ctx *ctx, const json_t *input);
};

/*
 * The node's [apps] settings (metactld.conf(5)): where apps live and the
 * service manager that runs their daemons. manager is the one configured
 * or found at start ("systemd", "runit", "s6", "smf", "upstart"), NULL
 * when none was; service_dir is then NULL too, else the configured one or
 * the manager's own default.
 */
struct node_apps {
	const char *dir;
	const char *node_dir;
	const char *manager;
	const char *service_dir;
	const char *supervise_dir;
	const char *cron_dir;
	const char *java;
	const char *jetty_home;
	const char *svwait; /* the metactl-svwait helper */
	const char *nft; /* the sandbox agent's nft (missing: iptables-nft) */
	long long start_timeout_ms;
	long long start_grace_ms;
};

/*
 * What the node knows of itself, as it was when the action started;
 * borrowed, valid until action_done(). Every field is filled.
 */
struct node_info {
	const char *identity;
	const char *version;
	const json_t *facts;
	const char *const *classes;
	size_t nclasses;
	const char *const *collectives;
	size_t ncollectives;
	const char *const *agents;
	size_t nagents;
	int64_t start_ms;
	const json_t *stats; /* daemon counters, an object of integers */
	/* The DDL of each entry of agents, same index (registry_ddl()). */
	const struct ddl *const *agent_ddls;
	const struct node_apps *apps;
	/* The other actions running when this one started: an array of
	 * {"agent", "action", "caller", "id", "since" (ms)}. */
	const json_t *running;
	/* The last run of each action since the daemon started (lost on a
	 * restart): {"AGENT.ACTION": {"at" (ms), "caller", "status"}}. */
	const json_t *last_runs;
};

const char *action_agent(const struct action_ctx *ctx);
const char *action_name(const struct action_ctx *ctx);
const char *action_request_id(const struct action_ctx *ctx);
/* The verified caller: "cert=NAME" (the certificate name) over the broker,
 * "uid=N" on the local socket; the same string the policy matched. */
const char *action_caller(const struct action_ctx *ctx);
int action_dry_run(const struct action_ctx *ctx);
/* When the request expires, ms since the epoch: its time plus its ttl
 * (over the broker and the local socket alike); 0 for an internal action
 * (recover), which has none. A lock held past it may be taken over. */
int64_t action_deadline_ms(const struct action_ctx *ctx);
const struct node_info *action_node(const struct action_ctx *ctx);
/* Opaque per-agent data the registry attached (external agents). */
void *action_plugin_data(const struct action_ctx *ctx);

/*
 * A line in the agent's log, prefixed "request ID: AGENT.ACTION: ".
 * LOG_LEVEL_ERR and LOG_LEVEL_WARN are warnings; the daemon's [log] level
 * decides what is written.
 */
void action_log(const struct action_ctx *ctx, enum log_level level,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Completes the action: data is stolen (NULL means {}). status is one of
 * enum message_status. The ctx must not be used afterwards; any lock the
 * action held is released, children still running are killed (process
 * group) and their callbacks never run.
 */
void action_done(
    struct action_ctx *ctx, int status, const char *msg, json_t *data);

struct spawn_result {
	int exit_status; /* valid when term_signal == 0 */
	int term_signal; /* signal that ended it, 0 when it exited */
	int timed_out; /* killed (process group) at the timeout */
	const char *out; /* captured stdout, NUL-terminated */
	size_t out_len;
	int out_truncated;
	const char *err; /* captured stderr, NUL-terminated */
	size_t err_len;
	int err_truncated;
};
/*
 * The first line a program wrote on stderr, printable bytes only, in buf
 * (always terminated; "" when it wrote nothing). Returns buf.
 */
const char *spawn_result_errline(
    const struct spawn_result *r, char *buf, size_t size);

typedef void (*action_spawn_cb)(
    struct action_ctx *ctx, const struct spawn_result *r, void *arg);

struct spawn_options {
	const char *const *argv; /* argv[0] is the program; no shell */
	const char *const *env; /* NULL: PATH only */
	const char *cwd; /* NULL: / */
	const char *input; /* copied; written to stdin, then closed */
	size_t input_len;
	int timeout_ms; /* 0: [limits] action_timeout */
	int dry_run_too; /* runs under dry-run as well: only for a program
			    that changes no state, at most a cache (the
			    deploy agent's fetch of a tag into its
			    repository cache, to read the tag's .metactl) */
};

/*
 * Runs a program in its own process group without a shell; stdout and
 * stderr are each captured up to [limits] output_size. Under dry-run the
 * program is not started (unless dry_run_too): the argv is recorded for
 * the reply's "commands" list and cb gets exit status 0 and empty output. cb runs from the event
 * loop, never before action_spawn() returns. Returns 0 or a negative code
 * (cb is then never called).
 */
int action_spawn(struct action_ctx *ctx, const struct spawn_options *o,
    action_spawn_cb cb, void *arg);

/*
 * Per-key lock (e.g. "deploy:myapp"): cb runs once the lock is held,
 * possibly at once. It is released by action_done().
 */
int action_lock(struct action_ctx *ctx, const char *key,
    void (*cb)(struct action_ctx *ctx, void *arg), void *arg);

#endif

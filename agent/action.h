/*
 * action.h: the action context of plugins/plugin.h as the agent sees it.
 * One struct action_ctx lives from action_submit() (agentd.h), which
 * builds it, to action_done(): the daemon and the tests create it that
 * way and no other. Internal to agent/.
 */
#ifndef METACTLD_ACTION_H
#define METACTLD_ACTION_H

#include <sys/queue.h>
#include <jansson.h>

#include "message.h"
#include "plugins/plugin.h"

struct agentd;
struct action_run;
struct node;

struct action_ctx {
	TAILQ_ENTRY(action_ctx) entry; /* the queue's waiting/running list */
	struct agentd *d;
	char id[MESSAGE_ID_LEN + 1];
	char *caller;
	char *agent;
	char *action;
	json_t *input;
	json_t *audit_args;
	int dry_run;
	int64_t deadline_ms; /* action_deadline_ms() */
	uint64_t start_ns; /* uv_hrtime() when it started, for metrics.h */
	int64_t start_ms; /* the wall clock then, for rpcutil running */
	json_t *running; /* what node_info.running shows, owned */
	json_t *last_runs; /* what node_info.last_runs shows, owned */
	const struct plugin_action *impl;
	void *plugin_data;
	struct reply_sink *sink; /* held until the reply is sent */

	/* What action_node() shows, taken when the action starts. */
	struct node *node; /* held */
	struct node_info info;
	char **collectives;
	const char **agents; /* borrowed from the registry */
	const struct ddl **agent_ddls; /* idem */
	json_t *stats;
	struct node_apps apps; /* strings in apps_buf */
	char *apps_buf;

	json_t *commands; /* dry-run: argv of every command not run */
	LIST_HEAD(, action_run) runs; /* action_spawn() not finished */
	int in_run; /* inside impl->run(): it frees a ctx done meanwhile */
	int done;
};

/* For the queue: start ctx; refuse it (status 1, audited) and free it;
 * kill the process groups of its children. */
void action_start(struct action_ctx *ctx);
void action_refuse(struct action_ctx *ctx, const char *why);
void action_kill(struct action_ctx *ctx);

#endif

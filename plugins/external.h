/*
 * external.h: agents written in any language, run as separate processes
 * speaking the versioned JSON protocol of docs/EXTERNAL-AGENTS.md.
 *
 * Every action of an external agent has the same run function: it spawns
 * the agent's executable with argv [path, action] (no shell), writes one
 * request document to its stdin and turns the one document it prints on
 * stdout into the action's status, message and data. Anything else (a
 * non-zero exit, a signal, the timeout, output that is not such a document
 * or is longer than EXTERNAL_OUTPUT_MAX) completes the action with
 * STATUS_UNKNOWN_ERROR and a message naming the agent.
 */
#ifndef METACTL_EXTERNAL_H
#define METACTL_EXTERNAL_H

#include <jansson.h>

#include "ddl.h"
#include "plugins/plugin.h"

#define EXTERNAL_PROTOCOL "metactl-external/1"
#define EXTERNAL_OUTPUT_MAX (512 * 1024)

struct external_agent;

/*
 * An agent running path (copied) for every action of ddl (borrowed: it
 * must outlive the agent). The timeout of each run is the DDL's.
 * 0 or -ENOMEM.
 */
int external_agent_new(
    const char *path, const struct ddl *ddl, struct external_agent **ret);
/* NULL is a no-op. */
void external_agent_free(struct external_agent *e);
/* The action of that name (its run is external_run), or NULL. */
const struct plugin_action *external_agent_action(
    const struct external_agent *e, const char *name);

/* Runs an action; action_plugin_data(ctx) must be the external_agent. */
void external_run(struct action_ctx *ctx, const json_t *input);

#endif

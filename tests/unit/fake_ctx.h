/*
 * fake_ctx.h: a stand-in for the agent's action context, so that plugins
 * can be tested without metactld. It implements every action_* function
 * of plugins/plugin.h:
 *
 * - action_done() records status, message and data (and how many times it
 *   was called: exactly once is the contract);
 * - action_spawn() really runs the program (fork and execve, no shell) in
 *   its own process group with stdin, stdout and stderr on pipes, writes
 *   the input, captures output up to a cap and kills the group at the
 *   timeout; like the agent's event loop, the callback runs later, from
 *   fake_ctx_run();
 * - action_lock() grants every lock at once (its callback also runs from
 *   fake_ctx_run()).
 */
#ifndef METACTL_FAKE_CTX_H
#define METACTL_FAKE_CTX_H

#include <jansson.h>

#include "plugins/plugin.h"

struct action_ctx;

/* All strings and node are borrowed and must outlive the ctx. */
struct action_ctx *fake_ctx_new(const char *agent, const char *action,
    const struct node_info *node, void *plugin_data);
void fake_ctx_free(struct action_ctx *ctx);

void fake_ctx_set_dry_run(struct action_ctx *ctx, int dry_run);
void fake_ctx_set_caller(struct action_ctx *ctx, const char *caller);
/* Bytes of stdout and of stderr kept (default 1 MiB). */
void fake_ctx_set_output_cap(struct action_ctx *ctx, size_t cap);
/* Used when spawn_options.timeout_ms is 0 (default 10000). */
void fake_ctx_set_default_timeout(struct action_ctx *ctx, int timeout_ms);

/* Runs pending callbacks until none is left; returns how many ran. */
int fake_ctx_run(struct action_ctx *ctx);

/*
 * Looks the action up in r, runs it on a new ctx (dry_run as given) with
 * input (borrowed) and then the pending callbacks; the caller frees the
 * ctx. A failed lookup fails the test.
 */
struct registry;
struct action_ctx *fake_ctx_call(const struct registry *r, const char *agent,
    const char *action, const json_t *input, const struct node_info *node,
    int dry_run);

/* What action_done() recorded. */
int fake_ctx_done_count(const struct action_ctx *ctx);
int fake_ctx_status(const struct action_ctx *ctx);
const char *fake_ctx_msg(const struct action_ctx *ctx);
const json_t *fake_ctx_data(const struct action_ctx *ctx);

/* What action_spawn() was given last: argv (NULL-terminated) and input. */
int fake_ctx_spawn_count(const struct action_ctx *ctx);
const char *const *fake_ctx_last_argv(const struct action_ctx *ctx);
const char *fake_ctx_last_input(const struct action_ctx *ctx);
/* Commands recorded under dry-run, as an array of argv arrays. */
const json_t *fake_ctx_commands(const struct action_ctx *ctx);

#endif

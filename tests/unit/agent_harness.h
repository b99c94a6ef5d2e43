/*
 * agent_harness.h: a small real metactld for the plugin suites. It holds a
 * struct agentd with its own loop, the configuration defaults, a node, and
 * the registry of $top_srcdir/schemas/ddl plus external agents; an action
 * runs through action_submit(), the one constructor of the action context,
 * and the loop, exactly as in the daemon, to its signed reply.
 */
#ifndef TEST_AGENT_HARNESS_H
#define TEST_AGENT_HARNESS_H

#include <jansson.h>

#include "message.h"
#include "agent/agentd.h"

struct harness {
	struct agentd d;
	uv_loop_t loop;
	int64_t deadline_ms; /* what harness_run() gives action_deadline_ms() */
};

/* ext_dir: external agents (NULL: none). Failures fail the test. */
void harness_init(struct harness *h, const char *ext_dir);
/* Runs the loop dry and checks that it closes; frees everything. */
void harness_fini(struct harness *h);
/* The node's facts (stolen) and its n classes. */
void harness_set_node(
    struct harness *h, json_t *facts, const char *const *classes, size_t n);
/* The configured collectives. */
void harness_set_collectives(
    struct harness *h, const char *const *collectives, size_t n);

/*
 * Runs agent.action with input (borrowed; may be NULL) as caller "uid=1000"
 * to its reply, which the caller frees with reply_free(). Fails the test
 * unless exactly one reply came and the agent released the sink.
 */
struct reply *harness_call(struct harness *h, const char *agent,
    const char *action, const json_t *input, int dry_run);
/* The same with the action's implementation and plugin data given. */
struct reply *harness_run(struct harness *h, const char *agent,
    const char *action, const struct plugin_action *impl, void *plugin_data,
    const json_t *input, int dry_run);

#endif

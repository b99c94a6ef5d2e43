/*
 * registry.h: every agent a node hosts, with its DDL.
 *
 * Static plugins are compiled in (the table in registry.c); external agents
 * are separate executables speaking the versioned JSON protocol of
 * docs/EXTERNAL-AGENTS.md on stdin/stdout. Nothing is ever dlopen()ed.
 *
 * The registry owns every DDL it loaded; everything it hands out is
 * borrowed and valid until registry_free().
 */
#ifndef METACTL_REGISTRY_H
#define METACTL_REGISTRY_H

#include <stddef.h>

#include "error.h"
#include "ddl.h"
#include "plugins/plugin.h"

struct registry;

/*
 * Static plugins (the table in registry.c) with their DDLs from ddl_dir
 * (<agent>.json), plus external agents found in external_dir (may be
 * NULL): an executable file NAME and its DDL NAME.json side by side.
 * A plugin without a DDL, a DDL action without an implementation, or an
 * implementation without a DDL action is an error naming both; so are two
 * agents of one name. Other DDLs in ddl_dir (agents this node does not
 * host, which the CLI still needs) are not read. On error *ret is
 * untouched and err says why (its source names the file at fault).
 */
int registry_load(const char *ddl_dir, const char *external_dir,
    struct registry **ret, struct error *err);
/* NULL is a no-op. Does not call fini: see registry_fini(). */
void registry_free(struct registry *r);

size_t registry_count(const struct registry *r);
/* The i-th agent's name, sorted by name; borrowed; NULL past the end. */
const char *registry_agent(const struct registry *r, size_t i);
/* Borrowed, or NULL for an unknown agent. */
const struct ddl *registry_ddl(const struct registry *r, const char *agent);

/*
 * 0, MCE_UNKAGENT or MCE_UNKACTION. On success *ret_action is the action
 * to run and *ret_plugin_data what action_plugin_data() must return while
 * it runs (NULL for static plugins, the external agent's description for
 * external ones). Both are borrowed.
 */
int registry_lookup(const struct registry *r, const char *agent,
    const char *action, const struct plugin_action **ret_action,
    void **ret_plugin_data);

/*
 * The i-th agent's recovery hook as an action named "recover" (struct
 * plugin's recover), or NULL when it has none; borrowed.
 */
const struct plugin_action *registry_recover(
    const struct registry *r, size_t i);

/*
 * Calls every static plugin's init in name order; on the first failure
 * calls fini of those already initialised and returns its code.
 */
int registry_init(struct registry *r);
/* Calls fini of every initialised plugin, in reverse order. */
void registry_fini(struct registry *r);

#endif

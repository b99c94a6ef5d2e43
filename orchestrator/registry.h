/*
 * registry.h: the nodes metactl knows, so that any filter yields its
 * expected set locally. File (client.conf `cache`, default
 * ~/.cache/metactl/nodes.json), mode 0600 in a 0700 directory:
 *   {"version":2,
 *    "nodes":{"web1":{"seen":<ms>, "missed":<n>,
 *                     "collectives":["metactl", ...],
 *                     "inventory":{"time":<ms>, "facts":{...},
 *                                  "classes":[...], "agents":[...]}},
 *             ...},
 *    "refresh":{"<collective>":<ms of the last full refresh>, ...}}
 * "inventory" is what rpcutil inventory last returned; a node seen only
 * answering a ping has none. A file of another version, or unreadable, is
 * an empty registry (and is replaced by the next save). Saving writes a
 * temporary file and renames it: concurrent runs never leave a torn file,
 * the last writer wins.
 */
#ifndef METACTL_ORCH_REGISTRY_H
#define METACTL_ORCH_REGISTRY_H

#include <stdint.h>
#include <jansson.h>

#include "strv.h"

#define REGISTRY_VERSION 2

struct registry {
	json_t *doc;
};

void registry_load(struct registry *reg, const char *path);
/* 0 or a negative code; path "" or NULL: nothing is written. */
int registry_save(const struct registry *reg, const char *path);
void registry_clear(struct registry *reg);

/* How many nodes of collective the registry knows. */
size_t registry_count(const struct registry *reg, const char *collective);
/* The node's entry (borrowed), or NULL. */
const json_t *registry_node(const struct registry *reg, const char *identity);

/*
 * Adds to ret the nodes of collective that filter selects. A node with an
 * inventory is matched with lib/filter against its facts, classes, agents
 * and identity; a node without one is selected only by an empty filter or
 * by a filter of plain -I names naming it. 0 or -ENOMEM.
 */
int registry_expected(const struct registry *reg, const char *collective,
    const json_t *filter, struct strv *ret);
/*
 * A filter that only names identities, without regexes (plain -I), and at
 * most the agent filter metactl adds for rpc, says which nodes are meant:
 * 1 and the names (added to ret unless it is NULL), 0 for any other
 * filter, or -ENOMEM. A named node the registry does not know is expected
 * ("never seen" when it stays silent); one it knows is expected when its
 * inventory matches the whole filter (registry_expected()).
 */
int registry_named_nodes(const json_t *filter, struct strv *ret);
/* 1 when identity is known and selected by filter as above, else 0. */
int registry_selects(
    const struct registry *reg, const char *identity, const json_t *filter);

/* identity answered in collective at now_ms: seen, missed = 0. 1 when it
 * was not in the registry, 0, or -ENOMEM. */
int registry_seen(struct registry *reg, const char *identity,
    const char *collective, int64_t now_ms);
/* Records the data of an rpcutil inventory reply (and a sighting). */
int registry_inventory(struct registry *reg, const char *identity,
    const json_t *data, int64_t now_ms);
/*
 * identity stayed silent: missed += 1. It is removed when it has now
 * missed at least forget_misses discoveries in a row AND was last seen
 * more than forget_after_ms ago: 1 then, else 0.
 */
int registry_missed(struct registry *reg, const char *identity, int64_t now_ms,
    long forget_misses, int64_t forget_after_ms);
/* 0, or -ENOENT when identity is unknown. */
int registry_forget(struct registry *reg, const char *identity);

/* When collective was last fully refreshed (0: never). */
int64_t registry_refreshed(const struct registry *reg, const char *collective);
void registry_set_refreshed(
    struct registry *reg, const char *collective, int64_t now_ms);

#endif

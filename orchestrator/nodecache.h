/*
 * nodecache.h: the nodes each discovery found, so the next one can stop
 * early. File (default ~/.cache/metactl/nodes.json):
 *   {"version":1,
 *    "nodes":{"web1":<last seen ms>, ...},
 *    "discoveries":{"<key>":{"time":<ms>,"nodes":["web1", ...]}, ...}}
 * The key is the collective and the filter (compact JSON, sorted keys),
 * so only a discovery with the same filter is ever cut short by an entry.
 * An entry is used only while younger than cache_ttl; a discovery that
 * waited its whole window replaces its entry, one that stopped early only
 * adds the nodes it saw to it, so entries age out and a node that joined
 * the fleet is found by the next full discovery.
 */
#ifndef METACTL_ORCH_NODECACHE_H
#define METACTL_ORCH_NODECACHE_H

#include <stdint.h>
#include <jansson.h>

#include "strv.h"

#define NODECACHE_MAX_ENTRIES 64

struct nodecache {
	json_t *doc;
};

/* A missing or unreadable file gives an empty cache: it is only a hint. */
void nodecache_load(struct nodecache *nc, const char *path);
/* Writes atomically (temporary file and rename), creating the directory. */
int nodecache_save(const struct nodecache *nc, const char *path);
void nodecache_clear(struct nodecache *nc);

/* Caller frees. */
char *nodecache_key(const char *collective, const json_t *filter);
/* 1 and the nodes of a fresh entry, 0 when there is none. */
int nodecache_expected(const struct nodecache *nc, const char *key,
    int64_t now_ms, int64_t ttl_ms, struct strv *ret);
/* full: the discovery waited its whole window. */
int nodecache_record(struct nodecache *nc, const char *key,
    const struct strv *nodes, int full, int64_t now_ms);

#endif

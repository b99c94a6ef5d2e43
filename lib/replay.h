/*
 * replay.h: request time window and a cache of request ids seen.
 *
 * A request is accepted when now - skew <= time + ttl*1000 (not expired),
 * time <= now + skew (not from the future) and its id was not seen within
 * the window. ttl is capped at max_ttl. Ids are remembered until their
 * request would have expired anyway; expired entries are dropped lazily on
 * insert, so no timer is needed. The cache holds at most max_entries ids:
 * when it is full of live ids new requests are refused (MCE_CACHEFULL)
 * rather than forgetting an id that could then be replayed.
 */
#ifndef METACTL_REPLAY_H
#define METACTL_REPLAY_H

#include <stddef.h>
#include <stdint.h>

struct replay_config {
	int64_t max_skew_ms; /* default 30000 */
	int64_t max_ttl; /* seconds, default 600 */
	size_t max_entries; /* default 100000 */
};
void replay_config_default(struct replay_config *c);

struct replay;
struct replay *replay_new(const struct replay_config *c);
void replay_free(struct replay *r);
/* 0 (and the id is remembered), MCE_STALE, MCE_FUTURE, MCE_REPLAY,
 * MCE_CACHEFULL or -ENOMEM. */
int replay_check(struct replay *r, const char *id, int64_t time_ms, int64_t ttl,
    int64_t now_ms);
size_t replay_count(const struct replay *r);

#endif

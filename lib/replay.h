/*
 * replay.h: request time window and a cache of request ids seen, kept
 * per caller.
 *
 * A request is accepted when now - skew <= time + ttl*1000 (not expired),
 * time <= now + skew (not from the future) and its id was not seen within
 * the window from the same caller. ttl is capped at max_ttl. An id is
 * remembered at least until time + ttl*1000 + skew, after which its
 * request is stale anyway; nothing is forgotten earlier, so a full cache
 * refuses rather than forgets (MCE_CACHEFULL).
 *
 * Ids are kept per caller (the verified caller string, "cert=NAME" or
 * "uid=N"): a caller cannot claim another's id, and a flood from one
 * caller cannot make another's request fail. Of the max_entries ids the
 * cache may hold, caller_entries are set aside for each of up to
 * max_callers callers; the rest, max_entries - max_callers *
 * caller_entries, is shared, first come first served. So a caller that
 * holds fewer than caller_entries live ids is always accepted, even
 * while another caller has taken all the shared part; a caller is
 * refused only when it already holds caller_entries ids and the shared
 * part is used up, or when max_callers other callers hold live ids.
 *
 * Memory (see replay.c): at most 32 bytes per id held, plus about 4 KiB
 * per caller tracked; with the defaults (4194304 ids, 64 callers of 8192
 * ids each) at most 129 MiB, reached only under a sustained 5,000
 * requests/s of ttl max_ttl (measured: 101 MB, bench/results/). While one
 * generation's table grows, its old table (at most 2/3 the size of the
 * new) is held too, for the duration of that one check. Nothing is
 * allocated while idle, and there is no timer: expired ids are dropped
 * by the checks that follow.
 */
#ifndef METACTL_REPLAY_H
#define METACTL_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#define REPLAY_CALLER_MAX 256 /* bytes of a caller string */

struct replay_config {
	int64_t max_skew_ms; /* default 30000 */
	int64_t max_ttl; /* seconds, default 600 */
	size_t max_entries; /* ids held in all, default 4194304 */
	size_t max_callers; /* callers tracked at once, default 64 */
	size_t caller_entries; /* set aside for each caller, default 8192 */
};
void replay_config_default(struct replay_config *c);

struct replay;
/* A new cache, or NULL. A config whose callers' shares exceed
 * max_entries gets caller_entries = max_entries / max_callers. */
struct replay *replay_new(const struct replay_config *c);
void replay_free(struct replay *r);
/*
 * 0 (and the id is remembered for caller), MCE_STALE, MCE_FUTURE,
 * MCE_REPLAY, MCE_CACHEFULL, -EINVAL (caller empty or longer than
 * REPLAY_CALLER_MAX, id not 32 hex digits) or -ENOMEM.
 */
int replay_check(struct replay *r, const char *caller, const char *id,
    int64_t time_ms, int64_t ttl, int64_t now_ms);
/* Ids held, of all callers; expired ones may linger until a check. */
size_t replay_count(const struct replay *r);
/* Ids held for caller. */
size_t replay_caller_count(const struct replay *r, const char *caller);
/* Callers tracked. */
size_t replay_callers(const struct replay *r);
/* Bytes of heap the cache holds. */
size_t replay_bytes(const struct replay *r);
/* How long past its expiry an id may still be held (ms). */
int64_t replay_slack_ms(const struct replay *r);

#endif

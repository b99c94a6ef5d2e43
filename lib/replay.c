/*
 * replay.c: see replay.h.
 *
 * A chained hash table of ids (keyed SipHash, so ids chosen by a sender
 * cannot pile up in one bucket) and a binary min-heap of the same entries
 * ordered by expiry. Every check first pops the expired entries off the
 * heap, so the cost of forgetting is paid by the requests that arrive and
 * an idle daemon does nothing.
 */
#include "buildconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "error.h"
#include "message.h"
#include "replay.h"

#define BUCKETS_MIN 64
#define TTL_LIMIT 2147483647LL /* seconds, about 68 years */
#define SKEW_LIMIT_MS 86400000LL /* a day */

struct entry {
	char id[MESSAGE_ID_LEN + 1];
	int64_t expires_ms; /* forgotten once now is past this */
	size_t heap_index;
	struct entry *next; /* bucket chain */
};

struct replay {
	struct replay_config config;
	unsigned char key[crypto_shorthash_KEYBYTES];
	struct entry **buckets;
	size_t nbuckets; /* a power of two */
	struct entry **heap;
	size_t count;
	size_t heap_cap;
};

void
replay_config_default(struct replay_config *c)
{
	c->max_skew_ms = 30000;
	c->max_ttl = 600;
	c->max_entries = 100000;
}

struct replay *
replay_new(const struct replay_config *c)
{
	struct replay *r;

	if (sodium_init() < 0 || (r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if (c != NULL)
		r->config = *c;
	else
		replay_config_default(&r->config);
	if (r->config.max_skew_ms < 0)
		r->config.max_skew_ms = 0;
	if (r->config.max_ttl < 0)
		r->config.max_ttl = 0;
	/* Bounds that keep the arithmetic on times far from overflow. */
	if (r->config.max_ttl > TTL_LIMIT)
		r->config.max_ttl = TTL_LIMIT;
	if (r->config.max_skew_ms > SKEW_LIMIT_MS)
		r->config.max_skew_ms = SKEW_LIMIT_MS;
	randombytes_buf(r->key, sizeof(r->key));
	r->nbuckets = BUCKETS_MIN;
	if ((r->buckets = calloc(r->nbuckets, sizeof(*r->buckets))) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

void
replay_free(struct replay *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->count; i++)
		free(r->heap[i]);
	free(r->heap);
	free(r->buckets);
	free(r);
}

size_t
replay_count(const struct replay *r)
{
	return r->count;
}

static size_t
bucket_of(const struct replay *r, const char *id)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t v = 0;

	crypto_shorthash(h, (const unsigned char *)id, strlen(id), r->key);
	for (size_t i = 0; i < sizeof(v); i++)
		v = v << 8 | h[i];
	return (size_t)(v & (r->nbuckets - 1));
}

/* The link that points at the entry for id, or at the chain's NULL end. */
static struct entry **
find_link(struct replay *r, const char *id)
{
	struct entry **p = &r->buckets[bucket_of(r, id)];

	while (*p != NULL && strcmp((*p)->id, id) != 0)
		p = &(*p)->next;
	return p;
}

static void
heap_set(struct replay *r, size_t i, struct entry *e)
{
	r->heap[i] = e;
	e->heap_index = i;
}

static void
heap_up(struct replay *r, size_t i)
{
	struct entry *e = r->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (r->heap[parent]->expires_ms <= e->expires_ms)
			break;
		heap_set(r, i, r->heap[parent]);
		i = parent;
	}
	heap_set(r, i, e);
}

static void
heap_down(struct replay *r, size_t i)
{
	struct entry *e = r->heap[i];

	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= r->count)
			break;
		if (child + 1 < r->count &&
		    r->heap[child + 1]->expires_ms < r->heap[child]->expires_ms)
			child++;
		if (e->expires_ms <= r->heap[child]->expires_ms)
			break;
		heap_set(r, i, r->heap[child]);
		i = child;
	}
	heap_set(r, i, e);
}

/* Drops every entry whose request could no longer be accepted. */
static void
expire(struct replay *r, int64_t now_ms)
{
	while (r->count > 0 && r->heap[0]->expires_ms < now_ms) {
		struct entry *e = r->heap[0];
		struct entry **link = find_link(r, e->id);

		*link = e->next;
		r->count--;
		if (r->count > 0) {
			heap_set(r, 0, r->heap[r->count]);
			heap_down(r, 0);
		}
		free(e);
	}
}

/* Doubles the bucket array when the chains grow longer than one entry on
 * average; a failed allocation only leaves the chains longer. */
static void
maybe_grow(struct replay *r)
{
	struct entry **old = r->buckets;
	size_t oldn = r->nbuckets;

	if (r->count < r->nbuckets)
		return;
	r->buckets = calloc(oldn * 2, sizeof(*r->buckets));
	if (r->buckets == NULL) {
		r->buckets = old;
		return;
	}
	r->nbuckets = oldn * 2;
	for (size_t i = 0; i < oldn; i++) {
		struct entry *e = old[i], *next;
		for (; e != NULL; e = next) {
			size_t b = bucket_of(r, e->id);
			next = e->next;
			e->next = r->buckets[b];
			r->buckets[b] = e;
		}
	}
	free(old);
}

static int
insert(
    struct replay *r, struct entry **link, const char *id, int64_t expires_ms)
{
	struct entry *e;

	if (r->count == r->heap_cap) {
		size_t cap = r->heap_cap ? r->heap_cap * 2 : 64;
		struct entry **h = realloc(r->heap, cap * sizeof(*h));
		if (h == NULL)
			return -ENOMEM;
		r->heap = h;
		r->heap_cap = cap;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -ENOMEM;
	memcpy(e->id, id, strlen(id) + 1);
	e->expires_ms = expires_ms;
	*link = e;
	r->heap[r->count] = e;
	heap_up(r, r->count++);
	maybe_grow(r);
	return 0;
}

/*
 * Returns -EINVAL for an id longer than MESSAGE_ID_LEN or empty (the
 * decoder never lets one through).
 */
int
replay_check(struct replay *r, const char *id, int64_t time_ms, int64_t ttl,
    int64_t now_ms)
{
	int64_t skew = r->config.max_skew_ms, valid_until;
	struct entry **link;
	size_t len;

	if (id == NULL || (len = strnlen(id, MESSAGE_ID_LEN + 1)) == 0 ||
	    len > MESSAGE_ID_LEN)
		return -EINVAL;
	if (ttl > r->config.max_ttl)
		ttl = r->config.max_ttl;
	if (ttl < 0)
		ttl = 0;
	/* Future first: it bounds time_ms, so the sum cannot overflow. */
	if (time_ms > now_ms + skew)
		return MCE_FUTURE;
	valid_until = time_ms + ttl * 1000;
	if (now_ms - skew > valid_until)
		return MCE_STALE;
	expire(r, now_ms);
	link = find_link(r, id);
	if (*link != NULL)
		return MCE_REPLAY;
	if (r->count >= r->config.max_entries)
		return MCE_CACHEFULL;
	return insert(r, link, id, valid_until + skew);
}

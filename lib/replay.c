/*
 * replay.c: see replay.h.
 *
 * Each caller's ids are spread over REPLAY_GENS generations by expiry
 * time: generation g holds the ids that expire within [g*L, (g+1)*L)
 * seconds, with L = ceil(window / (REPLAY_GENS - 2)) and window the
 * longest an id can need keeping (max_ttl + 2 * skew). A generation lives
 * in the ring slot g % REPLAY_GENS and is dropped whole, table and all,
 * once now is past its end: no per-id expiry time, no heap, no timer.
 * An id may so be kept up to L seconds longer than needed, never less.
 *
 * A generation is an open-addressing table (linear probing) of 16-byte
 * ids, the 32 hex digits in binary, probed from a keyed SipHash of the id
 * (ids are chosen by senders, who must not be able to pile them on one
 * probe chain). Tables grow by half when three quarters full, so each id
 * held costs 16 bytes over a load of 1/2 to 3/4: at most 32 bytes. The
 * all-zero id, which marks an empty slot, is a flag of its own.
 *
 * Callers are a small array searched by a keyed hash of their name; one
 * check also sweeps one other caller in turn, so the ids of callers that
 * went quiet are freed without a timer, and a caller with no ids left is
 * forgotten.
 */
#include "buildconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "error.h"
#include "message.h"
#include "replay.h"

#define REPLAY_GENS 16
#define ID_BYTES (MESSAGE_ID_LEN / 2)
#define TABLE_MIN 8 /* slots of a new generation table */
#define TTL_LIMIT 2147483647LL /* seconds, about 68 years */
#define SKEW_LIMIT_MS 86400000LL /* a day */

struct gen {
	int64_t number; /* g, or -1 when the slot is empty */
	size_t count; /* ids held, the zero id included */
	size_t cap; /* slots */
	unsigned char (*slots)[ID_BYTES];
	int has_zero;
};

struct caller {
	char *name;
	uint64_t hash;
	size_t count; /* ids held over all generations */
	struct gen gens[REPLAY_GENS];
};

struct replay {
	struct replay_config config;
	int64_t gen_ms; /* L, in ms */
	unsigned char key[crypto_shorthash_KEYBYTES];
	struct caller **callers;
	size_t ncallers;
	size_t sweep_next; /* the caller the next check sweeps */
	size_t count; /* ids held in all */
	size_t shared; /* max_entries - max_callers * caller_entries */
	size_t borrowed; /* ids held beyond callers' own shares */
	size_t bytes; /* heap held by tables, records and names */
};

void
replay_config_default(struct replay_config *c)
{
	c->max_skew_ms = 30000;
	c->max_ttl = 600;
	c->max_entries = 4194304;
	c->max_callers = 64;
	c->caller_entries = 8192;
}

struct replay *
replay_new(const struct replay_config *c)
{
	struct replay *r;
	struct replay_config *k;
	int64_t window_s;

	if (sodium_init() < 0 || (r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	k = &r->config;
	if (c != NULL)
		*k = *c;
	else
		replay_config_default(k);
	if (k->max_skew_ms < 0)
		k->max_skew_ms = 0;
	if (k->max_ttl < 0)
		k->max_ttl = 0;
	/* Bounds that keep the arithmetic on times far from overflow. */
	if (k->max_ttl > TTL_LIMIT)
		k->max_ttl = TTL_LIMIT;
	if (k->max_skew_ms > SKEW_LIMIT_MS)
		k->max_skew_ms = SKEW_LIMIT_MS;
	if (k->max_callers == 0)
		k->max_callers = 1;
	if (k->max_callers > k->max_entries && k->max_entries > 0)
		k->max_callers = k->max_entries;
	if (k->caller_entries > k->max_entries / k->max_callers)
		k->caller_entries = k->max_entries / k->max_callers;
	r->shared = k->max_entries - k->max_callers * k->caller_entries;
	window_s = k->max_ttl + (2 * k->max_skew_ms + 999) / 1000 + 1;
	r->gen_ms = (window_s + REPLAY_GENS - 3) / (REPLAY_GENS - 2) * 1000;
	randombytes_buf(r->key, sizeof(r->key));
	r->callers = calloc(k->max_callers, sizeof(*r->callers));
	if (r->callers == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

static void
gen_clear(struct replay *r, struct gen *g)
{
	r->bytes -= g->cap * ID_BYTES;
	free(g->slots);
	memset(g, 0, sizeof(*g));
	g->number = -1;
}

static void
caller_free(struct replay *r, struct caller *c)
{
	for (size_t i = 0; i < REPLAY_GENS; i++)
		gen_clear(r, &c->gens[i]);
	r->bytes -= strlen(c->name) + 1 + sizeof(*c);
	free(c->name);
	free(c);
}

void
replay_free(struct replay *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->ncallers; i++)
		caller_free(r, r->callers[i]);
	free(r->callers);
	free(r);
}

size_t
replay_count(const struct replay *r)
{
	return r->count;
}

size_t
replay_callers(const struct replay *r)
{
	return r->ncallers;
}

size_t
replay_bytes(const struct replay *r)
{
	return r->bytes + sizeof(*r) + r->config.max_callers * sizeof(void *);
}

int64_t
replay_slack_ms(const struct replay *r)
{
	return r->gen_ms;
}

static uint64_t
hash64(const struct replay *r, const void *data, size_t len)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t v = 0;

	crypto_shorthash(h, data, len, r->key);
	for (size_t i = 0; i < sizeof(v); i++)
		v = v << 8 | h[i];
	return v;
}

static struct caller *
caller_find(const struct replay *r, const char *name, uint64_t hash)
{
	for (size_t i = 0; i < r->ncallers; i++)
		if (r->callers[i]->hash == hash &&
		    strcmp(r->callers[i]->name, name) == 0)
			return r->callers[i];
	return NULL;
}

/* Ids held beyond the caller's own share, for n ids held. */
static size_t
over_share(const struct replay *r, size_t n)
{
	return n > r->config.caller_entries ? n - r->config.caller_entries : 0;
}

/* Accounts for the caller's count going from c->count to n. */
static void
caller_recount(struct replay *r, struct caller *c, size_t n)
{
	r->borrowed -= over_share(r, c->count);
	r->borrowed += over_share(r, n);
	r->count -= c->count;
	r->count += n;
	c->count = n;
}

static int64_t
gen_end_ms(const struct replay *r, int64_t number)
{
	return (number + 1) * r->gen_ms;
}

/* Drops the caller's generations that ended before now. */
static void
caller_sweep(struct replay *r, struct caller *c, int64_t now_ms)
{
	for (size_t i = 0; i < REPLAY_GENS; i++) {
		struct gen *g = &c->gens[i];

		if (g->number < 0 || gen_end_ms(r, g->number) >= now_ms)
			continue;
		caller_recount(r, c, c->count - g->count);
		gen_clear(r, g);
	}
}

static void
caller_remove(struct replay *r, size_t i)
{
	caller_free(r, r->callers[i]);
	r->callers[i] = r->callers[--r->ncallers];
	r->callers[r->ncallers] = NULL;
}

/* Sweeps the callers from index i, forgetting those left with no ids,
 * except keep. */
static void
sweep_at(struct replay *r, size_t i, const struct caller *keep, int64_t now_ms)
{
	struct caller *c = r->callers[i];

	caller_sweep(r, c, now_ms);
	if (c->count == 0 && c != keep)
		caller_remove(r, i);
}

static void
sweep_all(struct replay *r, const struct caller *keep, int64_t now_ms)
{
	for (size_t i = r->ncallers; i-- > 0;)
		sweep_at(r, i, keep, now_ms);
}

static size_t
slot_of(uint64_t hash, size_t cap)
{
	return (size_t)(((hash & 0xffffffffu) * (uint64_t)cap) >> 32);
}

/* Ids are compared as two 64-bit words: probing is most of a check. */
static int
id_eq(const unsigned char *a, const unsigned char *b)
{
	uint64_t a0, a1, b0, b1;

	memcpy(&a0, a, 8);
	memcpy(&a1, a + 8, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, b + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

static int
is_zero(const unsigned char *id)
{
	static const unsigned char zero[ID_BYTES];

	return id_eq(id, zero);
}

/* The slot holding id, or the empty slot where it would go. */
static size_t
gen_probe(const struct gen *g, const unsigned char *id, uint64_t hash)
{
	size_t i = slot_of(hash, g->cap);

	while (!is_zero(g->slots[i]) && !id_eq(g->slots[i], id))
		i = i + 1 == g->cap ? 0 : i + 1;
	return i;
}

static int
gen_has(const struct gen *g, const unsigned char *id, uint64_t hash)
{
	if (g->number < 0)
		return 0;
	if (is_zero(id))
		return g->has_zero;
	if (g->cap == 0)
		return 0;
	return !is_zero(g->slots[gen_probe(g, id, hash)]);
}

static int
gen_grow(struct replay *r, struct gen *g)
{
	size_t cap = g->cap < TABLE_MIN ? TABLE_MIN : g->cap + g->cap / 2;
	unsigned char(*slots)[ID_BYTES] = calloc(cap, ID_BYTES);
	struct gen n = *g;

	if (slots == NULL)
		return -ENOMEM;
	n.slots = slots;
	n.cap = cap;
	for (size_t i = 0; i < g->cap; i++) {
		if (is_zero(g->slots[i]))
			continue;
		memcpy(n.slots[gen_probe(
			   &n, g->slots[i], hash64(r, g->slots[i], ID_BYTES))],
		    g->slots[i], ID_BYTES);
	}
	r->bytes += cap * ID_BYTES;
	r->bytes -= g->cap * ID_BYTES;
	free(g->slots);
	*g = n;
	return 0;
}

static int
gen_add(struct replay *r, struct gen *g, const unsigned char *id, uint64_t hash)
{
	int rc;

	if (is_zero(id)) {
		g->has_zero = 1;
	} else {
		/* Keep at least a quarter of the slots free. */
		if ((g->count + 1) * 4 > g->cap * 3 &&
		    (rc = gen_grow(r, g)) < 0)
			return rc;
		memcpy(g->slots[gen_probe(g, id, hash)], id, ID_BYTES);
	}
	g->count++;
	return 0;
}

static int
parse_id(const char *id, unsigned char out[ID_BYTES])
{
	size_t len;

	if (id == NULL || (len = strnlen(id, MESSAGE_ID_LEN + 1)) == 0 ||
	    len != MESSAGE_ID_LEN)
		return -EINVAL;
	for (size_t i = 0; i < MESSAGE_ID_LEN; i++) {
		int c = id[i], v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return -EINVAL;
		if (i % 2 == 0)
			out[i / 2] = (unsigned char)(v << 4);
		else
			out[i / 2] |= (unsigned char)v;
	}
	return 0;
}

/* The caller's record, created when there is room for one more. */
static int
caller_get(struct replay *r, const char *name, uint64_t hash, int64_t now_ms,
    struct caller **ret)
{
	struct caller *c;
	size_t len = strlen(name);

	if ((*ret = caller_find(r, name, hash)) != NULL)
		return 0;
	if (r->ncallers == r->config.max_callers)
		sweep_all(r, NULL, now_ms);
	if (r->ncallers == r->config.max_callers)
		return MCE_CACHEFULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -ENOMEM;
	if ((c->name = malloc(len + 1)) == NULL) {
		free(c);
		return -ENOMEM;
	}
	memcpy(c->name, name, len + 1);
	c->hash = hash;
	for (size_t i = 0; i < REPLAY_GENS; i++)
		c->gens[i].number = -1;
	r->bytes += len + 1 + sizeof(*c);
	r->callers[r->ncallers++] = c;
	*ret = c;
	return 0;
}

/* Whether the caller may hold one more id (see replay.h). */
static int
has_room(struct replay *r, const struct caller *c, int64_t now_ms)
{
	if (c->count < r->config.caller_entries)
		return 1;
	if (r->borrowed < r->shared)
		return 1;
	/* Quiet callers' expired ids may still count as borrowed. */
	sweep_all(r, c, now_ms);
	return r->borrowed < r->shared;
}

/*
 * The generation an id expiring at expires_ms goes to: the one whose end
 * is the first at or after expires_ms. A slot still holding another
 * generation after the sweep (only when the clock went back) takes the
 * later of the two ends, which keeps ids longer, never shorter.
 */
static struct gen *
gen_for(struct replay *r, struct caller *c, int64_t expires_ms)
{
	int64_t number = 0;
	struct gen *g;

	if (expires_ms > r->gen_ms)
		number = (expires_ms + r->gen_ms - 1) / r->gen_ms - 1;
	g = &c->gens[number % REPLAY_GENS];
	if (g->number < number)
		g->number = number;
	return g;
}

int
replay_check(struct replay *r, const char *caller, const char *id,
    int64_t time_ms, int64_t ttl, int64_t now_ms)
{
	int64_t skew = r->config.max_skew_ms, valid_until;
	unsigned char bin[ID_BYTES];
	struct caller *c;
	uint64_t hash;
	size_t len;
	int rc;

	if (caller == NULL ||
	    (len = strnlen(caller, REPLAY_CALLER_MAX + 1)) == 0 ||
	    len > REPLAY_CALLER_MAX || parse_id(id, bin) < 0)
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

	if (r->ncallers > 0)
		sweep_at(r, r->sweep_next++ % r->ncallers, NULL, now_ms);
	if ((rc = caller_get(r, caller, hash64(r, caller, len), now_ms, &c)) <
	    0)
		return rc;
	caller_sweep(r, c, now_ms);
	hash = hash64(r, bin, ID_BYTES);
	for (size_t i = 0; i < REPLAY_GENS; i++)
		if (gen_has(&c->gens[i], bin, hash))
			return MCE_REPLAY;
	if (!has_room(r, c, now_ms))
		return MCE_CACHEFULL;
	if ((rc = gen_add(r, gen_for(r, c, valid_until + skew), bin, hash)) < 0)
		return rc;
	caller_recount(r, c, c->count + 1);
	return 0;
}

size_t
replay_caller_count(const struct replay *r, const char *caller)
{
	const struct caller *c;

	if (caller == NULL)
		return 0;
	c = caller_find(r, caller, hash64(r, caller, strlen(caller)));
	return c != NULL ? c->count : 0;
}

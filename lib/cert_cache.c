/* cert_cache.c: see cert_cache.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cert_cache.h"

/* Slots of an empty table; the table doubles when half full. */
#define SLOTS_MIN 16

struct entry {
	unsigned char d[CERT_CACHE_DIGEST_BYTES];
	int64_t not_after;
	int used;
};

/* Open addressing, linear probing: digests are uniform, so their first
 * bytes are the hash. Nothing is removed one by one: a full cache is
 * rebuilt without its expired entries, or emptied. */
struct cert_cache {
	struct entry *slot; /* NULL until the first entry */
	size_t nslots; /* a power of two */
	size_t n;
	size_t max;
	unsigned char key[CERT_CACHE_KEY_BYTES];
	int keyed;
	int changed;
};

struct cert_cache *
cert_cache_new(size_t max)
{
	struct cert_cache *cc;

	if (sodium_init() < 0 || (cc = calloc(1, sizeof(*cc))) == NULL)
		return NULL;
	cc->max = max > 0 ? max : 1;
	return cc;
}

void
cert_cache_free(struct cert_cache *cc)
{
	if (cc == NULL)
		return;
	sodium_memzero(cc->key, sizeof(cc->key));
	free(cc->slot);
	free(cc);
}

static void
forget_all(struct cert_cache *cc)
{
	free(cc->slot);
	cc->slot = NULL;
	cc->nslots = 0;
	cc->n = 0;
}

void
cert_cache_set_key(
    struct cert_cache *cc, const unsigned char key[CERT_CACHE_KEY_BYTES])
{
	memcpy(cc->key, key, sizeof(cc->key));
	cc->keyed = 1;
	forget_all(cc);
}

void
cert_cache_digest(const struct cert_cache *cc, const unsigned char *ca_pk,
    const unsigned char *sig, const char *text, size_t len,
    unsigned char d[CERT_CACHE_DIGEST_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, cc->keyed ? cc->key : NULL,
	    cc->keyed ? sizeof(cc->key) : 0, CERT_CACHE_DIGEST_BYTES);
	crypto_generichash_update(&st, ca_pk, crypto_sign_PUBLICKEYBYTES);
	crypto_generichash_update(&st, sig, crypto_sign_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)text, len);
	crypto_generichash_final(&st, d, CERT_CACHE_DIGEST_BYTES);
}

/* The slot holding d, or the empty slot where it would go. */
static struct entry *
lookup(const struct cert_cache *cc, const unsigned char *d)
{
	size_t mask = cc->nslots - 1, i;
	uint64_t h;

	memcpy(&h, d, sizeof(h));
	for (i = (size_t)h & mask;; i = (i + 1) & mask)
		if (!cc->slot[i].used ||
		    sodium_memcmp(cc->slot[i].d, d, CERT_CACHE_DIGEST_BYTES) ==
			0)
			return &cc->slot[i];
}

int
cert_cache_find(const struct cert_cache *cc,
    const unsigned char d[CERT_CACHE_DIGEST_BYTES], int64_t now)
{
	const struct entry *e;

	if (cc == NULL || cc->slot == NULL)
		return 0;
	e = lookup(cc, d);
	return e->used && now <= e->not_after;
}

/* Moves the entries not past not_after at now into a table of nslots. */
static int
rebuild(struct cert_cache *cc, size_t nslots, int64_t now)
{
	struct entry *old = cc->slot, *e;
	size_t oldn = cc->nslots, i;

	if ((cc->slot = calloc(nslots, sizeof(*cc->slot))) == NULL) {
		cc->slot = old;
		return -ENOMEM;
	}
	cc->nslots = nslots;
	cc->n = 0;
	for (i = 0; i < oldn; i++) {
		if (!old[i].used || old[i].not_after < now)
			continue;
		e = lookup(cc, old[i].d);
		*e = old[i];
		cc->n++;
	}
	free(old);
	return 0;
}

/* Room for one more entry: a larger table, or fewer entries. */
static int
make_room(struct cert_cache *cc, int64_t now)
{
	size_t want = cc->nslots > 0 ? cc->nslots : SLOTS_MIN;

	if (cc->n >= cc->max && rebuild(cc, cc->nslots, now) == 0 &&
	    cc->n >= cc->max)
		forget_all(cc);
	if (cc->slot != NULL && 2 * (cc->n + 1) <= cc->nslots)
		return 0;
	while (2 * (cc->n + 1) > want)
		want *= 2;
	return rebuild(cc, want, now);
}

int
cert_cache_add(struct cert_cache *cc,
    const unsigned char d[CERT_CACHE_DIGEST_BYTES], int64_t not_after,
    int64_t now)
{
	struct entry *e;
	int r;

	if (not_after < now)
		return 0;
	if ((r = make_room(cc, now)) < 0)
		return r;
	e = lookup(cc, d);
	if (!e->used) {
		memcpy(e->d, d, CERT_CACHE_DIGEST_BYTES);
		e->used = 1;
		cc->n++;
	}
	e->not_after = not_after;
	cc->changed = 1;
	return 0;
}

size_t
cert_cache_count(const struct cert_cache *cc)
{
	return cc->n;
}

int
cert_cache_changed(const struct cert_cache *cc)
{
	return cc->changed;
}

size_t
cert_cache_import(struct cert_cache *cc, const json_t *doc, int64_t now)
{
	unsigned char d[CERT_CACHE_DIGEST_BYTES];
	const json_t *entries = json_object_get(doc, "verified"), *v;
	const char *hex;
	size_t added = 0, n;
	int changed = cc->changed;

	if (!json_is_object(doc) ||
	    json_integer_value(json_object_get(doc, "version")) !=
		CERT_CACHE_VERSION ||
	    !json_is_object(entries))
		return 0;
	json_object_foreach((json_t *)entries, hex, v)
	{
		if (added >= cc->max)
			break;
		if (!json_is_integer(v) || strlen(hex) != 2 * sizeof(d) ||
		    sodium_hex2bin(
			d, sizeof(d), hex, strlen(hex), NULL, &n, NULL) != 0 ||
		    n != sizeof(d) || json_integer_value(v) < now)
			continue;
		if (cert_cache_add(cc, d, json_integer_value(v), now) < 0)
			break;
		added++;
	}
	cc->changed = changed;
	return added;
}

json_t *
cert_cache_export(const struct cert_cache *cc, int64_t now)
{
	char hex[2 * CERT_CACHE_DIGEST_BYTES + 1];
	json_t *doc, *entries = json_object();
	size_t i;

	for (i = 0; entries != NULL && i < cc->nslots; i++) {
		if (!cc->slot[i].used || cc->slot[i].not_after < now)
			continue;
		sodium_bin2hex(
		    hex, sizeof(hex), cc->slot[i].d, CERT_CACHE_DIGEST_BYTES);
		if (json_object_set_new(entries, hex,
			json_integer(cc->slot[i].not_after)) != 0) {
			json_decref(entries);
			entries = NULL;
		}
	}
	if (entries == NULL)
		return NULL;
	doc = json_pack(
	    "{s:i, s:o}", "version", CERT_CACHE_VERSION, "verified", entries);
	return doc;
}

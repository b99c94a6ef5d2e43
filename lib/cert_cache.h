/*
 * cert_cache.h: certificates whose CA signature verified, so that a
 * certificate seen again costs a digest instead of an ed25519
 * verification (a third of what a request costs metactld, nearly half of
 * what a reply costs metactl).
 *
 * An entry is a digest of the CA's public key, the CA's signature and the
 * exact certificate text, with the certificate's not_after: a different
 * key, signature or text is a different digest, and an entry is forgotten
 * at not_after. Only a verification that succeeded, of a certificate whose
 * fields parse, is remembered; time validity, role and fields are checked
 * on every use all the same (lib/sign.h, cert_verify()).
 *
 * A cache that outlives the program (metactl's, next to its node cache)
 * is keyed: its digests are BLAKE2b keyed with a secret only the owner of
 * the cache holds (derived from its signing key, trust.h), so whoever
 * writes the file without that secret can only add entries that match
 * nothing. A damaged or foreign file makes certificates verify again,
 * never skips a verification for other bytes.
 */
#ifndef METACTL_CERT_CACHE_H
#define METACTL_CERT_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define CERT_CACHE_DIGEST_BYTES 32
#define CERT_CACHE_KEY_BYTES 32
/* The version of the document of cert_cache_export(). */
#define CERT_CACHE_VERSION 1

struct cert_cache;

/* Holds at most max entries (at least 1); NULL when memory is short. */
struct cert_cache *cert_cache_new(size_t max);
/* NULL is a no-op. */
void cert_cache_free(struct cert_cache *cc);

/* Keys the digests with key and forgets every entry made before. */
void cert_cache_set_key(
    struct cert_cache *cc, const unsigned char key[CERT_CACHE_KEY_BYTES]);

/* The digest of a certificate: CA public key (32 bytes), CA signature (64
 * bytes) and text. */
void cert_cache_digest(const struct cert_cache *cc, const unsigned char *ca_pk,
    const unsigned char *sig, const char *text, size_t len,
    unsigned char d[CERT_CACHE_DIGEST_BYTES]);

/* 1 when d is remembered and now (seconds) is not past its not_after. */
int cert_cache_find(const struct cert_cache *cc,
    const unsigned char d[CERT_CACHE_DIGEST_BYTES], int64_t now);

/*
 * Remembers d until not_after. When the cache is full, entries past their
 * not_after at now go first, then all of them. 0 or -ENOMEM.
 */
int cert_cache_add(struct cert_cache *cc,
    const unsigned char d[CERT_CACHE_DIGEST_BYTES], int64_t not_after,
    int64_t now);

/* Number of entries. */
size_t cert_cache_count(const struct cert_cache *cc);
/* 1 when entries were added since the cache was made or imported. */
int cert_cache_changed(const struct cert_cache *cc);

/*
 * Adds the entries of doc, a document of cert_cache_export(), that are
 * not past their not_after at now, up to the cache's bound. A document of
 * another version or shape is ignored as a whole; an entry that is not a
 * hex digest with an integer is skipped. Returns the entries added.
 */
size_t cert_cache_import(struct cert_cache *cc, const json_t *doc, int64_t now);

/*
 * The entries not past their not_after at now, as a new document
 * {"version": 1, "verified": {"<hex digest>": not_after, ...}}; NULL when
 * memory is short.
 */
json_t *cert_cache_export(const struct cert_cache *cc, int64_t now);

#endif

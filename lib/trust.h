/*
 * trust.h: the trust material of one program and its use. A trust holds
 * the program's own key and certificate (to sign what it sends), the
 * fleet CA's public key (to verify what it receives) and the cache of
 * certificates whose CA signature verified. metactld and metactl each own
 * one; nothing else loads keys, certificates or the CA.
 *
 * Files: the key NAME.key must be mode 0600 or stricter (MCE_KEYPERM);
 * the certificate and the CA's public key are public, but whoever can
 * write them speaks for the fleet: like the key, they are refused when
 * group or others can write them or another user than root or the
 * reader owns them (MCE_FILEPERM, lib/file.h).
 */
#ifndef METACTL_TRUST_H
#define METACTL_TRUST_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "error.h"
#include "message.h"
#include "sign.h"

struct trust;

/* Where the material lives; a NULL member is not loaded. */
struct trust_paths {
	const char *key;
	const char *certificate;
	const char *ca;
};

/* NULL when memory is short or libsodium does not start. */
struct trust *trust_new(void);
/* NULL is a no-op; wipes the key. */
void trust_free(struct trust *t);

/*
 * Loads the files p names into t, which must be new. A key without its
 * certificate (or the other way round) is refused (MCE_CONFIG). On error
 * err's source is the file at fault and its text says why; t is left to
 * be freed.
 */
int trust_load(struct trust *t, const struct trust_paths *p, struct error *err);

/* The same from memory (tests, tools). trust_set_own steals key and
 * cert_doc. */
void trust_set_ca(
    struct trust *t, const unsigned char ca_pk[SIGN_PUBLICKEYBYTES]);
void trust_set_own(struct trust *t, struct sign_key *key, json_t *cert_doc);

/* Whether a CA is loaded; whether a key and certificate are. A NULL t has
 * neither. */
int trust_has_ca(const struct trust *t);
int trust_can_sign(const struct trust *t);

/*
 * Checks that the own certificate is one receivers accept, at now
 * (seconds): signed by the CA when one is loaded, valid at now, of role
 * `role`, named `name` (NULL: any name) and for the key loaded with it.
 * Returns 0 or MCE_UNTRUSTED, MCE_EXPIRED, MCE_NOTYET, MCE_ROLE,
 * MCE_IDENTITY or MCE_KEYMISMATCH (MCE_CONFIG when nothing is loaded),
 * with err's source the certificate file (the key file for
 * MCE_KEYMISMATCH: "key does not match certificate C (the certificate is
 * for public key P, the key's is Q)") and its text naming the fault.
 */
int trust_check_own(const struct trust *t, enum cert_role role,
    const char *name, int64_t now, struct error *err);

/* Signs body with the own key into a new envelope carrying the own
 * certificate (sign_envelope). MCE_CONFIG without key and certificate. */
int trust_sign(
    const struct trust *t, const char *body, size_t len, struct envelope **ret);

/* Certificates a trust remembers having verified (lib/cert_cache.h). */
#define TRUST_CACHE_MAX 64
/* What the key of a cache that outlives the program is derived for. */
#define TRUST_CACHE_CONTEXT "metactl certificate cache v1"

/*
 * Replaces t's certificate cache with an empty one of up to max entries
 * whose digests are keyed with a secret derived from the own key, fit to
 * be saved and imported by a later run of the same key's owner
 * (cert_cache_export(), cert_cache_import()). MCE_CONFIG without own key.
 */
int trust_cache_keep(struct trust *t, size_t max);
/* The cache, borrowed. */
struct cert_cache *trust_cache(struct trust *t);

/*
 * Verifies a received envelope against the CA (sign_envelope_verify,
 * through t's cache): on success *ret_cert (may be NULL) is the verified
 * certificate, the caller frees it. MCE_UNTRUSTED without a CA.
 */
int trust_verify(struct trust *t, const struct envelope *e, enum cert_role role,
    int64_t now, struct cert **ret_cert, struct error *err);

#endif

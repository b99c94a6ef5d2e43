/*
 * sign.h: ed25519 keys, the fleet CA, certificates and signatures.
 *
 * Key files: one line of base64. NAME.key holds the 64-byte libsodium
 * secret key and must be mode 0600 (or stricter) or it is refused with
 * MCE_KEYPERM; NAME.pub holds the 32-byte public key.
 *
 * A certificate is a signed document
 *   {"certificate":"<JSON text>","signature":"<base64 by the CA>"}
 * whose text is {"name":"alice","role":"caller"|"node","pubkey":"<b64>",
 * "not_before":<s>,"not_after":<s>,"issuer":"<CA name>"}.
 * The CA signs the exact text bytes.
 *
 * Secret keys live in sodium_malloc() memory and are wiped by
 * sign_key_free().
 */
#ifndef METACTL_SIGN_H
#define METACTL_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "cert_cache.h"
#include "error.h"
#include "message.h"

#define SIGN_PUBLICKEYBYTES 32
#define SIGN_BYTES 64

/* Calls sodium_init(); 0 or -1. Safe to call more than once. */
int sign_init(void);

struct sign_key;
int sign_key_generate(struct sign_key **ret);
/*
 * Refuses a file readable or writable by group/others (MCE_KEYPERM) or
 * owned by another user than root or the reader (MCE_FILEPERM).
 * sign_key_read() also says why in err, naming the mode.
 */
int sign_key_load(const char *path, struct sign_key **ret);
int sign_key_read(const char *path, struct sign_key **ret, struct error *err);
/* Creates the file 0600; refuses to overwrite (-EEXIST). */
int sign_key_save(const struct sign_key *k, const char *path);
void sign_key_free(struct sign_key *k);
void sign_key_public(
    const struct sign_key *k, unsigned char pk[SIGN_PUBLICKEYBYTES]);
/* A secret of len bytes (16 to 64) for one use named by context, derived
 * from k's seed (BLAKE2b keyed with it): whoever lacks the key cannot make
 * it, and it tells nothing of the key. */
void sign_key_derive(const struct sign_key *k, const char *context,
    unsigned char *out, size_t len);

int sign_pubkey_load(const char *path, unsigned char pk[SIGN_PUBLICKEYBYTES]);
/* The same with flags of lib/file.h (FILE_TRUSTED for what a daemon
 * trusts) and err saying why a file is refused. */
int sign_pubkey_read(const char *path, int flags,
    unsigned char pk[SIGN_PUBLICKEYBYTES], struct error *err);
/* Mode 0644; refuses to overwrite (-EEXIST). */
int sign_pubkey_save(
    const unsigned char pk[SIGN_PUBLICKEYBYTES], const char *path);
int sign_pubkey_parse(const char *b64, unsigned char pk[SIGN_PUBLICKEYBYTES]);
/* base64 text; caller frees. */
char *sign_pubkey_format(const unsigned char pk[SIGN_PUBLICKEYBYTES]);

/* Detached signature of exactly len bytes, as base64 (caller frees). */
int sign_data(
    const struct sign_key *k, const void *data, size_t len, char **ret_sig);
/* 0, or MCE_BADSIG when the signature is malformed or does not verify. */
int sign_data_verify(const unsigned char pk[SIGN_PUBLICKEYBYTES],
    const void *data, size_t len, const char *sig);

enum cert_role {
	CERT_ROLE_CALLER,
	CERT_ROLE_NODE
};
const char *cert_role_str(enum cert_role role);
/* Issuers are for people ("Example Fleet CA"): 1 when s is 1 to
 * CERT_ISSUER_MAX bytes without control characters. A certificate's name
 * follows lib/names.h (NAME_CERT). */
#define CERT_ISSUER_MAX 255
int cert_issuer_ok(const char *s);

struct cert {
	char *name;
	enum cert_role role;
	unsigned char pubkey[SIGN_PUBLICKEYBYTES];
	int64_t not_before; /* seconds since the epoch */
	int64_t not_after;
	char *issuer;
};

/* Signs a new certificate with the CA key; *ret_doc is a new reference. */
int cert_issue(const struct sign_key *ca, const char *issuer, const char *name,
    enum cert_role role, const unsigned char pk[SIGN_PUBLICKEYBYTES],
    int64_t not_before, int64_t not_after, json_t **ret_doc);
/* Parses a signed document without any trust decision (cert show). */
int cert_parse(const json_t *doc, struct cert **ret, struct error *err);
/*
 * Parses and checks: signed by ca_pk, not_before <= now <= not_after.
 * Returns MCE_BADCERT, MCE_UNTRUSTED, MCE_EXPIRED or MCE_NOTYET on failure.
 * cc (may be NULL, lib/cert_cache.h) remembers verified CA signatures:
 * a certificate it knows is not verified again; one that verifies and
 * parses is added to it.
 */
int cert_verify(const json_t *doc,
    const unsigned char ca_pk[SIGN_PUBLICKEYBYTES], struct cert_cache *cc,
    int64_t now, struct cert **ret, struct error *err);
/* 0 when not_before <= now <= not_after, else MCE_NOTYET or MCE_EXPIRED
 * with err saying when (UTC). */
int cert_valid_at(const struct cert *c, int64_t now, struct error *err);
/* t (seconds since the epoch) as 2026-01-31T12:00:00Z. */
void cert_time_format(int64_t t, char *buf, size_t size);
/* cert_load reads a document (no checks: see cert_verify); cert_save
 * writes it as one line, mode 0644, in one step (a temporary file renamed
 * into place): an existing file is replaced when replace is 1, else
 * refused (-EEXIST). */
int cert_load(const char *path, json_t **ret_doc, struct error *err);
/* cert_load with flags of lib/file.h, as sign_pubkey_read. */
int cert_read(const char *path, int flags, json_t **ret_doc, struct error *err);
int cert_save(const json_t *doc, const char *path, int replace);
void cert_free(struct cert *c);

/*
 * Signs a body into an envelope carrying the signature and the signer's
 * certificate (borrowed, copied into the envelope). MCE_BADCERT when the
 * certificate is malformed, MCE_KEYMISMATCH when it is not for k's public
 * key.
 */
int sign_envelope(const struct sign_key *k, const json_t *cert_doc,
    const char *body, size_t len, struct envelope **ret);
/* The check sign_envelope makes: 0, MCE_BADCERT or MCE_KEYMISMATCH. */
int sign_cert_for_key(const struct sign_key *k, const json_t *cert_doc);
/* sign_envelope without that check, for an owner that made it once
 * (lib/trust): parsing the certificate again costs each reply 3%. */
int sign_envelope_prechecked(const struct sign_key *k, const json_t *cert_doc,
    const char *body, size_t len, struct envelope **ret);
/*
 * The whole check on a received envelope: the certificate is trusted and
 * valid at now (seconds), has the expected role, and its key signed the
 * body (cc as in cert_verify). On success *ret_cert holds the verified certificate: its name is
 * the only caller identity to act upon.
 */
int sign_envelope_verify(const struct envelope *e,
    const unsigned char ca_pk[SIGN_PUBLICKEYBYTES], struct cert_cache *cc,
    enum cert_role role, int64_t now, struct cert **ret_cert,
    struct error *err);

#endif

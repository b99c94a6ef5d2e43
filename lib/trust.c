/* trust.c: see trust.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "file.h"
#include "trust.h"

struct trust {
	struct sign_key *key;
	json_t *cert_doc;
	unsigned char ca_pk[SIGN_PUBLICKEYBYTES];
	int have_ca;
	int own_ok; /* cert_doc is a certificate for key */
	struct cert_cache *cache;
	/* Where key and certificate came from, for messages; NULL when set
	 * from memory. */
	char *key_path;
	char *cert_path;
};

struct trust *
trust_new(void)
{
	struct trust *t;

	if (sign_init() != 0 || (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if ((t->cache = cert_cache_new(TRUST_CACHE_MAX)) == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

void
trust_free(struct trust *t)
{
	if (t == NULL)
		return;
	sign_key_free(t->key);
	json_decref(t->cert_doc);
	cert_cache_free(t->cache);
	free(t->key_path);
	free(t->cert_path);
	free(t);
}

/* Turns a loader's code into err's text when the loader left none. */
static int
load_failed(int r, struct error *err)
{
	if (err != NULL && err->text[0] == '\0')
		error_set(err, 0, 0, "%s", error_str(r));
	return r;
}

int
trust_load(struct trust *t, const struct trust_paths *p, struct error *err)
{
	int r;

	if ((p->key == NULL) != (p->certificate == NULL)) {
		error_init(err, p->key != NULL ? p->key : p->certificate);
		error_set(err, 0, 0,
		    "a key needs its certificate and a "
		    "certificate its key");
		return MCE_CONFIG;
	}
	if (p->key != NULL) {
		error_init(err, p->key);
		if ((t->key_path = strdup(p->key)) == NULL ||
		    (t->cert_path = strdup(p->certificate)) == NULL)
			return load_failed(-ENOMEM, err);
		if ((r = sign_key_read(p->key, &t->key, err)) < 0)
			return load_failed(r, err);
		if ((r = cert_read(
			 p->certificate, FILE_TRUSTED, &t->cert_doc, err)) < 0)
			return load_failed(r, err);
		t->own_ok = sign_cert_for_key(t->key, t->cert_doc) == 0;
	}
	if (p->ca != NULL) {
		if ((r = sign_pubkey_read(p->ca, FILE_TRUSTED, t->ca_pk, err)) <
		    0)
			return load_failed(r, err);
		t->have_ca = 1;
	}
	return 0;
}

void
trust_set_ca(struct trust *t, const unsigned char ca_pk[SIGN_PUBLICKEYBYTES])
{
	memcpy(t->ca_pk, ca_pk, SIGN_PUBLICKEYBYTES);
	t->have_ca = 1;
}

void
trust_set_own(struct trust *t, struct sign_key *key, json_t *cert_doc)
{
	sign_key_free(t->key);
	json_decref(t->cert_doc);
	t->key = key;
	t->cert_doc = cert_doc;
	t->own_ok = key != NULL && cert_doc != NULL &&
	    sign_cert_for_key(key, cert_doc) == 0;
}

int
trust_has_ca(const struct trust *t)
{
	return t != NULL && t->have_ca;
}

int
trust_can_sign(const struct trust *t)
{
	return t != NULL && t->key != NULL && t->cert_doc != NULL;
}

/*
 * MCE_KEYMISMATCH, with err naming the key file and both public keys: the
 * certificate's and the key's, so that the operator can find which .pub
 * file goes with which.
 */
static int
key_mismatch(const struct trust *t, const struct cert *c,
    const unsigned char pk[SIGN_PUBLICKEYBYTES], struct error *err)
{
	char *want = sign_pubkey_format(c->pubkey),
	     *have = sign_pubkey_format(pk);

	error_init(err, t->key_path != NULL ? t->key_path : "key");
	error_set(err, 0, 0,
	    "key does not match certificate %s (the certificate is for "
	    "public key %s, the key's is %s)",
	    t->cert_path != NULL ? t->cert_path : "loaded with it",
	    want != NULL ? want : "?", have != NULL ? have : "?");
	free(want);
	free(have);
	return MCE_KEYMISMATCH;
}

int
trust_check_own(const struct trust *t, enum cert_role role, const char *name,
    int64_t now, struct error *err)
{
	const char *src = t->cert_path != NULL ? t->cert_path : "certificate";
	unsigned char pk[SIGN_PUBLICKEYBYTES];
	struct cert *c = NULL;
	int r;

	error_init(err, src);
	if (!trust_can_sign(t)) {
		error_set(err, 0, 0, "no key and certificate loaded");
		return MCE_CONFIG;
	}
	if (t->have_ca)
		r = cert_verify(t->cert_doc, t->ca_pk, t->cache, now, &c, err);
	else if ((r = cert_parse(t->cert_doc, &c, err)) == 0 &&
	    (r = cert_valid_at(c, now, err)) < 0) {
		cert_free(c);
		c = NULL;
	}
	/* The checks above name their own source; the file is more useful. */
	if (err != NULL)
		snprintf(err->source, sizeof(err->source), "%s", src);
	if (r < 0)
		return load_failed(r, err);
	sign_key_public(t->key, pk);
	if (c->role != role) {
		error_set(err, 0, 0, "certificate has role %s, not %s",
		    cert_role_str(c->role), cert_role_str(role));
		r = MCE_ROLE;
	} else if (name != NULL && strcmp(c->name, name) != 0) {
		error_set(err, 0, 0,
		    "certificate is for \"%s\", the identity is \"%s\"",
		    c->name, name);
		r = MCE_IDENTITY;
	} else if (memcmp(pk, c->pubkey, sizeof(pk)) != 0)
		r = key_mismatch(t, c, pk, err);
	cert_free(c);
	return r;
}

int
trust_sign(
    const struct trust *t, const char *body, size_t len, struct envelope **ret)
{
	if (!trust_can_sign(t))
		return MCE_CONFIG;
	/* The key and certificate never change: checked once at load. */
	if (t->own_ok)
		return sign_envelope_prechecked(
		    t->key, t->cert_doc, body, len, ret);
	return sign_envelope(t->key, t->cert_doc, body, len, ret);
}

int
trust_cache_keep(struct trust *t, size_t max)
{
	unsigned char key[CERT_CACHE_KEY_BYTES];
	struct cert_cache *cc;

	if (t->key == NULL)
		return MCE_CONFIG;
	if ((cc = cert_cache_new(max)) == NULL)
		return -ENOMEM;
	sign_key_derive(t->key, TRUST_CACHE_CONTEXT, key, sizeof(key));
	cert_cache_set_key(cc, key);
	sodium_memzero(key, sizeof(key));
	cert_cache_free(t->cache);
	t->cache = cc;
	return 0;
}

struct cert_cache *
trust_cache(struct trust *t)
{
	return t->cache;
}

int
trust_verify(struct trust *t, const struct envelope *e, enum cert_role role,
    int64_t now, struct cert **ret_cert, struct error *err)
{
	if (!trust_has_ca(t)) {
		error_init(err, "certificate");
		error_set(err, 0, 0, "no CA configured: cannot verify");
		return MCE_UNTRUSTED;
	}
	return sign_envelope_verify(
	    e, t->ca_pk, t->cache, role, now, ret_cert, err);
}

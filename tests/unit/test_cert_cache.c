/* test_cert_cache.c: the cache of verified certificates (lib/cert_cache.c)
 * as cert_verify and a trust use it, and its saved form. */
#include "buildconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cert_cache.h"
#include "sign.h"
#include "trust.h"
#include "testutil.h"

#define NOW 1800000000LL
#define DAY 86400

static struct sign_key *ca, *alice_key, *node_key;
static unsigned char ca_pk[SIGN_PUBLICKEYBYTES];
static json_t *node_cert;
static char tmpdir[64];

/* Where key k is saved: a trust steals the key it is given, so each
 * trust loads its own copy. */
static const char *
key_path(const char *name)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s.key", tmpdir, name);
	return path;
}

static void
setup(void)
{
	unsigned char pk[SIGN_PUBLICKEYBYTES];

	ck_assert_int_eq(sign_init(), 0);
	ck_assert_int_eq(sign_key_generate(&ca), 0);
	ck_assert_int_eq(sign_key_generate(&alice_key), 0);
	ck_assert_int_eq(sign_key_generate(&node_key), 0);
	sign_key_public(ca, ca_pk);
	sign_key_public(node_key, pk);
	ck_assert_int_eq(cert_issue(ca, "fleet-ca", "web1", CERT_ROLE_NODE, pk,
			     NOW - DAY, NOW + DAY, &node_cert),
	    0);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_cert_cache.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	ck_assert_int_eq(sign_key_save(alice_key, key_path("alice")), 0);
	ck_assert_int_eq(sign_key_save(node_key, key_path("web1")), 0);
}

static void
teardown(void)
{
	sign_key_free(ca);
	sign_key_free(alice_key);
	sign_key_free(node_key);
	json_decref(node_cert);
	unlink(key_path("alice"));
	unlink(key_path("web1"));
	rmdir(tmpdir);
}

/* The digest c knows doc by. */
static void
digest_of(const struct cert_cache *cc, const json_t *doc,
    unsigned char d[CERT_CACHE_DIGEST_BYTES])
{
	const char *text =
	    json_string_value(json_object_get(doc, "certificate"));
	const char *s64 = json_string_value(json_object_get(doc, "signature"));
	unsigned char sig[SIGN_BYTES];
	size_t n;

	ck_assert_int_eq(sodium_base642bin(sig, sizeof(sig), s64, strlen(s64),
			     NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL),
	    0);
	cert_cache_digest(cc, ca_pk, sig, text, strlen(text), d);
}

/* node_cert with another name and the CA's signature of the real one. */
static json_t *
forged_cert(void)
{
	char *text = strdup(
	    json_string_value(json_object_get(node_cert, "certificate")));
	char *p = strstr(text, "web1");
	json_t *doc;

	ck_assert_ptr_nonnull(p);
	p[3] = '2';
	doc = json_deep_copy(node_cert);
	json_object_set_new(doc, "certificate", json_string(text));
	free(text);
	return doc;
}

/* A trust with the key saved as name whose cache is kept across runs. */
static struct trust *
kept_trust(const char *name)
{
	unsigned char pk[SIGN_PUBLICKEYBYTES];
	struct trust *t = trust_new();
	struct sign_key *k;
	json_t *cert;

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(trust_cache_keep(t, 1000), MCE_CONFIG);
	ck_assert_int_eq(sign_key_load(key_path(name), &k), 0);
	sign_key_public(k, pk);
	ck_assert_int_eq(cert_issue(ca, "fleet-ca", name, CERT_ROLE_CALLER, pk,
			     NOW - DAY, NOW + DAY, &cert),
	    0);
	trust_set_own(t, k, cert);
	trust_set_ca(t, ca_pk);
	ck_assert_int_eq(trust_cache_keep(t, 1000), 0);
	return t;
}

START_TEST(test_saved_and_loaded)
{
	struct trust *t1 = kept_trust("alice"), *t2 = kept_trust("alice");
	unsigned char d[CERT_CACHE_DIGEST_BYTES];
	struct cert *c = NULL;
	json_t *doc;

	ck_assert_int_eq(
	    cert_verify(node_cert, ca_pk, trust_cache(t1), NOW, &c, NULL), 0);
	cert_free(c);
	ck_assert_int_eq(cert_cache_changed(trust_cache(t1)), 1);
	doc = cert_cache_export(trust_cache(t1), NOW);
	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(json_object_size(json_object_get(doc, "verified")), 1);

	/* The next run with the same key knows the certificate. */
	digest_of(trust_cache(t2), node_cert, d);
	ck_assert_int_eq(cert_cache_find(trust_cache(t2), d, NOW), 0);
	ck_assert_uint_eq(cert_cache_import(trust_cache(t2), doc, NOW), 1);
	ck_assert_int_eq(cert_cache_find(trust_cache(t2), d, NOW), 1);
	ck_assert_int_eq(cert_cache_changed(trust_cache(t2)), 0);
	/* Forgotten at not_after; time is still checked on every use. */
	ck_assert_int_eq(cert_cache_find(trust_cache(t2), d, NOW + 2 * DAY), 0);
	ck_assert_int_eq(cert_verify(node_cert, ca_pk, trust_cache(t2),
			     NOW + 2 * DAY, &c, NULL),
	    MCE_EXPIRED);
	ck_assert_uint_eq(
	    cert_cache_import(trust_cache(t2), doc, NOW + 2 * DAY), 0);
	json_decref(doc);
	trust_free(t1);
	trust_free(t2);
}
END_TEST

/*
 * Whoever writes the file without the caller's key: an entry for a
 * forged certificate (unkeyed, or keyed with another key) matches
 * nothing, and the forged certificate still fails.
 */
START_TEST(test_poisoned_file)
{
	struct trust *t = kept_trust("alice"), *other = kept_trust("web1");
	struct cert_cache *plain = cert_cache_new(10);
	json_t *forged = forged_cert(), *doc;
	unsigned char d[CERT_CACHE_DIGEST_BYTES];
	struct cert *c = NULL;

	ck_assert_ptr_nonnull(plain);
	digest_of(plain, forged, d);
	ck_assert_int_eq(cert_cache_add(plain, d, NOW + DAY, NOW), 0);
	digest_of(trust_cache(other), forged, d);
	ck_assert_int_eq(
	    cert_cache_add(trust_cache(other), d, NOW + DAY, NOW), 0);
	doc = cert_cache_export(plain, NOW);
	ck_assert_uint_eq(cert_cache_import(trust_cache(t), doc, NOW), 1);
	json_decref(doc);
	doc = cert_cache_export(trust_cache(other), NOW);
	ck_assert_uint_eq(cert_cache_import(trust_cache(t), doc, NOW), 1);
	json_decref(doc);
	ck_assert_int_eq(
	    cert_verify(forged, ca_pk, trust_cache(t), NOW, &c, NULL),
	    MCE_UNTRUSTED);
	ck_assert_ptr_null(c);
	/* The real certificate verifies, and then the forged one still not. */
	ck_assert_int_eq(
	    cert_verify(node_cert, ca_pk, trust_cache(t), NOW, &c, NULL), 0);
	cert_free(c);
	c = NULL;
	ck_assert_int_eq(
	    cert_verify(forged, ca_pk, trust_cache(t), NOW, &c, NULL),
	    MCE_UNTRUSTED);
	json_decref(forged);
	cert_cache_free(plain);
	trust_free(t);
	trust_free(other);
}
END_TEST

/* A damaged document is ignored, whole or by entry: nothing is skipped,
 * everything verifies again. */
START_TEST(test_damaged_file)
{
	static const char *const docs[] = {
	    "[]",
	    "{\"version\":2,\"verified\":{}}",
	    "{\"version\":1,\"verified\":[]}",
	    "{\"version\":1,\"verified\":{\"zz\":1900000000}}",
	    "{\"version\":1,\"verified\":{\"" /* 63 hex digits */
	    "000000000000000000000000000000000000000000000000000000000000000"
	    "\":1900000000}}",
	    "{\"version\":1,\"verified\":{\"" /* not an integer */
	    "0000000000000000000000000000000000000000000000000000000000000000"
	    "\":\"1900000000\"}}",
	};
	struct cert_cache *cc = cert_cache_new(10);
	json_t *doc;
	size_t i;

	ck_assert_ptr_nonnull(cc);
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		ck_assert_ptr_nonnull(doc = json_loads(docs[i], 0, NULL));
		ck_assert_uint_eq(cert_cache_import(cc, doc, NOW), 0);
		json_decref(doc);
	}
	ck_assert_uint_eq(cert_cache_import(cc, NULL, NOW), 0);
	ck_assert_uint_eq(cert_cache_count(cc), 0);
	cert_cache_free(cc);
}
END_TEST

/* At most max entries; expired ones leave first. */
START_TEST(test_bounded)
{
	struct cert_cache *cc = cert_cache_new(4);
	unsigned char d[CERT_CACHE_DIGEST_BYTES];
	json_t *doc;
	int i;

	ck_assert_ptr_nonnull(cc);
	memset(d, 0, sizeof(d));
	for (i = 0; i < 3; i++) {
		d[0] = (unsigned char)i;
		ck_assert_int_eq(cert_cache_add(cc, d, NOW + 10, NOW), 0);
	}
	d[0] = 3;
	ck_assert_int_eq(cert_cache_add(cc, d, NOW + DAY, NOW), 0);
	ck_assert_uint_eq(cert_cache_count(cc), 4);
	/* Full: the three expired entries go, the fourth stays. */
	d[0] = 4;
	ck_assert_int_eq(cert_cache_add(cc, d, NOW + DAY, NOW + 100), 0);
	ck_assert_uint_eq(cert_cache_count(cc), 2);
	d[0] = 3;
	ck_assert_int_eq(cert_cache_find(cc, d, NOW + 100), 1);
	for (i = 5; i < 100; i++) {
		d[0] = (unsigned char)i;
		ck_assert_int_eq(cert_cache_add(cc, d, NOW + DAY, NOW), 0);
		ck_assert_uint_le(cert_cache_count(cc), 4);
		ck_assert_int_eq(cert_cache_find(cc, d, NOW), 1);
	}
	/* An expired certificate is not remembered at all. */
	d[0] = 200;
	ck_assert_int_eq(cert_cache_add(cc, d, NOW - 1, NOW), 0);
	ck_assert_int_eq(cert_cache_find(cc, d, NOW - 1), 0);
	doc = cert_cache_export(cc, NOW);
	ck_assert_uint_le(
	    json_object_size(json_object_get(doc, "verified")), 4);
	json_decref(doc);
	cert_cache_free(cc);
}
END_TEST

/* Many entries in one table: every one is found, none invented. */
START_TEST(test_many)
{
	struct cert_cache *cc = cert_cache_new(5000);
	unsigned char d[CERT_CACHE_DIGEST_BYTES];
	int i;

	ck_assert_ptr_nonnull(cc);
	for (i = 0; i < 5000; i++) {
		crypto_generichash(d, sizeof(d), (const unsigned char *)&i,
		    sizeof(i), NULL, 0);
		ck_assert_int_eq(cert_cache_add(cc, d, NOW + DAY, NOW), 0);
	}
	ck_assert_uint_eq(cert_cache_count(cc), 5000);
	for (i = 0; i < 5100; i++) {
		crypto_generichash(d, sizeof(d), (const unsigned char *)&i,
		    sizeof(i), NULL, 0);
		ck_assert_int_eq(cert_cache_find(cc, d, NOW), i < 5000);
	}
	cert_cache_free(cc);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cert_cache");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_saved_and_loaded);
	tcase_add_test(tc, test_poisoned_file);
	tcase_add_test(tc, test_damaged_file);
	tcase_add_test(tc, test_bounded);
	tcase_add_test(tc, test_many);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}

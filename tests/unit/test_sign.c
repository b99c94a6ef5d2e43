/* test_sign.c: keys, certificates and envelope signatures (lib/sign.c),
 * and their owner (lib/trust.c). */
#include "buildconf.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sign.h"
#include "trust.h"
#include "testutil.h"

#define NOW 1800000000LL /* seconds; the certificates below span it */
#define DAY 86400

static struct sign_key *ca, *ca2, *alice_key, *node_key;
static unsigned char ca_pk[SIGN_PUBLICKEYBYTES], ca2_pk[SIGN_PUBLICKEYBYTES];
static char tmpdir[64];

static void
setup(void)
{
	ck_assert_int_eq(sign_init(), 0);
	ck_assert_int_eq(sign_key_generate(&ca), 0);
	ck_assert_int_eq(sign_key_generate(&ca2), 0);
	ck_assert_int_eq(sign_key_generate(&alice_key), 0);
	ck_assert_int_eq(sign_key_generate(&node_key), 0);
	sign_key_public(ca, ca_pk);
	sign_key_public(ca2, ca2_pk);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_sign.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	char cmd[256];

	sign_key_free(ca);
	sign_key_free(ca2);
	sign_key_free(alice_key);
	sign_key_free(node_key);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *
tmp(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	testutil_write_file(path, text);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static json_t *
issue(const struct sign_key *by, const struct sign_key *k, const char *name,
    enum cert_role role, int64_t nb, int64_t na)
{
	unsigned char pk[SIGN_PUBLICKEYBYTES];
	json_t *doc = NULL;

	sign_key_public(k, pk);
	ck_assert_int_eq(
	    cert_issue(by, "fleet-ca", name, role, pk, nb, na, &doc), 0);
	return doc;
}

static json_t *
alice_cert(void)
{
	return issue(
	    ca, alice_key, "alice", CERT_ROLE_CALLER, NOW - DAY, NOW + DAY);
}

/* Keys */

START_TEST(test_key_save_load)
{
	unsigned char pk[SIGN_PUBLICKEYBYTES], pk2[SIGN_PUBLICKEYBYTES];
	struct sign_key *k = NULL;
	struct stat st;
	char *sig;

	ck_assert_int_eq(sign_key_save(alice_key, tmp("a.key")), 0);
	ck_assert_int_eq(stat(tmp("a.key"), &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(sign_key_load(tmp("a.key"), &k), 0);
	sign_key_public(alice_key, pk);
	sign_key_public(k, pk2);
	ck_assert_mem_eq(pk, pk2, sizeof(pk));
	/* The loaded key signs what the original key's public half checks. */
	ck_assert_int_eq(sign_data(k, "hello", 5, &sig), 0);
	ck_assert_int_eq(sign_data_verify(pk, "hello", 5, sig), 0);
	free(sig);
	sign_key_free(k);
}
END_TEST

START_TEST(test_key_save_refuses_overwrite)
{
	write_file(tmp("a.key"), "old\n", 0600);
	ck_assert_int_eq(sign_key_save(alice_key, tmp("a.key")), -EEXIST);
	ck_assert_int_eq(sign_pubkey_save(ca_pk, tmp("a.key")), -EEXIST);
}
END_TEST

START_TEST(test_key_load_refuses_open_modes)
{
	static const mode_t modes[] = {0644, 0640, 0604, 0660, 0601, 0610};
	struct sign_key *k = NULL;

	ck_assert_int_eq(sign_key_save(alice_key, tmp("a.key")), 0);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		ck_assert_int_eq(chmod(tmp("a.key"), modes[i]), 0);
		ck_assert_int_eq(sign_key_load(tmp("a.key"), &k), MCE_KEYPERM);
		ck_assert_ptr_null(k);
	}
	ck_assert_int_eq(chmod(tmp("a.key"), 0400), 0);
	ck_assert_int_eq(sign_key_load(tmp("a.key"), &k), 0);
	sign_key_free(k);
}
END_TEST

START_TEST(test_key_load_malformed)
{
	unsigned char pk[SIGN_PUBLICKEYBYTES];
	struct sign_key *k = NULL;
	char *pk64, line[256];

	sign_key_public(alice_key, pk);
	pk64 = sign_pubkey_format(pk);
	/* A public key where the secret key belongs: wrong length. */
	write_file(tmp("pub.key"), pk64, 0600);
	ck_assert_int_eq(sign_key_load(tmp("pub.key"), &k), MCE_BADKEY);
	write_file(tmp("junk.key"), "not base64 at all\n", 0600);
	ck_assert_int_eq(sign_key_load(tmp("junk.key"), &k), MCE_BADKEY);
	write_file(tmp("empty.key"), "", 0600);
	ck_assert_int_eq(sign_key_load(tmp("empty.key"), &k), MCE_BADKEY);
	/* A valid line followed by a second one. */
	ck_assert_int_eq(sign_key_save(alice_key, tmp("a.key")), 0);
	{
		FILE *f = fopen(tmp("a.key"), "r");
		ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
		fclose(f);
	}
	strcat(line, "AAAA\n");
	write_file(tmp("two.key"), line, 0600);
	ck_assert_int_eq(sign_key_load(tmp("two.key"), &k), MCE_BADKEY);
	ck_assert_int_eq(sign_key_load(tmp("absent.key"), &k), -ENOENT);
	ck_assert_ptr_null(k);
	free(pk64);
}
END_TEST

/* 64 bytes whose public half is not the one the seed yields. */
START_TEST(test_key_load_mismatched_halves)
{
	char b64[128], text[130];
	struct sign_key *k = NULL;

	/* "QUFB" is base64 of "AAA"; 64 bytes of 'A' with padding. */
	snprintf(b64, sizeof(b64), "%s",
	    "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
	    "QUFBQUFBQUFBQUFBQUFBQQ==");
	snprintf(text, sizeof(text), "%s\n", b64);
	write_file(tmp("bad.key"), text, 0600);
	ck_assert_int_eq(sign_key_load(tmp("bad.key"), &k), MCE_BADKEY);
}
END_TEST

START_TEST(test_pubkey_files)
{
	unsigned char pk[SIGN_PUBLICKEYBYTES];
	struct stat st;
	char *b64;

	ck_assert_int_eq(sign_pubkey_save(ca_pk, tmp("ca.pub")), 0);
	ck_assert_int_eq(stat(tmp("ca.pub"), &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	ck_assert_int_eq(sign_pubkey_load(tmp("ca.pub"), pk), 0);
	ck_assert_mem_eq(pk, ca_pk, sizeof(pk));
	b64 = sign_pubkey_format(ca_pk);
	ck_assert_uint_eq(strlen(b64), 44);
	memset(pk, 0, sizeof(pk));
	ck_assert_int_eq(sign_pubkey_parse(b64, pk), 0);
	ck_assert_mem_eq(pk, ca_pk, sizeof(pk));
	free(b64);
	ck_assert_int_eq(sign_pubkey_parse("", pk), MCE_BADKEY);
	ck_assert_int_eq(sign_pubkey_parse("QUFB", pk), MCE_BADKEY);
	ck_assert_int_eq(sign_pubkey_parse(NULL, pk), MCE_BADKEY);
	write_file(tmp("junk.pub"), "%%%\n", 0644);
	ck_assert_int_eq(sign_pubkey_load(tmp("junk.pub"), pk), MCE_BADKEY);
}
END_TEST

START_TEST(test_pubkey_parse_strict)
{
	unsigned char pk[SIGN_PUBLICKEYBYTES];
	char *b64 = sign_pubkey_format(ca_pk), buf[64];

	snprintf(buf, sizeof(buf), " %s", b64);
	ck_assert_int_eq(sign_pubkey_parse(buf, pk), MCE_BADKEY);
	snprintf(buf, sizeof(buf), "%s\n", b64);
	ck_assert_int_eq(sign_pubkey_parse(buf, pk), MCE_BADKEY);
	snprintf(buf, sizeof(buf), "%sAAAA", b64);
	ck_assert_int_eq(sign_pubkey_parse(buf, pk), MCE_BADKEY);
	free(b64);
}
END_TEST

/* Data signatures */

START_TEST(test_sign_data_tamper)
{
	unsigned char pk[SIGN_PUBLICKEYBYTES];
	char data[] = "{\"some\":\"bytes\"}";
	size_t len = strlen(data);
	char *sig;

	sign_key_public(alice_key, pk);
	ck_assert_int_eq(sign_data(alice_key, data, len, &sig), 0);
	ck_assert_int_eq(sign_data_verify(pk, data, len, sig), 0);
	for (size_t i = 0; i < len; i++) {
		data[i] ^= 0x01;
		ck_assert_int_eq(
		    sign_data_verify(pk, data, len, sig), MCE_BADSIG);
		data[i] ^= 0x01;
	}
	/* Shorter and longer data. */
	ck_assert_int_eq(sign_data_verify(pk, data, len - 1, sig), MCE_BADSIG);
	ck_assert_int_eq(sign_data_verify(ca_pk, data, len, sig), MCE_BADSIG);
	ck_assert_int_eq(sign_data_verify(pk, data, len, ""), MCE_BADSIG);
	ck_assert_int_eq(sign_data_verify(pk, data, len, NULL), MCE_BADSIG);
	ck_assert_int_eq(sign_data_verify(pk, data, len, "!!!"), MCE_BADSIG);
	free(sig);
}
END_TEST

/* Certificates */

START_TEST(test_cert_issue_verify)
{
	unsigned char pk[SIGN_PUBLICKEYBYTES];
	json_t *doc = alice_cert();
	struct cert *c = NULL;
	struct error err;

	ck_assert_int_eq(cert_verify(doc, ca_pk, NULL, NOW, &c, &err), 0);
	ck_assert_str_eq(c->name, "alice");
	ck_assert_str_eq(c->issuer, "fleet-ca");
	ck_assert_int_eq(c->role, CERT_ROLE_CALLER);
	ck_assert(c->not_before == NOW - DAY);
	ck_assert(c->not_after == NOW + DAY);
	sign_key_public(alice_key, pk);
	ck_assert_mem_eq(c->pubkey, pk, sizeof(pk));
	cert_free(c);
	/* The certificate text is compact JSON with sorted keys. */
	ck_assert(
	    strncmp(json_string_value(json_object_get(doc, "certificate")),
		"{\"issuer\":\"fleet-ca\",\"name\":\"alice\",", 35) == 0);
	json_decref(doc);
}
END_TEST

START_TEST(test_cert_time_window)
{
	json_t *doc = alice_cert();
	struct cert *c = NULL;
	struct error err;

	ck_assert_int_eq(cert_verify(doc, ca_pk, NULL, NOW + DAY, &c, &err), 0);
	cert_free(c);
	ck_assert_int_eq(cert_verify(doc, ca_pk, NULL, NOW - DAY, &c, &err), 0);
	cert_free(c);
	c = NULL;
	ck_assert_int_eq(cert_verify(doc, ca_pk, NULL, NOW + DAY + 1, &c, &err),
	    MCE_EXPIRED);
	ck_assert_ptr_nonnull(strstr(err.text, "expired"));
	ck_assert_ptr_null(c);
	ck_assert_int_eq(
	    cert_verify(doc, ca_pk, NULL, NOW - DAY - 1, &c, &err), MCE_NOTYET);
	ck_assert_ptr_nonnull(strstr(err.text, "not valid before"));
	ck_assert_ptr_null(c);
	json_decref(doc);
}
END_TEST

START_TEST(test_cert_wrong_ca)
{
	json_t *doc = alice_cert();
	struct cert *c = NULL;
	struct error err;

	ck_assert_int_eq(
	    cert_verify(doc, ca2_pk, NULL, NOW, &c, &err), MCE_UNTRUSTED);
	ck_assert_ptr_null(c);
	/* cert_parse makes no trust decision. */
	ck_assert_int_eq(cert_parse(doc, &c, &err), 0);
	ck_assert_str_eq(c->name, "alice");
	cert_free(c);
	json_decref(doc);
}
END_TEST

/* Any change to the certificate text breaks the CA signature. */
START_TEST(test_cert_text_tamper)
{
	json_t *doc = alice_cert();
	char *text =
	    strdup(json_string_value(json_object_get(doc, "certificate")));
	size_t len = strlen(text);
	struct cert *c = NULL;
	struct error err;

	for (size_t i = 0; i < len; i++) {
		char saved = text[i];
		json_t *bad = json_deep_copy(doc);

		text[i] = saved == 'a' ? 'b' : 'a';
		json_object_set_new(bad, "certificate", json_string(text));
		ck_assert_int_eq(cert_verify(bad, ca_pk, NULL, NOW, &c, &err),
		    MCE_UNTRUSTED);
		text[i] = saved;
		json_decref(bad);
	}
	free(text);
	json_decref(doc);
}
END_TEST

/*
 * A certificate whose CA signature verified once is remembered; the memory
 * must never let another text, signature or CA through, nor skip the time
 * check.
 */
START_TEST(test_cert_verified_memory)
{
	json_t *doc = alice_cert(), *bad;
	char *text =
	    strdup(json_string_value(json_object_get(doc, "certificate")));
	char sig[128];
	struct cert *c = NULL;
	struct cert_cache *cc = cert_cache_new(TRUST_CACHE_MAX);
	struct error err;

	snprintf(sig, sizeof(sig), "%s",
	    json_string_value(json_object_get(doc, "signature")));
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(cert_verify(doc, ca_pk, cc, NOW, &c, &err), 0);
		cert_free(c);
		c = NULL;
	}
	ck_assert_int_eq(
	    cert_verify(doc, ca2_pk, cc, NOW, &c, &err), MCE_UNTRUSTED);
	ck_assert_int_eq(
	    cert_verify(doc, ca_pk, cc, NOW + 2 * DAY, &c, &err), MCE_EXPIRED);
	/* The same text with another signature. */
	sig[10] = sig[10] == 'A' ? 'B' : 'A';
	bad = json_pack("{s:s,s:s}", "certificate", text, "signature", sig);
	ck_assert_int_eq(
	    cert_verify(bad, ca_pk, cc, NOW, &c, &err), MCE_UNTRUSTED);
	json_decref(bad);
	/* Another text with the remembered signature. */
	text[5] = text[5] == 'a' ? 'b' : 'a';
	bad = json_deep_copy(doc);
	json_object_set_new(bad, "certificate", json_string(text));
	ck_assert_int_eq(
	    cert_verify(bad, ca_pk, cc, NOW, &c, &err), MCE_UNTRUSTED);
	ck_assert_ptr_null(c);
	json_decref(bad);
	free(text);
	json_decref(doc);
	cert_cache_free(cc);
}
END_TEST

/* A document signed by the CA whose text breaks the certificate rules. */
static json_t *
ca_signed(const char *text)
{
	char *sig;
	json_t *doc;

	ck_assert_int_eq(sign_data(ca, text, strlen(text), &sig), 0);
	doc = json_pack("{s:s,s:s}", "certificate", text, "signature", sig);
	free(sig);
	return doc;
}

/* tmpl with "@PK@" replaced by pk. */
static void
subst(char *buf, size_t size, const char *tmpl, const char *pk)
{
	const char *at = strstr(tmpl, "@PK@");

	ck_assert_ptr_nonnull(at);
	snprintf(buf, size, "%.*s%s%s", (int)(at - tmpl), tmpl, pk, at + 4);
}

START_TEST(test_cert_bad_fields)
{
	static const struct {
		const char *text;
		const char *error;
	} cases[] = {
	    {"{\"issuer\":\"ca\",\"name\":\"alice\",\"not_after\":2,"
	     "\"not_before\":1,\"pubkey\":\"@PK@\",\"role\":\"admin\"}",
		"\"role\""},
	    {"{\"issuer\":\"ca\",\"name\":\"al ice\",\"not_after\":2,"
	     "\"not_before\":1,\"pubkey\":\"@PK@\",\"role\":\"caller\"}",
		"\"name\""},
	    {"{\"issuer\":\"ca\",\"name\":\"\",\"not_after\":2,"
	     "\"not_before\":1,\"pubkey\":\"@PK@\",\"role\":\"caller\"}",
		"\"name\""},
	    {"{\"issuer\":\"ca\",\"name\":\"alice\",\"not_after\":0,"
	     "\"not_before\":1,\"pubkey\":\"@PK@\",\"role\":\"caller\"}",
		"\"not_after\""},
	    {"{\"issuer\":\"ca\",\"name\":\"alice\",\"not_after\":2,"
	     "\"not_before\":\"1\",\"pubkey\":\"@PK@\",\"role\":\"caller\"}",
		"\"not_before\""},
	    {"{\"issuer\":\"ca\",\"name\":\"alice\",\"not_after\":2,"
	     "\"not_before\":1,\"pubkey\":\"@PK@AA\",\"role\":\"caller\"}",
		"\"pubkey\""},
	    {"{\"name\":\"alice\",\"not_after\":2,"
	     "\"not_before\":1,\"pubkey\":\"@PK@\",\"role\":\"caller\"}",
		"\"issuer\" is missing"},
	    {"{\"issuer\":\"ca\",\"name\":\"alice\",\"not_after\":2,\"x\":1,"
	     "\"not_before\":1,\"pubkey\":\"@PK@\",\"role\":\"caller\"}",
		"unknown field \"x\""},
	    {"[\"@PK@\"]", "not an object"},
	    {"{\"a\":\"@PK@\"", "malformed JSON"},
	};
	char *pk64 = sign_pubkey_format(ca_pk), text[512];
	struct cert *c = NULL;
	struct error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *doc;

		subst(text, sizeof(text), cases[i].text, pk64);
		doc = ca_signed(text);
		ck_assert_int_eq(
		    cert_verify(doc, ca_pk, NULL, 1, &c, &err), MCE_BADCERT);
		ck_assert_msg(strstr(err.text, cases[i].error) != NULL,
		    "case %zu: %s", i, err.text);
		ck_assert_int_eq(cert_parse(doc, &c, &err), MCE_BADCERT);
		ck_assert_ptr_null(c);
		json_decref(doc);
	}
	free(pk64);
}
END_TEST

START_TEST(test_cert_bad_document)
{
	json_t *good = alice_cert(), *doc;
	struct cert *c = NULL;
	struct error err;

	doc = json_pack("{s:s}", "certificate", "{}");
	ck_assert_int_eq(cert_parse(doc, &c, &err), MCE_BADCERT);
	json_decref(doc);
	doc = json_deep_copy(good);
	json_object_set_new(doc, "extra", json_true());
	ck_assert_int_eq(
	    cert_verify(doc, ca_pk, NULL, NOW, &c, &err), MCE_BADCERT);
	json_decref(doc);
	doc = json_deep_copy(good);
	json_object_set_new(doc, "signature", json_string("AAAA"));
	ck_assert_int_eq(
	    cert_verify(doc, ca_pk, NULL, NOW, &c, &err), MCE_BADCERT);
	json_decref(doc);
	doc = json_array();
	ck_assert_int_eq(
	    cert_verify(doc, ca_pk, NULL, NOW, &c, &err), MCE_BADCERT);
	json_decref(doc);
	ck_assert_int_eq(
	    cert_verify(NULL, ca_pk, NULL, NOW, &c, &err), MCE_BADCERT);
	ck_assert_ptr_null(c);
	json_decref(good);
}
END_TEST

/* Mail addresses as names; issuers are free text for people. */
START_TEST(test_cert_names)
{
	json_t *doc = NULL;
	struct cert *c = NULL;
	struct error err;
	unsigned char pk[SIGN_PUBLICKEYBYTES];

	sign_key_public(alice_key, pk);
	ck_assert_int_eq(
	    cert_issue(ca, "Example Fleet CA \xc3\xa9", "alice@example.com",
		CERT_ROLE_CALLER, pk, NOW - DAY, NOW + DAY, &doc),
	    0);
	ck_assert_int_eq(cert_verify(doc, ca_pk, NULL, NOW, &c, &err), 0);
	ck_assert_str_eq(c->name, "alice@example.com");
	ck_assert_str_eq(c->issuer, "Example Fleet CA \xc3\xa9");
	cert_free(c);
	json_decref(doc);
	doc = NULL;
	ck_assert_int_eq(cert_issue(ca, "Fleet\nCA", "alice", CERT_ROLE_CALLER,
			     pk, 0, 1, &doc),
	    -EINVAL);
	ck_assert_int_eq(cert_issue(ca, "ca", "alice smith", CERT_ROLE_CALLER,
			     pk, 0, 1, &doc),
	    -EINVAL);
	ck_assert_ptr_null(doc);
}
END_TEST

START_TEST(test_cert_issue_refuses_bad_input)
{
	unsigned char pk[SIGN_PUBLICKEYBYTES] = {0};
	json_t *doc = NULL;

	ck_assert_int_eq(
	    cert_issue(ca, "ca", "bad name", CERT_ROLE_NODE, pk, 0, 1, &doc),
	    -EINVAL);
	ck_assert_int_eq(
	    cert_issue(ca, "ca", "alice", CERT_ROLE_NODE, pk, 10, 9, &doc),
	    -EINVAL);
	ck_assert_int_eq(
	    cert_issue(ca, "", "alice", CERT_ROLE_NODE, pk, 0, 1, &doc),
	    -EINVAL);
	ck_assert_ptr_null(doc);
}
END_TEST

START_TEST(test_cert_save_load)
{
	json_t *doc = alice_cert(), *back = NULL;
	struct error err;
	struct stat st;
	mode_t old;

	unlink(tmp("alice.crt"));
	old = umask(077); /* the mode is 0644 whatever the umask */
	ck_assert_int_eq(cert_save(doc, tmp("alice.crt"), 0), 0);
	umask(old);
	ck_assert_int_eq(stat(tmp("alice.crt"), &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(cert_load(tmp("alice.crt"), &back, &err), 0);
	ck_assert(json_equal(doc, back));
	json_decref(back);
	/* An existing certificate is replaced only when asked to. */
	ck_assert_int_eq(cert_save(doc, tmp("alice.crt"), 0), -EEXIST);
	ck_assert_int_eq(cert_save(doc, tmp("alice.crt"), 1), 0);
	ck_assert_int_eq(cert_load(tmp("alice.crt"), &back, &err), 0);
	ck_assert(json_equal(doc, back));
	json_decref(back);
	write_file(tmp("junk.crt"), "{\"certificate\":", 0644);
	ck_assert_int_eq(cert_load(tmp("junk.crt"), &back, &err), MCE_BADCERT);
	ck_assert_int_eq(cert_load(tmp("absent.crt"), &back, &err), -ENOENT);
	json_decref(doc);
}
END_TEST

/* Envelopes */

/* sign_envelope_verify() as a node checks a caller's request now. */
static int
verify_caller(const struct envelope *e)
{
	struct error err;

	return sign_envelope_verify(
	    e, ca_pk, NULL, CERT_ROLE_CALLER, NOW, NULL, &err);
}

static struct envelope *
signed_request(const struct sign_key *k, const json_t *cert)
{
	const char *body = "{\"type\":\"request\",\"x\":\"payload\"}";
	struct envelope *e = NULL;

	ck_assert_int_eq(sign_envelope(k, cert, body, strlen(body), &e), 0);
	return e;
}

START_TEST(test_envelope_verify)
{
	json_t *cert = alice_cert();
	struct envelope *e = signed_request(alice_key, cert), *d = NULL;
	struct cert *c = NULL;
	struct error err;
	char *wire;
	size_t len;

	/* Through the wire form and back. */
	ck_assert_int_eq(envelope_encode(e, &wire, &len), 0);
	ck_assert_int_eq(
	    envelope_decode(wire, len, MESSAGE_MAX_DEFAULT, &d, &err), 0);
	ck_assert_int_eq(sign_envelope_verify(
			     d, ca_pk, NULL, CERT_ROLE_CALLER, NOW, &c, &err),
	    0);
	ck_assert_str_eq(c->name, "alice");
	cert_free(c);
	ck_assert_int_eq(verify_caller(d), 0);
	free(wire);
	envelope_free(e);
	envelope_free(d);
	json_decref(cert);
}
END_TEST

START_TEST(test_envelope_body_tamper)
{
	json_t *cert = alice_cert();
	struct envelope *e = signed_request(alice_key, cert);

	for (size_t i = 0; i < e->body_len; i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			e->body[i] ^= (char)(1 << bit);
			ck_assert_int_eq(verify_caller(e), MCE_BADSIG);
			e->body[i] ^= (char)(1 << bit);
		}
	}
	ck_assert_int_eq(verify_caller(e), 0);
	/* Truncated body. */
	e->body_len--;
	ck_assert_int_eq(verify_caller(e), MCE_BADSIG);
	envelope_free(e);
	json_decref(cert);
}
END_TEST

START_TEST(test_envelope_signature_tamper)
{
	json_t *cert = alice_cert();
	struct envelope *e = signed_request(alice_key, cert);
	size_t len = strlen(e->signature);

	ck_assert_uint_eq(len, 88);
	for (size_t i = 0; i < len; i += 5) {
		char saved = e->signature[i];

		e->signature[i] = saved == 'A' ? 'B' : 'A';
		ck_assert_int_eq(verify_caller(e), MCE_BADSIG);
		e->signature[i] = saved;
	}
	e->signature[len - 3] = e->signature[len - 3] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(verify_caller(e), MCE_BADSIG);
	envelope_free(e);
	json_decref(cert);
}
END_TEST

START_TEST(test_envelope_wrong_role)
{
	json_t *cert =
	    issue(ca, node_key, "web1", CERT_ROLE_NODE, NOW - DAY, NOW + DAY);
	struct envelope *e = signed_request(node_key, cert);
	struct cert *c = NULL;
	struct error err;

	ck_assert_int_eq(sign_envelope_verify(
			     e, ca_pk, NULL, CERT_ROLE_CALLER, NOW, &c, &err),
	    MCE_ROLE);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(err.text, "role node, expected caller"));
	ck_assert_int_eq(
	    sign_envelope_verify(e, ca_pk, NULL, CERT_ROLE_NODE, NOW, &c, &err),
	    0);
	ck_assert_str_eq(c->name, "web1");
	cert_free(c);
	envelope_free(e);
	json_decref(cert);
}
END_TEST

START_TEST(test_envelope_untrusted_and_expired)
{
	json_t *other = issue(ca2, alice_key, "alice", CERT_ROLE_CALLER,
		   NOW - DAY, NOW + DAY),
	       *old = issue(ca, alice_key, "alice", CERT_ROLE_CALLER,
		   NOW - 2 * DAY, NOW - DAY);
	struct envelope *e = signed_request(alice_key, other),
			*f = signed_request(alice_key, old);

	ck_assert_int_eq(verify_caller(e), MCE_UNTRUSTED);
	ck_assert_int_eq(verify_caller(f), MCE_EXPIRED);
	envelope_free(e);
	envelope_free(f);
	json_decref(other);
	json_decref(old);
}
END_TEST

/* A valid certificate for alice does not vouch for a body signed by
 * another key. */
START_TEST(test_envelope_signed_by_other_key)
{
	json_t *cert = alice_cert();
	struct envelope *e = signed_request(alice_key, cert);
	char *sig;

	ck_assert_int_eq(sign_data(node_key, e->body, e->body_len, &sig), 0);
	free(e->signature);
	e->signature = sig;
	ck_assert_int_eq(verify_caller(e), MCE_BADSIG);
	envelope_free(e);
	json_decref(cert);
}
END_TEST

START_TEST(test_envelope_unsigned)
{
	json_t *cert = alice_cert();
	struct envelope *e = envelope_new("{}", 2);

	ck_assert_int_eq(verify_caller(e), MCE_BADSIG);
	e->signature = strdup("AAAA");
	ck_assert_int_eq(verify_caller(e), MCE_BADCERT);
	envelope_free(e);
	json_decref(cert);
}
END_TEST

START_TEST(test_sign_envelope_refuses_foreign_cert)
{
	json_t *cert = alice_cert();
	struct envelope *e = NULL;

	ck_assert_int_eq(
	    sign_envelope(node_key, cert, "{}", 2, &e), MCE_KEYMISMATCH);
	ck_assert_ptr_null(e);
	json_decref(cert);
}
END_TEST

/* Trust */

/* A trust loaded from files: alice's key and certificate, ca.pub. */
static struct trust *
alice_trust(const char *keyfile)
{
	unsigned char pk[SIGN_PUBLICKEYBYTES];
	struct trust_paths p = {.key = tmp(keyfile)};
	char key[512], crt[512], pub[512];
	struct trust *t;
	struct error err;
	json_t *doc = alice_cert();

	/* tmp() reuses one buffer: copy each path. */
	snprintf(key, sizeof(key), "%s", p.key);
	snprintf(crt, sizeof(crt), "%s", tmp("alice.crt"));
	snprintf(pub, sizeof(pub), "%s", tmp("ca.pub"));
	sign_key_public(ca, pk);
	p.key = key;
	p.certificate = crt;
	p.ca = pub;
	unlink(crt);
	unlink(pub);
	ck_assert_int_eq(cert_save(doc, crt, 1), 0);
	ck_assert_int_eq(sign_pubkey_save(pk, pub), 0);
	json_decref(doc);
	ck_assert_ptr_nonnull(t = trust_new());
	ck_assert_int_eq(trust_load(t, &p, &err), 0);
	return t;
}

START_TEST(test_trust_load_and_use)
{
	struct trust *t, *node;
	struct envelope *e = NULL;
	struct cert *c = NULL;
	struct error err;

	ck_assert_int_eq(sign_key_save(alice_key, tmp("alice.key")), 0);
	t = alice_trust("alice.key");
	ck_assert_int_eq(trust_has_ca(t), 1);
	ck_assert_int_eq(trust_can_sign(t), 1);
	ck_assert_int_eq(
	    trust_check_own(t, CERT_ROLE_CALLER, "alice", NOW, &err), 0);
	ck_assert_int_eq(trust_sign(t, "{}", 2, &e), 0);
	/* A node trusting the same CA verifies it, twice (cached). */
	ck_assert_ptr_nonnull(node = trust_new());
	ck_assert_int_eq(trust_verify(node, e, CERT_ROLE_CALLER, NOW, &c, &err),
	    MCE_UNTRUSTED);
	trust_set_ca(node, ca_pk);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(
		    trust_verify(node, e, CERT_ROLE_CALLER, NOW, &c, &err), 0);
		ck_assert_str_eq(c->name, "alice");
		cert_free(c);
		c = NULL;
	}
	ck_assert_int_eq(
	    trust_verify(node, e, CERT_ROLE_CALLER, NOW + 2 * DAY, &c, &err),
	    MCE_EXPIRED);
	envelope_free(e);
	trust_free(node);
	trust_free(t);
	trust_free(NULL);
	ck_assert_int_eq(trust_has_ca(NULL), 0);
	ck_assert_int_eq(trust_can_sign(NULL), 0);
}
END_TEST

/* Every way the own certificate can be refused, each with its code and
 * words; the source is the certificate file. */
START_TEST(test_trust_check_own)
{
	struct envelope *e = NULL;
	struct trust *t;
	struct error err;

	ck_assert_int_eq(sign_key_save(alice_key, tmp("alice.key")), 0);
	t = alice_trust("alice.key");
	ck_assert_int_eq(
	    trust_check_own(t, CERT_ROLE_CALLER, NULL, NOW + DAY + 1, &err),
	    MCE_EXPIRED);
	ck_assert_str_eq(err.source, tmp("alice.crt"));
	ck_assert_ptr_nonnull(strstr(err.text, "\"alice\" expired at "));
	ck_assert_int_eq(
	    trust_check_own(t, CERT_ROLE_CALLER, NULL, NOW - DAY - 1, &err),
	    MCE_NOTYET);
	ck_assert_ptr_nonnull(strstr(err.text, "not valid before "));
	ck_assert_int_eq(
	    trust_check_own(t, CERT_ROLE_NODE, NULL, NOW, &err), MCE_ROLE);
	ck_assert_str_eq(err.text, "certificate has role caller, not node");
	ck_assert_int_eq(trust_check_own(t, CERT_ROLE_CALLER, "bob", NOW, &err),
	    MCE_IDENTITY);
	/* Another CA. */
	trust_set_ca(t, ca2_pk);
	ck_assert_int_eq(trust_check_own(t, CERT_ROLE_CALLER, NULL, NOW, &err),
	    MCE_UNTRUSTED);
	trust_free(t);

	/* The key of another certificate, naming the key file, the
	 * certificate file and both public keys. */
	ck_assert_int_eq(sign_key_save(node_key, tmp("node.key")), 0);
	t = alice_trust("node.key");
	ck_assert_int_eq(
	    trust_check_own(t, CERT_ROLE_CALLER, "alice", NOW, &err),
	    MCE_KEYMISMATCH);
	ck_assert_str_eq(err.source, tmp("node.key"));
	{
		unsigned char apk[SIGN_PUBLICKEYBYTES],
		    npk[SIGN_PUBLICKEYBYTES];
		char want[1024], *a, *n;

		sign_key_public(alice_key, apk);
		sign_key_public(node_key, npk);
		a = sign_pubkey_format(apk);
		n = sign_pubkey_format(npk);
		snprintf(want, sizeof(want),
		    "key does not match certificate %s (the certificate is "
		    "for public key %s, the key's is %s)",
		    tmp("alice.crt"), a, n);
		ck_assert_str_eq(err.text, want);
		free(a);
		free(n);
	}
	/* Nor does it sign with them. */
	ck_assert_int_eq(trust_sign(t, "{}", 2, &e), MCE_KEYMISMATCH);
	ck_assert_ptr_null(e);
	trust_free(t);
}
END_TEST

START_TEST(test_trust_load_errors)
{
	unsigned char pk[SIGN_PUBLICKEYBYTES];
	struct trust_paths p = {.key = tmp("k.key")};
	struct trust *t;
	struct error err;

	ck_assert_ptr_nonnull(t = trust_new());
	ck_assert_int_eq(trust_load(t, &p, &err), MCE_CONFIG);
	ck_assert_int_eq(
	    trust_check_own(t, CERT_ROLE_CALLER, NULL, NOW, &err), MCE_CONFIG);
	trust_free(t);

	/* A key readable by others is refused, naming the file. */
	ck_assert_int_eq(sign_key_save(alice_key, tmp("k.key")), 0);
	ck_assert_int_eq(chmod(tmp("k.key"), 0640), 0);
	p.certificate = "/nonexistent.crt";
	ck_assert_ptr_nonnull(t = trust_new());
	ck_assert_int_eq(trust_load(t, &p, &err), MCE_KEYPERM);
	ck_assert_str_eq(err.source, tmp("k.key"));
	ck_assert_ptr_nonnull(strstr(err.text, "mode 0640"));
	trust_free(t);

	ck_assert_int_eq(chmod(tmp("k.key"), 0600), 0);
	ck_assert_ptr_nonnull(t = trust_new());
	ck_assert_int_eq(trust_load(t, &p, &err), -ENOENT);
	ck_assert_str_eq(err.source, "/nonexistent.crt");
	trust_free(t);

	/* Whoever can write the CA key speaks for the fleet. */
	p.key = p.certificate = NULL;
	ck_assert_int_eq(sign_pubkey_save(ca_pk, tmp("ca.pub")), 0);
	ck_assert_int_eq(chmod(tmp("ca.pub"), 0664), 0);
	p.ca = tmp("ca.pub");
	ck_assert_ptr_nonnull(t = trust_new());
	ck_assert_int_eq(trust_load(t, &p, &err), MCE_FILEPERM);
	ck_assert_str_eq(err.source, tmp("ca.pub"));
	ck_assert_str_eq(err.text, "mode 0664 is writable by group or others");
	ck_assert_int_eq(trust_has_ca(t), 0);
	trust_free(t);
	/* sign_pubkey_load, for a tool's inputs, makes no such demand. */
	ck_assert_int_eq(sign_pubkey_load(tmp("ca.pub"), pk), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sign");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_key_save_load);
	tcase_add_test(tc, test_key_save_refuses_overwrite);
	tcase_add_test(tc, test_key_load_refuses_open_modes);
	tcase_add_test(tc, test_key_load_malformed);
	tcase_add_test(tc, test_key_load_mismatched_halves);
	tcase_add_test(tc, test_pubkey_files);
	tcase_add_test(tc, test_pubkey_parse_strict);
	tcase_add_test(tc, test_sign_data_tamper);
	tcase_add_test(tc, test_cert_issue_verify);
	tcase_add_test(tc, test_cert_time_window);
	tcase_add_test(tc, test_cert_wrong_ca);
	tcase_add_test(tc, test_cert_text_tamper);
	tcase_add_test(tc, test_cert_verified_memory);
	tcase_add_test(tc, test_cert_bad_fields);
	tcase_add_test(tc, test_cert_bad_document);
	tcase_add_test(tc, test_cert_names);
	tcase_add_test(tc, test_cert_issue_refuses_bad_input);
	tcase_add_test(tc, test_cert_save_load);
	tcase_add_test(tc, test_envelope_verify);
	tcase_add_test(tc, test_envelope_body_tamper);
	tcase_add_test(tc, test_envelope_signature_tamper);
	tcase_add_test(tc, test_envelope_wrong_role);
	tcase_add_test(tc, test_envelope_untrusted_and_expired);
	tcase_add_test(tc, test_envelope_signed_by_other_key);
	tcase_add_test(tc, test_envelope_unsigned);
	tcase_add_test(tc, test_sign_envelope_refuses_foreign_cert);
	tcase_add_test(tc, test_trust_load_and_use);
	tcase_add_test(tc, test_trust_check_own);
	tcase_add_test(tc, test_trust_load_errors);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}

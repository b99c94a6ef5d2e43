/*
 * gen_messages.c: real messages from the C library, for the schema test
 * and the fuzz seed corpora.
 *
 *   gen_messages print KIND       one KIND document a line on stdout
 *   gen_messages check KIND FILE  exit 0 when the C decoder accepts FILE,
 *                                 1 (and the reason on stderr) when not
 *   gen_messages corpus DIR       writes DIR/fuzz_message/ and
 *                                 DIR/fuzz_cert/ seed files
 *
 * KIND is request, reply, envelope or certificate (the certificate text,
 * the object the CA signs). Keys come from fixed seeds and times and ids
 * are fixed, so the output is the same on every run; the fuzz targets
 * derive the same CA key from the same seed.
 */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "message.h"
#include "sign.h"

/* The CA the corpora are signed by; its public key is CA_PUBKEY in
 * tests/fuzz/fuzz_*.c. */
#define CA_SEED "metactl fuzz corpus CA seed 0001"
#define NOW_S 1800000000LL
#define NOT_BEFORE 1700000000LL
#define NOT_AFTER 1900000000LL

static struct sign_key *ca, *alice, *web1;
static json_t *alice_cert, *web1_cert;

static void
die(const char *what, int rc)
{
	fprintf(stderr, "gen_messages: %s: %s\n", what, error_str(rc));
	exit(2);
}

/* A key from a 32-character seed, through a key file as users hold it. */
static struct sign_key *
key_from_seed(const char *seed, const char *dir, const char *name)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES],
	    sk[crypto_sign_SECRETKEYBYTES];
	char b64[sodium_base64_ENCODED_LEN(
	    crypto_sign_SECRETKEYBYTES, sodium_base64_VARIANT_ORIGINAL)];
	char path[512];
	struct sign_key *k;
	FILE *f;
	int rc;

	crypto_sign_seed_keypair(pk, sk, (const unsigned char *)seed);
	sodium_bin2base64(
	    b64, sizeof(b64), sk, sizeof(sk), sodium_base64_VARIANT_ORIGINAL);
	snprintf(path, sizeof(path), "%s/%s.key", dir, name);
	if ((f = fopen(path, "w")) == NULL || chmod(path, 0600) != 0)
		die(path, -errno);
	fprintf(f, "%s\n", b64);
	fclose(f);
	if ((rc = sign_key_load(path, &k)) != 0)
		die(path, rc);
	remove(path);
	return k;
}

static json_t *
issue(const struct sign_key *k, const char *name, enum cert_role role)
{
	unsigned char pk[SIGN_PUBLICKEYBYTES];
	json_t *doc;
	int rc;

	sign_key_public(k, pk);
	rc = cert_issue(
	    ca, "fleet-ca", name, role, pk, NOT_BEFORE, NOT_AFTER, &doc);
	if (rc != 0)
		die("cert_issue", rc);
	return doc;
}

static void
setup(void)
{
	char dir[] = "/tmp/gen_messages.XXXXXX";

	if (sign_init() != 0 || mkdtemp(dir) == NULL)
		die("setup", -errno);
	ca = key_from_seed(CA_SEED, dir, "ca");
	alice = key_from_seed("alice's key seed for the corpus!", dir, "alice");
	web1 = key_from_seed("web1's key seed for the corpus!!", dir, "web1");
	rmdir(dir);
	alice_cert = issue(alice, "alice", CERT_ROLE_CALLER);
	web1_cert = issue(web1, "web1.example.com", CERT_ROLE_NODE);
}

/* Fixed, distinct ids: "00...0n". */
static void
fixed_id(char id[MESSAGE_ID_LEN + 1], unsigned n)
{
	snprintf(id, MESSAGE_ID_LEN + 1, "%032x", n);
}

static char *
request_body(unsigned n)
{
	struct request *r = request_new();
	char *body;
	int rc;

	if (r == NULL)
		die("request_new", -ENOMEM);
	fixed_id(r->id, n);
	r->time_ms = NOW_S * 1000 + n;
	r->ttl = n % 2 ? 60 : 600;
	r->caller = strdup(n % 3 ? "alice" : "uid=500");
	r->collective = strdup("mcollective");
	r->agent = strdup(n % 2 ? "service" : "rpcutil");
	r->action = strdup(n % 2 ? "restart" : "ping");
	if (n % 2) {
		json_object_set_new(r->data, "app", json_string("myapp"));
		json_object_set_new(r->filter, "fact",
		    json_pack("[{s:s,s:s,s:s}]", "fact", "role", "operator",
			"==", "value", "web"));
		json_object_set_new(r->filter, "compound",
		    json_string("role=web and (dc=dc1 or !class_x)"));
	}
	if (n % 4 == 1) {
		const char *ids[] = {"web2.example.com", "web1.example.com"};

		if ((rc = request_set_audience(r, ids, 2)) != 0)
			die("request_set_audience", rc);
	}
	r->dry_run = n % 4 == 3;
	if (n % 4 == 2)
		json_object_set_new(r->data, "note",
		    json_string("caf\xc3\xa9 \"quoted\"\nnext line"));
	if ((rc = request_encode(r, &body, NULL)) != 0)
		die("request_encode", rc);
	request_free(r);
	return body;
}

static char *
reply_body(unsigned n)
{
	char id[MESSAGE_ID_LEN + 1], digest[MESSAGE_DIGEST_LEN + 1];
	char *body = request_body(n);
	struct reply *r;
	int rc;

	/* The answer to request n: tests/schemas.sh checks the digest. */
	fixed_id(id, n);
	message_digest(body, strlen(body), digest);
	free(body);
	r = reply_new(id, digest, "web1.example.com", (int)(n % 7), NULL,
	    n % 2 ? json_pack("{s:s,s:i,s:[s,s]}", "status", "running", "pid",
			4242, "argv", "systemctl", "restart")
		  : NULL);
	if (r == NULL)
		die("reply_new", -ENOMEM);
	r->time_ms = NOW_S * 1000 + 500 + n;
	if ((rc = reply_encode(r, &body, NULL)) != 0)
		die("reply_encode", rc);
	reply_free(r);
	return body;
}

/* An envelope on the wire: signed by alice (requests) or web1 (replies),
 * or unsigned as on the local socket. */
static char *
envelope_text(unsigned n)
{
	char *body = n % 2 ? reply_body(n) : request_body(n), *wire;
	struct envelope *e;
	int rc;

	if (n % 3 == 2)
		e = envelope_new(body, strlen(body));
	else if ((rc = sign_envelope(n % 2 ? web1 : alice,
		      n % 2 ? web1_cert : alice_cert, body, strlen(body),
		      &e)) != 0)
		die("sign_envelope", rc);
	if (e == NULL || (rc = envelope_encode(e, &wire, NULL)) != 0)
		die("envelope_encode", e == NULL ? -ENOMEM : rc);
	envelope_free(e);
	free(body);
	return wire;
}

static char *
certificate_text(unsigned n)
{
	const json_t *doc = n % 2 ? web1_cert : alice_cert;

	return strdup(json_string_value(json_object_get(doc, "certificate")));
}

static char *
certificate_doc(unsigned n)
{
	return json_dumps(n % 2 ? web1_cert : alice_cert, JSON_COMPACT);
}

struct kind {
	const char *name;
	char *(*make)(unsigned n);
};

static const struct kind kinds[] = {
    {"request", request_body},
    {"reply", reply_body},
    {"envelope", envelope_text},
    {"certificate", certificate_text},
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))
#define PER_KIND 8

static const struct kind *
find_kind(const char *name)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	fprintf(stderr, "gen_messages: unknown kind %s\n", name);
	exit(2);
}

static char *
slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		die(path, -errno);
	do {
		if (len == cap &&
		    (buf = realloc(buf, cap = cap * 2 + 4096)) == NULL)
			die(path, -ENOMEM);
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	*ret_len = len;
	return buf;
}

/* Runs the decoder for kind; 0 when it accepts. */
static int
check(const char *kind, const char *buf, size_t len, struct error *err)
{
	struct envelope *e = NULL;
	struct request *rq = NULL;
	struct reply *rp = NULL;
	struct cert *c = NULL;
	json_t *doc;
	int rc;

	if (strcmp(kind, "request") == 0) {
		rc = request_decode(buf, len, &rq, err);
	} else if (strcmp(kind, "reply") == 0) {
		rc = reply_decode(buf, len, &rp, err);
	} else if (strcmp(kind, "envelope") == 0) {
		rc = envelope_decode(buf, len, MESSAGE_MAX_DEFAULT, &e, err);
		if (rc == 0 && e->certificate != NULL)
			rc = cert_parse(e->certificate, &c, err);
	} else {
		/* The text in a document with a well-formed signature. */
		char *text = strndup(buf, len), sig[89];

		memset(sig, 'A', 86);
		strcpy(sig + 86, "==");
		doc = json_pack(
		    "{s:s?,s:s}", "certificate", text, "signature", sig);
		free(text);
		rc = doc == NULL ? MCE_PARSE : cert_parse(doc, &c, err);
		json_decref(doc);
	}
	request_free(rq);
	reply_free(rp);
	envelope_free(e);
	cert_free(c);
	return rc;
}

static void
write_seed(const char *dir, const char *name, const char *data, size_t len)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL)
		die(path, -errno);
	fwrite(data, 1, len, f);
	fclose(f);
}

/* Seeds: real messages, plus a few hostile shapes near them. */
static void
corpus(const char *top)
{
	char dir[512], name[64], *s;

	snprintf(dir, sizeof(dir), "%s/fuzz_message", top);
	mkdir(dir, 0755);
	for (unsigned n = 0; n < PER_KIND; n++) {
		s = envelope_text(n);
		snprintf(name, sizeof(name), "envelope-%u.json", n);
		write_seed(dir, name, s, strlen(s));
		if (n == 0) {
			/* Cut in half; and a body too deep. */
			write_seed(dir, "truncated.json", s, strlen(s) / 2);
		}
		free(s);
	}
	s = "{\"protocol\":1,\"body\":\"{\\\"a\\\":[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\"}";
	write_seed(dir, "deep-body.json", s, strlen(s));
	snprintf(dir, sizeof(dir), "%s/fuzz_cert", top);
	mkdir(dir, 0755);
	for (unsigned n = 0; n < 2; n++) {
		s = certificate_doc(n);
		snprintf(name, sizeof(name), "certificate-%u.json", n);
		write_seed(dir, name, s, strlen(s));
		free(s);
		s = certificate_text(n);
		snprintf(name, sizeof(name), "text-%u.json", n);
		write_seed(dir, name, s, strlen(s));
		free(s);
	}
	{
		/* Signed by the CA but for other times, and one by alice. */
		unsigned char pk[SIGN_PUBLICKEYBYTES];
		static const int64_t spans[][2] = {
		    {0, 1}, {NOW_S + 1, NOW_S + 2}, {NOW_S, NOW_S}};
		json_t *doc;

		sign_key_public(alice, pk);
		for (unsigned i = 0; i < 3; i++) {
			cert_issue(ca, "fleet-ca", "alice", CERT_ROLE_CALLER,
			    pk, spans[i][0], spans[i][1], &doc);
			s = json_dumps(doc, JSON_COMPACT);
			snprintf(name, sizeof(name), "span-%u.json", i);
			write_seed(dir, name, s, strlen(s));
			free(s);
			json_decref(doc);
		}
		cert_issue(alice, "alice", "bob", CERT_ROLE_NODE, pk, 0,
		    NOT_AFTER, &doc);
		s = json_dumps(doc, JSON_COMPACT);
		write_seed(dir, "self-signed.json", s, strlen(s));
		free(s);
		json_decref(doc);
	}
}

int
main(int argc, char *argv[])
{
	struct error err;

	if (argc == 3 && strcmp(argv[1], "print") == 0) {
		const struct kind *k = find_kind(argv[2]);

		setup();
		for (unsigned n = 0; n < PER_KIND; n++) {
			char *s = k->make(n);
			printf("%s\n", s);
			free(s);
		}
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "check") == 0) {
		size_t len;
		char *buf = slurp(argv[3], &len);
		int rc;

		find_kind(argv[2]);
		rc = check(argv[2], buf, len, &err);
		free(buf);
		if (rc != 0) {
			fprintf(stderr, "%s: %s: %s\n", argv[3], error_name(rc),
			    err.text);
			return 1;
		}
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "corpus") == 0) {
		setup();
		corpus(argv[2]);
		return 0;
	}
	fprintf(stderr,
	    "usage: gen_messages print KIND | check KIND FILE | "
	    "corpus DIR\n");
	return 2;
}

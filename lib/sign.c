/* sign.c: see sign.h. */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "file.h"
#include "names.h"
#include "sign.h"

#define B64_VARIANT sodium_base64_VARIANT_ORIGINAL
/* Longest key file line we read: the secret key's base64 and a newline. */
#define KEYFILE_MAX 256
/* Certificates are a few hundred bytes; anything far larger is hostile. */
#define CERT_TEXT_MAX 4096
#define CERT_FILE_MAX 16384

struct sign_key {
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
};

int
sign_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

/* A key in guarded memory; sign_key_free() wipes it. */
static struct sign_key *
key_alloc(void)
{
	if (sign_init() != 0)
		return NULL;
	return sodium_malloc(sizeof(struct sign_key));
}

int
sign_key_generate(struct sign_key **ret)
{
	struct sign_key *k = key_alloc();

	if (k == NULL)
		return -ENOMEM;
	crypto_sign_keypair(k->pk, k->sk);
	*ret = k;
	return 0;
}

void
sign_key_free(struct sign_key *k)
{
	if (k != NULL)
		sodium_free(k);
}

void
sign_key_public(const struct sign_key *k, unsigned char pk[SIGN_PUBLICKEYBYTES])
{
	memcpy(pk, k->pk, SIGN_PUBLICKEYBYTES);
}

/*
 * Decodes exactly `size` bytes from a complete base64 text (no blanks, no
 * trailing bytes). 0 or -1.
 */
static int
b64_decode_exact(
    const char *b64, size_t b64_len, unsigned char *bin, size_t size)
{
	const char *end = NULL;
	size_t n = 0;

	if (sodium_base642bin(
		bin, size, b64, b64_len, NULL, &n, &end, B64_VARIANT) != 0)
		return -1;
	return n == size && end == b64 + b64_len ? 0 : -1;
}

/* base64 text of len bytes, malloc'd; NULL when memory is short. */
static char *
b64_encode(const unsigned char *bin, size_t len)
{
	size_t size = sodium_base64_ENCODED_LEN(len, B64_VARIANT);
	char *s = malloc(size);

	if (s != NULL)
		sodium_bin2base64(s, size, bin, len, B64_VARIANT);
	return s;
}

/* Length of a key file's one line: the text up to a single final '\n'. */
static size_t
line_length(const char *buf, size_t len)
{
	return len > 0 && buf[len - 1] == '\n' ? len - 1 : len;
}

/* Writes all of data to fd, syncs and closes it: 0 or -errno. */
static int
write_close(int fd, const void *data, size_t len)
{
	const char *p = data;
	int rc = 0;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* Writes all of data to a new file of the given mode; -EEXIST if present. */
static int
write_new(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd, rc;

	fd = open(
	    path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_EXCL, mode);
	if (fd < 0)
		return -errno;
	if ((rc = write_close(fd, data, len)) != 0)
		unlink(path);
	return rc;
}

/*
 * Writes data to path as one step: a temporary file beside it, mode `mode`
 * whatever the umask, then renamed over path (replace) or linked to it
 * (-EEXIST when path exists). Readers see the old file or the whole new
 * one, never a part.
 */
static int
write_atomic(
    const char *path, const void *data, size_t len, mode_t mode, int replace)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash != NULL ? (int)(slash - path) + 1 : 0, fd, rc;
	char *tmp;

	/* In path's directory, whatever the length of its file name. */
	if (asprintf(&tmp, "%.*s.tmpXXXXXX", dirlen, path) < 0)
		return -ENOMEM;
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		rc = -errno;
		free(tmp);
		return rc;
	}
	if (fchmod(fd, mode) != 0) {
		rc = -errno;
		close(fd);
	} else
		rc = write_close(fd, data, len);
	if (rc == 0 && (replace ? rename(tmp, path) : link(tmp, path)) != 0)
		rc = -errno;
	if (rc != 0 || !replace)
		unlink(tmp);
	free(tmp);
	return rc;
}

int
sign_key_load(const char *path, struct sign_key **ret)
{
	return sign_key_read(path, ret, NULL);
}

int
sign_key_read(const char *path, struct sign_key **ret, struct error *err)
{
	unsigned char seed[crypto_sign_SEEDBYTES];
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	struct sign_key *k;
	char *buf = NULL;
	size_t n = 0;
	int rc;

	if ((k = key_alloc()) == NULL)
		return -ENOMEM;
	rc = file_read(path, FILE_REGULAR | FILE_PRIVATE | FILE_TRUSTED,
	    KEYFILE_MAX, &buf, &n, err);
	if (rc == 0 &&
	    b64_decode_exact(buf, line_length(buf, n), k->sk, sizeof(k->sk)) !=
		0)
		rc = MCE_BADKEY;
	else if (rc == 0) {
		/* The stored public half must be the one the seed yields. */
		crypto_sign_ed25519_sk_to_seed(seed, k->sk);
		crypto_sign_seed_keypair(pk, sk, seed);
		if (sodium_memcmp(
			pk, k->sk + crypto_sign_SEEDBYTES, sizeof(pk)) != 0)
			rc = MCE_BADKEY;
		memcpy(k->pk, pk, sizeof(pk));
	}
	if (buf != NULL) {
		/* file_read leaves no other copy of a regular file. */
		sodium_memzero(buf, n);
		free(buf);
	}
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	if (rc == MCE_BADKEY)
		error_set(err, 0, 0, "%s", error_str(rc));
	if (rc != 0) {
		sign_key_free(k);
		return rc;
	}
	*ret = k;
	return 0;
}

int
sign_key_save(const struct sign_key *k, const char *path)
{
	char line[sodium_base64_ENCODED_LEN(
	    crypto_sign_SECRETKEYBYTES, B64_VARIANT)];
	size_t len;
	int rc;

	sodium_bin2base64(
	    line, sizeof(line), k->sk, sizeof(k->sk), B64_VARIANT);
	len = strlen(line);
	line[len++] = '\n'; /* replaces the NUL: written with its length */
	rc = write_new(path, line, len, 0600);
	sodium_memzero(line, sizeof(line));
	return rc;
}

void
sign_key_derive(const struct sign_key *k, const char *context,
    unsigned char *out, size_t len)
{
	crypto_generichash(out, len, (const unsigned char *)context,
	    strlen(context), k->sk, crypto_sign_SEEDBYTES);
}

int
sign_pubkey_parse(const char *b64, unsigned char pk[SIGN_PUBLICKEYBYTES])
{
	if (b64 == NULL ||
	    b64_decode_exact(b64, strlen(b64), pk, SIGN_PUBLICKEYBYTES) != 0)
		return MCE_BADKEY;
	return 0;
}

char *
sign_pubkey_format(const unsigned char pk[SIGN_PUBLICKEYBYTES])
{
	return b64_encode(pk, SIGN_PUBLICKEYBYTES);
}

int
sign_pubkey_load(const char *path, unsigned char pk[SIGN_PUBLICKEYBYTES])
{
	return sign_pubkey_read(path, 0, pk, NULL);
}

int
sign_pubkey_read(const char *path, int flags,
    unsigned char pk[SIGN_PUBLICKEYBYTES], struct error *err)
{
	char *buf;
	size_t n;
	int rc;

	if ((rc = file_read(
		 path, flags | FILE_REGULAR, KEYFILE_MAX, &buf, &n, err)) < 0)
		return rc;
	if (b64_decode_exact(
		buf, line_length(buf, n), pk, SIGN_PUBLICKEYBYTES) != 0) {
		error_set(err, 0, 0, "%s", error_str(MCE_BADKEY));
		rc = MCE_BADKEY;
	}
	free(buf);
	return rc;
}

int
sign_pubkey_save(const unsigned char pk[SIGN_PUBLICKEYBYTES], const char *path)
{
	char *line = sign_pubkey_format(pk);
	size_t len;
	int rc;

	if (line == NULL)
		return -ENOMEM;
	len = strlen(line);
	line[len++] = '\n';
	rc = write_new(path, line, len, 0644);
	free(line);
	return rc;
}

int
sign_data(
    const struct sign_key *k, const void *data, size_t len, char **ret_sig)
{
	unsigned char sig[crypto_sign_BYTES];

	crypto_sign_detached(sig, NULL, data, len, k->sk);
	if ((*ret_sig = b64_encode(sig, sizeof(sig))) == NULL)
		return -ENOMEM;
	return 0;
}

int
sign_data_verify(const unsigned char pk[SIGN_PUBLICKEYBYTES], const void *data,
    size_t len, const char *sig)
{
	unsigned char bin[crypto_sign_BYTES];

	if (sig == NULL ||
	    b64_decode_exact(sig, strlen(sig), bin, sizeof(bin)) != 0)
		return MCE_BADSIG;
	if (crypto_sign_verify_detached(bin, data, len, pk) != 0)
		return MCE_BADSIG;
	return 0;
}

const char *
cert_role_str(enum cert_role role)
{
	return role == CERT_ROLE_NODE ? "node" : "caller";
}

int
cert_issuer_ok(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return n > 0 && n <= CERT_ISSUER_MAX;
}

/* Seconds a JSON reader in any language holds exactly (2^53 - 1). */
#define CERT_TIME_MAX 9007199254740991LL

int
cert_issue(const struct sign_key *ca, const char *issuer, const char *name,
    enum cert_role role, const unsigned char pk[SIGN_PUBLICKEYBYTES],
    int64_t not_before, int64_t not_after, json_t **ret_doc)
{
	char *pk64, *text = NULL, *sig = NULL;
	json_t *doc = NULL;
	int rc;

	if (issuer == NULL || name == NULL || !cert_issuer_ok(issuer) ||
	    !name_ok(NAME_CERT, name) || not_before < 0 ||
	    not_after < not_before || not_after > CERT_TIME_MAX ||
	    (role != CERT_ROLE_CALLER && role != CERT_ROLE_NODE))
		return -EINVAL;
	if ((pk64 = sign_pubkey_format(pk)) == NULL)
		return -ENOMEM;
	doc = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "name", name, "role",
	    cert_role_str(role), "pubkey", pk64, "issuer", issuer, "not_before",
	    (json_int_t)not_before, "not_after", (json_int_t)not_after);
	free(pk64);
	if (doc != NULL)
		text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
	rc = text == NULL ? -ENOMEM : sign_data(ca, text, strlen(text), &sig);
	doc = NULL;
	if (rc == 0 &&
	    (doc = json_pack(
		 "{s:s, s:s}", "certificate", text, "signature", sig)) == NULL)
		rc = -ENOMEM;
	free(text);
	free(sig);
	if (rc == 0)
		*ret_doc = doc;
	return rc;
}

/*
 * The outer document: exactly {"certificate": text, "signature": base64}.
 * Borrowed pointers into doc.
 */
static int
cert_outer(const json_t *doc, const char **ret_text, size_t *ret_len,
    unsigned char sig[SIGN_BYTES], struct error *err)
{
	const json_t *text, *s64;

	text = json_object_get(doc, "certificate");
	s64 = json_object_get(doc, "signature");
	if (!json_is_object(doc) || json_object_size(doc) != 2 ||
	    !json_is_string(text) || !json_is_string(s64)) {
		error_set(err, 0, 0,
		    "certificate: must be {\"certificate\": string, "
		    "\"signature\": string}");
		return MCE_BADCERT;
	}
	if (json_string_length(text) > CERT_TEXT_MAX) {
		error_set(err, 0, 0, "certificate: text longer than %d bytes",
		    CERT_TEXT_MAX);
		return MCE_BADCERT;
	}
	if (b64_decode_exact(json_string_value(s64), json_string_length(s64),
		sig, SIGN_BYTES) != 0) {
		error_set(err, 0, 0,
		    "certificate: signature is not base64 of %d bytes",
		    SIGN_BYTES);
		return MCE_BADCERT;
	}
	*ret_text = json_string_value(text);
	*ret_len = json_string_length(text);
	return 0;
}

static int
cert_bad(struct error *err, const char *field, const char *rule)
{
	error_set(err, 0, 0, "certificate: \"%s\" %s", field, rule);
	return MCE_BADCERT;
}

/* 1 when obj has exactly the n keys, else 0 with err naming the first
 * missing or unknown one. */
static int
known_keys(
    const json_t *obj, const char *const *keys, size_t n, struct error *err)
{
	const char *key;
	json_t *v;
	size_t i;

	for (i = 0; i < n; i++)
		if (json_object_get(obj, keys[i]) == NULL) {
			cert_bad(err, keys[i], "is missing");
			return 0;
		}
	json_object_foreach((json_t *)obj, key, v)
	{
		for (i = 0; i < n && strcmp(key, keys[i]) != 0; i++)
			;
		if (i == n) {
			error_set(err, 0, 0,
			    "certificate: unknown field \"%.64s\"", key);
			return 0;
		}
	}
	return 1;
}

/* Checks the values of a certificate text with the right keys and copies
 * them into c. */
static int
cert_values(const json_t *j, struct cert *c, struct error *err)
{
	const json_t *name = json_object_get(j, "name"),
		     *role = json_object_get(j, "role"),
		     *pubkey = json_object_get(j, "pubkey"),
		     *nb = json_object_get(j, "not_before"),
		     *na = json_object_get(j, "not_after"),
		     *issuer = json_object_get(j, "issuer");

	if (!json_is_string(name))
		return cert_bad(err, "name", "must be a string");
	if (!name_ok(NAME_CERT, json_string_value(name))) {
		error_set(err, 0, 0,
		    "certificate: \"name\" is not a certificate name: %s",
		    name_why(NAME_CERT, json_string_value(name)));
		return MCE_BADCERT;
	}
	if (!json_is_string(role) ||
	    (strcmp(json_string_value(role), "caller") != 0 &&
		strcmp(json_string_value(role), "node") != 0))
		return cert_bad(err, "role", "must be \"caller\" or \"node\"");
	if (!json_is_string(pubkey) ||
	    sign_pubkey_parse(json_string_value(pubkey), c->pubkey) != 0)
		return cert_bad(err, "pubkey", "must be base64 of 32 bytes");
	if (!json_is_integer(nb) || json_integer_value(nb) < 0 ||
	    json_integer_value(nb) > CERT_TIME_MAX)
		return cert_bad(
		    err, "not_before", "must be an integer from 0 to 2^53-1");
	if (!json_is_integer(na) ||
	    json_integer_value(na) < json_integer_value(nb) ||
	    json_integer_value(na) > CERT_TIME_MAX)
		return cert_bad(err, "not_after",
		    "must be an integer from not_before to 2^53-1");
	if (!json_is_string(issuer) ||
	    !cert_issuer_ok(json_string_value(issuer)))
		return cert_bad(err, "issuer",
		    "must be 1 to 255 bytes without control characters");
	c->role = strcmp(json_string_value(role), "node") == 0
	    ? CERT_ROLE_NODE
	    : CERT_ROLE_CALLER;
	c->not_before = json_integer_value(nb);
	c->not_after = json_integer_value(na);
	c->name = strdup(json_string_value(name));
	c->issuer = strdup(json_string_value(issuer));
	return c->name == NULL || c->issuer == NULL ? -ENOMEM : 0;
}

/* Parses the certificate text and fills c from it. */
static int
cert_fields(const char *text, size_t len, struct cert *c, struct error *err)
{
	static const char *const keys[] = {
	    "name", "role", "pubkey", "not_before", "not_after", "issuer"};
	json_t *j;
	int rc = MCE_BADCERT;

	if ((j = message_parse_json(text, len, err)) == NULL)
		return MCE_BADCERT;
	if (!json_is_object(j))
		error_set(err, 0, 0, "certificate: text is not an object");
	else if (known_keys(j, keys, sizeof(keys) / sizeof(keys[0]), err))
		rc = cert_values(j, c, err);
	json_decref(j);
	return rc;
}

/* 1 when the CA signed text with sig: remembered in cc (may be NULL), or
 * verified now; d receives the digest cc knows the certificate by. */
static int
ca_signed(struct cert_cache *cc, const unsigned char *ca_pk,
    const unsigned char *sig, const char *text, size_t len, int64_t now,
    unsigned char d[CERT_CACHE_DIGEST_BYTES], int *ret_known)
{
	*ret_known = 0;
	if (cc != NULL) {
		cert_cache_digest(cc, ca_pk, sig, text, len, d);
		if ((*ret_known = cert_cache_find(cc, d, now)) != 0)
			return 1;
	}
	return crypto_sign_verify_detached(
		   sig, (const unsigned char *)text, len, ca_pk) == 0;
}

/* The common part of cert_parse and cert_verify: when ca_pk is not NULL the
 * signature is checked before the text is looked at. */
static int
cert_check(const json_t *doc, const unsigned char *ca_pk, struct cert_cache *cc,
    int64_t now, struct cert **ret, struct error *err)
{
	unsigned char sig[SIGN_BYTES], d[CERT_CACHE_DIGEST_BYTES];
	const char *text;
	struct cert *c;
	size_t len;
	int rc, known = 0;

	error_init(err, "certificate");
	if (doc == NULL) {
		error_set(err, 0, 0, "certificate: missing");
		return MCE_BADCERT;
	}
	if ((rc = cert_outer(doc, &text, &len, sig, err)) != 0)
		return rc;
	if (ca_pk != NULL &&
	    !ca_signed(cc, ca_pk, sig, text, len, now, d, &known)) {
		error_set(err, 0, 0, "certificate: not signed by a trusted CA");
		return MCE_UNTRUSTED;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -ENOMEM;
	if ((rc = cert_fields(text, len, c, err)) != 0) {
		cert_free(c);
		return rc;
	}
	/* Only what verified and parses is remembered; a cache short of
	 * memory only verifies again. */
	if (ca_pk != NULL && cc != NULL && !known)
		(void)cert_cache_add(cc, d, c->not_after, now);
	*ret = c;
	return 0;
}

int
cert_parse(const json_t *doc, struct cert **ret, struct error *err)
{
	return cert_check(doc, NULL, NULL, 0, ret, err);
}

void
cert_time_format(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "%lld", (long long)t);
}

int
cert_valid_at(const struct cert *c, int64_t now, struct error *err)
{
	char when[32], at[32];

	if (now >= c->not_before && now <= c->not_after)
		return 0;
	cert_time_format(now, at, sizeof(at));
	if (now < c->not_before) {
		cert_time_format(c->not_before, when, sizeof(when));
		error_set(err, 0, 0,
		    "certificate \"%s\" not valid before %s (now %s)", c->name,
		    when, at);
		return MCE_NOTYET;
	}
	cert_time_format(c->not_after, when, sizeof(when));
	error_set(err, 0, 0, "certificate \"%s\" expired at %s (now %s)",
	    c->name, when, at);
	return MCE_EXPIRED;
}

int
cert_verify(const json_t *doc, const unsigned char ca_pk[SIGN_PUBLICKEYBYTES],
    struct cert_cache *cc, int64_t now, struct cert **ret, struct error *err)
{
	struct cert *c;
	int rc;

	if ((rc = cert_check(doc, ca_pk, cc, now, &c, err)) != 0)
		return rc;
	rc = cert_valid_at(c, now, err);
	if (rc != 0 || ret == NULL)
		cert_free(c);
	else
		*ret = c;
	return rc;
}

void
cert_free(struct cert *c)
{
	if (c == NULL)
		return;
	free(c->name);
	free(c->issuer);
	free(c);
}

int
cert_load(const char *path, json_t **ret_doc, struct error *err)
{
	return cert_read(path, 0, ret_doc, err);
}

int
cert_read(const char *path, int flags, json_t **ret_doc, struct error *err)
{
	char *buf;
	size_t n;
	json_t *doc;
	int rc;

	if ((rc = file_read(
		 path, flags | FILE_REGULAR, CERT_FILE_MAX, &buf, &n, err)) < 0)
		return rc;
	doc = message_parse_json(buf, n, err);
	free(buf);
	if (doc == NULL)
		return MCE_BADCERT;
	*ret_doc = doc;
	return 0;
}

int
cert_save(const json_t *doc, const char *path, int replace)
{
	char *s;
	size_t len;
	int rc;

	if ((s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return -ENOMEM;
	len = strlen(s);
	s[len] = '\n'; /* the NUL goes; written with its length */
	rc = write_atomic(path, s, len + 1, 0644, replace);
	free(s);
	return rc;
}

int
sign_cert_for_key(const struct sign_key *k, const json_t *cert_doc)
{
	struct cert *c;
	int rc;

	if (cert_parse(cert_doc, &c, NULL) != 0)
		return MCE_BADCERT;
	rc = sodium_memcmp(c->pubkey, k->pk, SIGN_PUBLICKEYBYTES);
	cert_free(c);
	return rc != 0 ? MCE_KEYMISMATCH : 0;
}

int
sign_envelope(const struct sign_key *k, const json_t *cert_doc,
    const char *body, size_t len, struct envelope **ret)
{
	int rc;

	/* Refuse to send what every receiver would refuse. */
	if ((rc = sign_cert_for_key(k, cert_doc)) != 0)
		return rc;
	return sign_envelope_prechecked(k, cert_doc, body, len, ret);
}

int
sign_envelope_prechecked(const struct sign_key *k, const json_t *cert_doc,
    const char *body, size_t len, struct envelope **ret)
{
	struct envelope *e;
	int rc;

	if ((e = envelope_new(body, len)) == NULL)
		return -ENOMEM;
	if ((rc = sign_data(k, body, len, &e->signature)) == 0 &&
	    (e->certificate = json_deep_copy(cert_doc)) == NULL)
		rc = -ENOMEM;
	if (rc != 0) {
		envelope_free(e);
		return rc;
	}
	*ret = e;
	return 0;
}

int
sign_envelope_verify(const struct envelope *e,
    const unsigned char ca_pk[SIGN_PUBLICKEYBYTES], struct cert_cache *cc,
    enum cert_role role, int64_t now, struct cert **ret_cert, struct error *err)
{
	struct cert *c;
	int rc;

	error_init(err, "envelope");
	if (e->signature == NULL) {
		error_set(err, 0, 0, "envelope: unsigned");
		return MCE_BADSIG;
	}
	if (e->certificate == NULL) {
		error_set(err, 0, 0, "envelope: no certificate");
		return MCE_BADCERT;
	}
	if ((rc = cert_verify(e->certificate, ca_pk, cc, now, &c, err)) != 0)
		return rc;
	if (c->role != role) {
		error_set(err, 0, 0,
		    "certificate \"%s\" has role %s, expected %s", c->name,
		    cert_role_str(c->role), cert_role_str(role));
		rc = MCE_ROLE;
	} else if (sign_data_verify(
		       c->pubkey, e->body, e->body_len, e->signature) != 0) {
		error_set(err, 0, 0,
		    "envelope: signature by \"%s\" does not verify", c->name);
		rc = MCE_BADSIG;
	}
	if (rc != 0 || ret_cert == NULL)
		cert_free(c);
	else
		*ret_cert = c;
	return rc;
}

/* message.c: see message.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "message.h"
#include "names.h"

/* Integers a JSON reader in any language holds exactly (2^53 - 1). */
#define SAFE_INT_MAX 9007199254740991LL
#define TTL_MAX 2147483647LL

static const char *const status_texts[] = {
    [STATUS_OK] = "OK",
    [STATUS_ABORTED] = "aborted",
    [STATUS_UNKNOWN_ACTION] = "unknown action",
    [STATUS_MISSING_DATA] = "missing data",
    [STATUS_INVALID_DATA] = "invalid data",
    [STATUS_UNKNOWN_ERROR] = "unknown error",
    [STATUS_NOT_AUTHORISED] = "not authorised",
};

const char *
message_status_str(int status)
{
	if (status < 0 || status > STATUS_NOT_AUTHORISED)
		return "invalid status";
	return status_texts[status];
}

/*
 * The mapping from refusals to status codes, as MCollective answers them:
 *   MCE_MISSING                 -> 3 missing data
 *   MCE_INVALID                 -> 4 invalid data
 *   MCE_UNKACTION, MCE_UNKAGENT -> 2 unknown action (MCollective has no
 *                                  separate code for an unknown agent)
 *   MCE_DENIED                  -> 6 not authorised
 *   0                           -> 0 OK
 *   anything else               -> 5 unknown error (an internal failure:
 *                                  the caller cannot fix it by changing
 *                                  the request)
 */
int
message_status_for_error(int code)
{
	switch (code) {
	case 0:
		return STATUS_OK;
	case MCE_MISSING:
		return STATUS_MISSING_DATA;
	case MCE_INVALID:
		return STATUS_INVALID_DATA;
	case MCE_UNKACTION:
	case MCE_UNKAGENT:
		return STATUS_UNKNOWN_ACTION;
	case MCE_DENIED:
		return STATUS_NOT_AUTHORISED;
	default:
		return STATUS_UNKNOWN_ERROR;
	}
}

void
message_new_id(char id[MESSAGE_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[MESSAGE_ID_LEN / 2];

	/*
	 * Idempotent; libsodium wants it before randombytes. It only fails
	 * when no entropy source exists, and then randombytes_buf aborts
	 * rather than return predictable bytes.
	 */
	if (sodium_init() < 0)
		abort();
	randombytes_buf(raw, sizeof(raw));
	for (size_t i = 0; i < sizeof(raw); i++) {
		id[2 * i] = hex[raw[i] >> 4];
		id[2 * i + 1] = hex[raw[i] & 0xf];
	}
	id[MESSAGE_ID_LEN] = '\0';
}

int64_t
message_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Rejects what jansson would accept but the protocol does not, before
 * jansson sees it: NUL bytes and nesting deeper than MESSAGE_DEPTH_MAX. The
 * depth is counted on the raw text so a hostile document cannot make any
 * recursive parser run deep.
 */
static int
precheck_json(const char *buf, size_t len, struct error *err)
{
	int depth = 0, in_string = 0, escaped = 0;
	int line = 1, column = 0;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		column++;
		if (c == '\0') {
			error_set(err, line, column, "NUL byte in JSON text");
			return MCE_PARSE;
		}
		if (c == '\n') {
			line++;
			column = 0;
		}
		if (in_string) {
			if (escaped)
				escaped = 0;
			else if (c == '\\')
				escaped = 1;
			else if (c == '"')
				in_string = 0;
			continue;
		}
		if (c == '"') {
			in_string = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > MESSAGE_DEPTH_MAX) {
				error_set(err, line, column,
				    "JSON nested deeper than %d levels",
				    MESSAGE_DEPTH_MAX);
				return MCE_PARSE;
			}
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return 0;
}

/* message_parse_json() with an explicit limit and the reason in *ret_code. */
static json_t *
parse_json(
    const char *buf, size_t len, size_t max, struct error *err, int *ret_code)
{
	json_error_t jerr = {0};
	json_t *j;
	int rc;

	if (buf == NULL) {
		error_set(err, 0, 0, "no JSON text");
		*ret_code = MCE_PARSE;
		return NULL;
	}
	if (len > max) {
		error_set(err, 0, 0, "message too large: %zu bytes (limit %zu)",
		    len, max);
		*ret_code = MCE_TOOBIG;
		return NULL;
	}
	if ((rc = precheck_json(buf, len, err)) != 0) {
		*ret_code = rc;
		return NULL;
	}
	/* jansson checks UTF-8, rejects \u0000 and trailing garbage. */
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		error_set(err, jerr.line > 0 ? jerr.line : 0,
		    jerr.column > 0 ? jerr.column : 0, "malformed JSON: %s%s",
		    json_error_code(&jerr) == json_error_invalid_utf8
			? "invalid UTF-8: "
			: "",
		    jerr.text);
		*ret_code = MCE_PARSE;
		return NULL;
	}
	*ret_code = 0;
	return j;
}

json_t *
message_parse_json(const char *buf, size_t len, struct error *err)
{
	int code;

	return parse_json(buf, len, MESSAGE_MAX_DEFAULT, err, &code);
}

/* Field checks shared by the decoders and, so that we never emit what we
 * would refuse, by the encoders. */

/* Exactly len lowercase hex digits: an id or a digest. */
static int
is_hex(const char *s, size_t len)
{
	return strlen(s) == len && strspn(s, "0123456789abcdef") == len;
}

int
message_identity_ok(const char *s)
{
	return name_ok(NAME_IDENTITY, s);
}

/*
 * An audience: {"type":"broadcast"}, or {"type":"direct","identities":
 * [...]} with at least one node identity, sorted by byte value (strcmp),
 * no duplicates. Sorted, so that uniqueness and membership cost no more
 * than a pass and a binary search whatever the list's length.
 */
static int
is_audience(const json_t *v)
{
	const json_t *type = json_object_get(v, "type"), *ids, *id;
	const char *prev = NULL;
	size_t i;

	if (!json_is_object(v) || !json_is_string(type))
		return 0;
	if (strcmp(json_string_value(type), "broadcast") == 0)
		return json_object_size(v) == 1;
	ids = json_object_get(v, "identities");
	if (strcmp(json_string_value(type), "direct") != 0 ||
	    json_object_size(v) != 2 || !json_is_array(ids) ||
	    json_array_size(ids) == 0)
		return 0;
	json_array_foreach(ids, i, id)
	{
		const char *s = json_string_value(id);

		if (!message_identity_ok(s) ||
		    (prev != NULL && strcmp(prev, s) >= 0))
			return 0;
		prev = s;
	}
	return 1;
}

/* The shape of a base64 ed25519 signature; sign.c decodes and checks it. */
static int
is_signature(const char *s)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";

	return strlen(s) == 88 && strspn(s, b64) == 86 &&
	    strcmp(s + 86, "==") == 0;
}

enum field_kind {
	F_COLLECTIVE, /* names, up to F_CLAIM: lib/names.h's rules */
	F_AGENT,
	F_ACTION,
	F_IDENTITY,
	F_CLAIM,
	F_ID,
	F_TEXT,
	F_TIME,
	F_TTL,
	F_STATUS,
	F_OBJECT,
	F_PROTOCOL,
	F_SIGNATURE,
	F_DIGEST,
	F_BOOL,
	F_AUDIENCE
};

struct field {
	const char *key;
	enum field_kind kind;
	int optional;
};

static const char *
field_rule(enum field_kind kind)
{
	switch (kind) {
	case F_ID:
		return "must be 32 lowercase hex digits";
	case F_COLLECTIVE:
	case F_AGENT:
	case F_ACTION:
	case F_IDENTITY:
	case F_CLAIM:
	case F_TEXT:
		return "must be a string";
	case F_TIME:
		return "must be an integer from 0 to 2^53-1";
	case F_TTL:
		return "must be an integer from 1 to 2^31-1";
	case F_STATUS:
		return "must be an integer status code from 0 to 6";
	case F_OBJECT:
		return "must be an object";
	case F_PROTOCOL:
		return "must be an integer";
	case F_SIGNATURE:
		return "must be base64 of 64 bytes (88 characters)";
	case F_DIGEST:
		return "must be 64 lowercase hex digits";
	case F_BOOL:
		return "must be true or false";
	case F_AUDIENCE:
		return "must be {\"type\":\"broadcast\"} or {\"type\":"
		       "\"direct\",\"identities\":[...]} with node identities "
		       "sorted by byte value, without duplicates";
	}
	return "is invalid";
}

/* The kind of name (lib/names.h) a name field holds. */
static enum name_kind
field_name_kind(enum field_kind kind)
{
	switch (kind) {
	case F_COLLECTIVE:
		return NAME_COLLECTIVE;
	case F_AGENT:
		return NAME_AGENT;
	case F_ACTION:
		return NAME_ACTION;
	case F_CLAIM:
		return NAME_CALLER;
	default:
		return NAME_IDENTITY;
	}
}

/* Says why v is not a valid value of that kind. */
static void
field_fault(struct error *err, const char *what, const char *key,
    const json_t *v, enum field_kind kind)
{
	const struct name_rule *r;

	if (kind > F_CLAIM || !json_is_string(v)) {
		error_set(err, 0, 0, "%s: \"%s\" %s", what, key,
		    kind > F_CLAIM ? field_rule(kind) : "must be a string");
		return;
	}
	r = name_rule(field_name_kind(kind));
	error_set(err, 0, 0, "%s: \"%s\" is not %s: %s", what, key, r->noun,
	    name_why(field_name_kind(kind), json_string_value(v)));
}

static int
field_ok(const json_t *v, enum field_kind kind)
{
	json_int_t n;

	switch (kind) {
	case F_ID:
		return json_is_string(v) &&
		    is_hex(json_string_value(v), MESSAGE_ID_LEN);
	case F_COLLECTIVE:
	case F_AGENT:
	case F_ACTION:
	case F_IDENTITY:
	case F_CLAIM:
		return json_is_string(v) &&
		    name_ok(field_name_kind(kind), json_string_value(v));
	case F_TEXT:
		return json_is_string(v);
	case F_OBJECT:
		return json_is_object(v);
	case F_PROTOCOL:
		return json_is_integer(v);
	case F_SIGNATURE:
		return json_is_string(v) && is_signature(json_string_value(v));
	case F_DIGEST:
		return json_is_string(v) &&
		    is_hex(json_string_value(v), MESSAGE_DIGEST_LEN);
	case F_BOOL:
		return json_is_boolean(v);
	case F_AUDIENCE:
		return is_audience(v);
	case F_TIME:
	case F_TTL:
	case F_STATUS:
		if (!json_is_integer(v))
			return 0;
		n = json_integer_value(v);
		if (kind == F_TIME)
			return n >= 0 && n <= SAFE_INT_MAX;
		if (kind == F_TTL)
			return n >= 1 && n <= TTL_MAX;
		return n >= STATUS_OK && n <= STATUS_NOT_AUTHORISED;
	}
	return 0;
}

/*
 * Checks that obj holds exactly the fields listed (plus "type" equal to
 * type, when type is not NULL) with valid values.
 */
static int
check_fields(const json_t *obj, const char *what, const char *type,
    const struct field *fields, size_t nfields, struct error *err)
{
	const char *key;
	const json_t *v;

	if (!json_is_object(obj)) {
		error_set(err, 0, 0, "%s: not a JSON object", what);
		return MCE_SCHEMA;
	}
	if (type != NULL) {
		v = json_object_get(obj, "type");
		if (!json_is_string(v) ||
		    strcmp(json_string_value(v), type) != 0) {
			error_set(err, 0, 0, "%s: \"type\" must be \"%s\"",
			    what, type);
			return MCE_SCHEMA;
		}
	}
	for (size_t i = 0; i < nfields; i++) {
		v = json_object_get(obj, fields[i].key);
		if (v == NULL && fields[i].optional)
			continue;
		if (v == NULL) {
			error_set(err, 0, 0, "%s: field \"%s\" missing", what,
			    fields[i].key);
			return MCE_SCHEMA;
		}
		if (fields[i].kind == F_PROTOCOL && json_is_integer(v) &&
		    json_integer_value(v) != MESSAGE_PROTOCOL) {
			error_set(err, 0, 0,
			    "%s: unsupported protocol %" JSON_INTEGER_FORMAT
			    " (this side speaks %d)",
			    what, json_integer_value(v), MESSAGE_PROTOCOL);
			return MCE_PROTO;
		}
		if (!field_ok(v, fields[i].kind)) {
			field_fault(
			    err, what, fields[i].key, v, fields[i].kind);
			return MCE_SCHEMA;
		}
	}
	json_object_foreach((json_t *)obj, key, v)
	{
		size_t i;

		for (i = 0; i < nfields; i++)
			if (strcmp(key, fields[i].key) == 0)
				break;
		if (i == nfields &&
		    (type == NULL || strcmp(key, "type") != 0)) {
			error_set(err, 0, 0, "%s: unknown field \"%.64s\"",
			    what, key);
			return MCE_SCHEMA;
		}
	}
	return 0;
}

static const struct field request_fields[] = {
    {"protocol", F_PROTOCOL, 0},
    {"id", F_ID, 0},
    {"time", F_TIME, 0},
    {"ttl", F_TTL, 0},
    {"caller", F_CLAIM, 0},
    {"collective", F_COLLECTIVE, 0},
    {"agent", F_AGENT, 0},
    {"action", F_ACTION, 0},
    {"data", F_OBJECT, 0},
    {"filter", F_OBJECT, 0},
    {"audience", F_AUDIENCE, 0},
    {"dry_run", F_BOOL, 0},
};

static const struct field reply_fields[] = {
    {"protocol", F_PROTOCOL, 0},
    {"request", F_ID, 0},
    {"digest", F_DIGEST, 0},
    {"time", F_TIME, 0},
    {"sender", F_IDENTITY, 0},
    {"statuscode", F_STATUS, 0},
    {"statusmsg", F_TEXT, 0},
    {"data", F_OBJECT, 0},
};

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* Serialises a checked body: compact, sorted keys, so equal input gives
 * equal bytes. */
static int
encode_body(json_t *doc, const char *what, const struct field *fields,
    size_t nfields, char **ret_body, size_t *ret_len)
{
	char *s;
	int rc;

	if (doc == NULL)
		return -ENOMEM;
	if ((rc = check_fields(doc, what, what, fields, nfields, NULL)) != 0) {
		json_decref(doc);
		return -EINVAL;
	}
	s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
	if (s == NULL)
		return -ENOMEM;
	*ret_body = s;
	if (ret_len != NULL)
		*ret_len = strlen(s);
	return 0;
}

/* Parses a body and checks its fields; a new reference or NULL. */
static json_t *
decode_body(const char *body, size_t len, const char *what,
    const struct field *fields, size_t nfields, struct error *err,
    int *ret_code)
{
	json_t *doc;

	error_init(err, what);
	/* The envelope already bounded the body; no second limit here. */
	if ((doc = parse_json(body, len, SIZE_MAX, err, ret_code)) == NULL)
		return NULL;
	if ((*ret_code = check_fields(doc, what, what, fields, nfields, err)) !=
	    0) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

static const char *
str_field(const json_t *doc, const char *key)
{
	return json_string_value(json_object_get(doc, key));
}

static int64_t
int_field(const json_t *doc, const char *key)
{
	return json_integer_value(json_object_get(doc, key));
}

/* A copy of s, or NULL when s is NULL or memory is short. */
static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

struct request *
request_new(void)
{
	struct request *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	message_new_id(r->id);
	r->time_ms = message_now_ms();
	r->ttl = MESSAGE_TTL_DEFAULT;
	r->data = json_object();
	r->filter = json_object();
	if (r->data == NULL || r->filter == NULL) {
		request_free(r);
		return NULL;
	}
	return r;
}

void
request_free(struct request *r)
{
	if (r == NULL)
		return;
	free(r->caller);
	free(r->collective);
	free(r->agent);
	free(r->action);
	json_decref(r->data);
	json_decref(r->filter);
	json_decref(r->audience);
	free(r);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
request_set_audience(struct request *r, const char *const *ids, size_t n)
{
	const char **v;
	json_t *a;
	size_t i;

	if (n == 0) {
		json_decref(r->audience);
		r->audience = NULL;
		return 0;
	}
	for (i = 0; i < n; i++)
		if (!message_identity_ok(ids[i]))
			return -EINVAL;
	if ((v = malloc(n * sizeof(*v))) == NULL ||
	    (a = json_array()) == NULL) {
		free(v);
		return -ENOMEM;
	}
	memcpy(v, ids, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; i < n; i++)
		if ((i == 0 || strcmp(v[i - 1], v[i]) != 0) &&
		    json_array_append_new(a, json_string(v[i])) != 0) {
			free(v);
			json_decref(a);
			return -ENOMEM;
		}
	free(v);
	json_decref(r->audience);
	r->audience = a;
	return 0;
}

int
request_for_identity(const struct request *r, const char *identity)
{
	size_t lo = 0, hi;

	if (r->audience == NULL)
		return 1;
	/* Sorted and unique: the decoder and request_set_audience() made
	 * sure of it. */
	hi = json_array_size(r->audience);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(identity,
		    json_string_value(json_array_get(r->audience, mid)));

		if (c == 0)
			return 1;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

void
message_digest(const char *body, size_t len, char ret[MESSAGE_DIGEST_LEN + 1])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)body, len);
	sodium_bin2hex(ret, MESSAGE_DIGEST_LEN + 1, h, sizeof(h));
}

int
request_encode(const struct request *r, char **ret_body, size_t *ret_len)
{
	json_t *doc, *aud;

	if (r->caller == NULL || r->collective == NULL || r->agent == NULL ||
	    r->action == NULL || r->data == NULL || r->filter == NULL)
		return -EINVAL;
	if (r->audience != NULL)
		aud = json_pack(
		    "{s:s, s:O}", "type", "direct", "identities", r->audience);
	else
		aud = json_pack("{s:s}", "type", "broadcast");
	if (aud == NULL)
		return -ENOMEM;
	doc = json_pack("{s:s, s:i, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:O, "
			"s:O, s:o, s:b}",
	    "type", "request", "protocol", MESSAGE_PROTOCOL, "id", r->id,
	    "time", (json_int_t)r->time_ms, "ttl", (json_int_t)r->ttl, "caller",
	    r->caller, "collective", r->collective, "agent", r->agent, "action",
	    r->action, "data", r->data, "filter", r->filter, "audience", aud,
	    "dry_run", r->dry_run != 0);
	return encode_body(doc, "request", request_fields,
	    NFIELDS(request_fields), ret_body, ret_len);
}

int
request_decode(
    const char *body, size_t len, struct request **ret, struct error *err)
{
	struct request *r;
	json_t *doc;
	int rc;

	doc = decode_body(body, len, "request", request_fields,
	    NFIELDS(request_fields), err, &rc);
	if (doc == NULL)
		return rc;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		json_decref(doc);
		return -ENOMEM;
	}
	memcpy(r->id, str_field(doc, "id"), MESSAGE_ID_LEN + 1);
	r->time_ms = int_field(doc, "time");
	r->ttl = int_field(doc, "ttl");
	r->caller = strdup(str_field(doc, "caller"));
	r->collective = strdup(str_field(doc, "collective"));
	r->agent = strdup(str_field(doc, "agent"));
	r->action = strdup(str_field(doc, "action"));
	r->data = json_incref(json_object_get(doc, "data"));
	r->filter = json_incref(json_object_get(doc, "filter"));
	r->audience = json_incref(
	    json_object_get(json_object_get(doc, "audience"), "identities"));
	r->dry_run = json_is_true(json_object_get(doc, "dry_run"));
	json_decref(doc);
	if (r->caller == NULL || r->collective == NULL || r->agent == NULL ||
	    r->action == NULL) {
		request_free(r);
		return -ENOMEM;
	}
	*ret = r;
	return 0;
}

struct reply *
reply_new(const char *request_id, const char *digest, const char *sender,
    int statuscode, const char *statusmsg, json_t *data)
{
	struct reply *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		json_decref(data);
		return NULL;
	}
	snprintf(r->request_id, sizeof(r->request_id), "%s",
	    request_id != NULL ? request_id : "");
	snprintf(
	    r->digest, sizeof(r->digest), "%s", digest != NULL ? digest : "");
	r->time_ms = message_now_ms();
	r->sender = dup_or_null(sender);
	r->statuscode = statuscode;
	r->statusmsg = strdup(
	    statusmsg != NULL ? statusmsg : message_status_str(statuscode));
	r->data = data != NULL ? data : json_object();
	if (r->data == NULL || r->statusmsg == NULL ||
	    (sender != NULL && r->sender == NULL)) {
		reply_free(r);
		return NULL;
	}
	return r;
}

void
reply_free(struct reply *r)
{
	if (r == NULL)
		return;
	free(r->sender);
	free(r->statusmsg);
	json_decref(r->data);
	free(r);
}

int
reply_encode(const struct reply *r, char **ret_body, size_t *ret_len)
{
	json_t *doc;

	if (r->sender == NULL || r->statusmsg == NULL || r->data == NULL)
		return -EINVAL;
	doc = json_pack("{s:s, s:i, s:s, s:s, s:I, s:s, s:i, s:s, s:O}", "type",
	    "reply", "protocol", MESSAGE_PROTOCOL, "request", r->request_id,
	    "digest", r->digest, "time", (json_int_t)r->time_ms, "sender",
	    r->sender, "statuscode", r->statuscode, "statusmsg", r->statusmsg,
	    "data", r->data);
	return encode_body(doc, "reply", reply_fields, NFIELDS(reply_fields),
	    ret_body, ret_len);
}

int
reply_decode(
    const char *body, size_t len, struct reply **ret, struct error *err)
{
	struct reply *r;
	json_t *doc;
	int rc;

	doc = decode_body(
	    body, len, "reply", reply_fields, NFIELDS(reply_fields), err, &rc);
	if (doc == NULL)
		return rc;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		json_decref(doc);
		return -ENOMEM;
	}
	memcpy(r->request_id, str_field(doc, "request"), MESSAGE_ID_LEN + 1);
	memcpy(r->digest, str_field(doc, "digest"), MESSAGE_DIGEST_LEN + 1);
	r->time_ms = int_field(doc, "time");
	r->sender = strdup(str_field(doc, "sender"));
	r->statuscode = (int)int_field(doc, "statuscode");
	r->statusmsg = strdup(str_field(doc, "statusmsg"));
	r->data = json_incref(json_object_get(doc, "data"));
	json_decref(doc);
	if (r->sender == NULL || r->statusmsg == NULL) {
		reply_free(r);
		return -ENOMEM;
	}
	*ret = r;
	return 0;
}

struct envelope *
envelope_new(const char *body, size_t len)
{
	struct envelope *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	if ((e->body = malloc(len + 1)) == NULL) {
		free(e);
		return NULL;
	}
	if (len > 0)
		memcpy(e->body, body, len);
	e->body[len] = '\0';
	e->body_len = len;
	return e;
}

void
envelope_free(struct envelope *e)
{
	if (e == NULL)
		return;
	free(e->body);
	free(e->signature);
	json_decref(e->certificate);
	free(e);
}

int
envelope_encode(const struct envelope *e, char **ret, size_t *ret_len)
{
	json_t *doc, *body;
	char *s;
	int rc = -ENOMEM;

	if ((e->signature == NULL) != (e->certificate == NULL) ||
	    memchr(e->body, '\0', e->body_len) != NULL)
		return -EINVAL;
	/* NULL for invalid UTF-8: a body must be text. */
	if ((body = json_stringn(e->body, e->body_len)) == NULL)
		return -EINVAL;
	doc =
	    json_pack("{s:i, s:o}", "protocol", MESSAGE_PROTOCOL, "body", body);
	if (doc == NULL)
		return -ENOMEM;
	if (e->signature != NULL &&
	    (json_object_set_new(doc, "signature", json_string(e->signature)) !=
		    0 ||
		json_object_set(doc, "certificate", e->certificate) != 0))
		goto out;
	if ((s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		goto out;
	*ret = s;
	if (ret_len != NULL)
		*ret_len = strlen(s);
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

static const struct field envelope_fields[] = {
    {"protocol", F_PROTOCOL, 0},
    {"body", F_TEXT, 0},
    {"signature", F_SIGNATURE, 1},
    {"certificate", F_OBJECT, 1},
};

int
envelope_decode(const char *buf, size_t len, size_t max, struct envelope **ret,
    struct error *err)
{
	const json_t *body, *sig, *cert;
	struct envelope *e;
	json_t *doc;
	int rc;

	error_init(err, "envelope");
	if ((doc = parse_json(buf, len, max, err, &rc)) == NULL)
		return rc;
	rc = check_fields(doc, "envelope", NULL, envelope_fields,
	    NFIELDS(envelope_fields), err);
	sig = json_object_get(doc, "signature");
	cert = json_object_get(doc, "certificate");
	if (rc == 0 && (sig == NULL) != (cert == NULL)) {
		error_set(err, 0, 0,
		    "envelope: \"signature\" and \"certificate\" go together");
		rc = MCE_SCHEMA;
	}
	if (rc != 0) {
		json_decref(doc);
		return rc;
	}
	body = json_object_get(doc, "body");
	e = envelope_new(json_string_value(body), json_string_length(body));
	if (e != NULL && sig != NULL) {
		e->signature = strdup(json_string_value(sig));
		e->certificate = json_incref((json_t *)cert);
		if (e->signature == NULL) {
			envelope_free(e);
			e = NULL;
		}
	}
	json_decref(doc);
	if (e == NULL)
		return -ENOMEM;
	*ret = e;
	return 0;
}

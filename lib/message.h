/*
 * message.h: request and reply bodies, and the envelope that carries them.
 *
 * Wire format (docs/PROTOCOL.md, schemas/): every AMQP message body
 * and every line on the local UNIX socket is one envelope
 *
 *   {"protocol":2,"body":"<JSON text>","signature":"<base64>",
 *    "certificate":{"certificate":"<JSON text>","signature":"<base64>"}}
 *
 * "body" holds the request or reply as a JSON string: the signature covers
 * exactly those bytes (after JSON unescaping), so no canonical form is
 * needed. signature and certificate are absent on the local socket.
 *
 * Request body: {"type":"request","protocol":2,"id":"<32 hex>","time":<ms>,
 *   "ttl":<s>,"caller":"...","collective":"...","agent":"...",
 *   "action":"...","data":{...},"filter":{...},"dry_run":false,
 *   "audience":{"type":"broadcast"} or
 *              {"type":"direct","identities":["n1","n2"]}}
 * Reply body: {"type":"reply","protocol":2,"request":"<32 hex>",
 *   "digest":"<64 hex>","time":<ms>,"sender":"...","statuscode":N,
 *   "statusmsg":"...","data":{...}}
 *
 * The audience is signed with the request: a node acts only on a request
 * whose audience includes it (a broadcast includes every node; direct
 * identities are sorted by byte value, without duplicates). A reply's
 * digest is the SHA-256 (lowercase hex) of the exact request body bytes it
 * answers, so that it answers that request and no copy of its id.
 *
 * Decoders never trust their input: every error fills struct error (the
 * decoder initialises it) and returns a negative code: MCE_TOOBIG,
 * MCE_PARSE (not JSON, too deep, NUL, duplicate key), MCE_PROTO, MCE_SCHEMA
 * (missing, unknown or malformed field) or -ENOMEM. Nothing crashes on any
 * byte sequence. Encoders refuse (-EINVAL) what the decoders would refuse.
 */
#ifndef METACTL_MESSAGE_H
#define METACTL_MESSAGE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "error.h"

#define MESSAGE_PROTOCOL 2
#define MESSAGE_MAX_DEFAULT (1024 * 1024) /* bytes of one envelope */
#define MESSAGE_ID_LEN 32 /* hex digits of a 128-bit id */
#define MESSAGE_DIGEST_LEN 64 /* hex digits of a SHA-256 digest */
#define MESSAGE_TTL_DEFAULT 60 /* seconds */
/* Kept for code written before lib/names.h; a buffer for any of agent,
 * action and collective. The limits are NAME_*_MAX there. */
#define MESSAGE_NAME_MAX 128
#define MESSAGE_DEPTH_MAX 32 /* JSON nesting accepted */

/* Reply status codes: MCollective's, plus an explicit "not authorised". */
enum message_status {
	STATUS_OK = 0,
	STATUS_ABORTED = 1,
	STATUS_UNKNOWN_ACTION = 2,
	STATUS_MISSING_DATA = 3,
	STATUS_INVALID_DATA = 4,
	STATUS_UNKNOWN_ERROR = 5,
	STATUS_NOT_AUTHORISED = 6,
};
/* "OK", "aborted", ..., "not authorised". */
const char *message_status_str(int status);
/* The status a refusal with error code `code` is answered with. */
int message_status_for_error(int code);

struct request {
	char id[MESSAGE_ID_LEN + 1];
	int64_t time_ms; /* creation, ms since the epoch */
	int64_t ttl; /* seconds the request stays valid */
	char *caller; /* what the sender claims; agents use the cert */
	char *collective;
	char *agent;
	char *action;
	json_t *data; /* object, owned, never NULL */
	json_t *filter; /* object, owned, never NULL (empty: match all) */
	/* Whom it is for: NULL for a broadcast (the filter decides), else
	 * an owned array of the identities it was sent to, sorted by byte
	 * value, unique, never empty. Set it with request_set_audience(). */
	json_t *audience;
	int dry_run; /* 1: show the commands, run nothing */
};

struct reply {
	char request_id[MESSAGE_ID_LEN + 1];
	char digest[MESSAGE_DIGEST_LEN + 1]; /* of the request body answered */
	int64_t time_ms;
	char *sender; /* node identity */
	int statuscode;
	char *statusmsg;
	json_t *data; /* object, owned, never NULL */
};

struct envelope {
	char *body; /* exact signed bytes, NUL-terminated */
	size_t body_len;
	char *signature; /* base64, or NULL when unsigned */
	json_t *certificate; /* signed certificate document, or NULL */
};

/*
 * 1 when s can be a node identity (a reply's sender, a certificate name):
 * name_ok(NAME_IDENTITY, s), lib/names.h. Configuration checks use it so
 * that a node never takes a name its replies could not carry.
 */
int message_identity_ok(const char *s);

/* A new request: random id, time now, default ttl, empty data/filter. */
struct request *request_new(void);
void request_free(struct request *r);
/* Fills id with 32 random hex digits (libsodium randombytes). */
void message_new_id(char id[MESSAGE_ID_LEN + 1]);
int64_t message_now_ms(void);

/*
 * Makes r direct to the n identities of ids (copied, sorted, duplicates
 * removed), or a broadcast when n is 0. 0, -EINVAL when one is not a
 * node identity (message_identity_ok()), or -ENOMEM; r is unchanged on
 * error.
 */
int request_set_audience(struct request *r, const char *const *ids, size_t n);
/* 1 when identity is in r's audience (always for a broadcast), else 0. */
int request_for_identity(const struct request *r, const char *identity);

/*
 * The SHA-256 of len bytes at body as 64 lowercase hex digits: what a
 * reply's "digest" says of the request body bytes it answers.
 */
void message_digest(
    const char *body, size_t len, char ret[MESSAGE_DIGEST_LEN + 1]);

/* Compact JSON of the body; *ret_body is malloc'd, NUL-terminated. */
int request_encode(const struct request *r, char **ret_body, size_t *ret_len);
int request_decode(
    const char *body, size_t len, struct request **ret, struct error *err);

/* digest: message_digest() of the request body answered. */
struct reply *reply_new(const char *request_id, const char *digest,
    const char *sender, int statuscode, const char *statusmsg,
    json_t *data /* stolen, NULL ok */);
void reply_free(struct reply *r);
int reply_encode(const struct reply *r, char **ret_body, size_t *ret_len);
int reply_decode(
    const char *body, size_t len, struct reply **ret, struct error *err);

/* Envelope: encode steals nothing; decode enforces max bytes first. */
struct envelope *envelope_new(const char *body, size_t len);
void envelope_free(struct envelope *e);
int envelope_encode(const struct envelope *e, char **ret, size_t *ret_len);
int envelope_decode(const char *buf, size_t len, size_t max,
    struct envelope **ret, struct error *err);

/*
 * Parses JSON from untrusted bytes: size limit, UTF-8, nesting depth at most
 * MESSAGE_DEPTH_MAX, no NUL bytes, no duplicate keys, nothing after the
 * value. Returns a new reference, or NULL with err's line, column and text
 * set; err's source is left as the caller set it with error_init().
 */
json_t *message_parse_json(const char *buf, size_t len, struct error *err);

#endif

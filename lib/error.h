/*
 * error.h: the project's error codes and the parse-error record.
 *
 * Int functions return 0 on success or a negative code: either a negated
 * errno value (-ENOMEM, -EACCES ...) or one of the MCE_* codes below.
 * error_str() turns either kind into words.
 */
#ifndef METACTL_ERROR_H
#define METACTL_ERROR_H

#include <stdarg.h>

/* X(name, text): every project error code, defined once. */
#define MCE_MAP(X) \
	X(PARSE, "malformed message") \
	X(TOOBIG, "message too large") \
	X(PROTO, "unsupported protocol version") \
	X(SCHEMA, "message does not follow the protocol") \
	X(BADSIG, "signature does not verify") \
	X(BADCERT, "malformed certificate") \
	X(UNTRUSTED, "certificate not signed by a trusted CA") \
	X(EXPIRED, "certificate expired") \
	X(NOTYET, "certificate not yet valid") \
	X(ROLE, "certificate has the wrong role") \
	X(IDENTITY, "certificate name does not match the sender") \
	X(STALE, "request expired") \
	X(FUTURE, "request time too far in the future") \
	X(REPLAY, "request id seen before") \
	X(CACHEFULL, "replay cache full") \
	X(KEYPERM, "key file is accessible by group or others") \
	X(BADKEY, "malformed key file") \
	X(MISSING, "missing data") \
	X(INVALID, "invalid data") \
	X(UNKAGENT, "unknown agent") \
	X(UNKACTION, "unknown action") \
	X(DENIED, "not authorised") \
	X(CONFIG, "configuration error") \
	X(BROKER, "broker error") \
	X(TIMEOUT, "timed out") \
	X(BUSY, "too many concurrent actions") \
	X(KEYMISMATCH, "the key does not match the certificate") \
	X(FILEPERM, \
	    "file writable by group or others, or owned by another user")

enum {
	MCE_BASE_ = -2000,
#define X(name, text) MCE_##name,
	MCE_MAP(X)
#undef X
	MCE_LAST_
};

/* Words for a code from MCE_MAP or a negated errno; never NULL. */
const char *error_str(int code);
/* The code's name ("MCE_BADSIG", "ENOENT"), for logs and tests. */
const char *error_name(int code);

/*
 * Where and why a parser stopped, like jansson's json_error_t. line and
 * column count from 1; 0 means unknown. source names the file or "<string>".
 */
struct error {
	char source[128];
	int line;
	int column;
	char text[256];
};

void error_init(struct error *err, const char *source);
/* Sets line, column and text; a NULL err is allowed and ignored. */
void error_set(struct error *err, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void error_vset(struct error *err, int line, int column, const char *fmt,
    va_list ap) __attribute__((format(printf, 4, 0)));
/* "source:line:column: text" (parts that are unknown are left out). */
const char *error_format(const struct error *err, char *buf, unsigned size);

#endif

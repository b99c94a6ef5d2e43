/*
 * log.h: diagnostics to stderr or syslog, and the JSON audit trail.
 *
 * log_warn() appends strerror(errno); log_warnx() does not (OpenBSD log.h).
 * Every line is passed through log_escape() before it is written, since
 * messages quote bytes from unauthenticated peers.
 */
#ifndef METACTL_LOG_H
#define METACTL_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

enum log_level {
	LOG_LEVEL_ERR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG
};

/* to_syslog: 0 stderr, 1 syslog (facility daemon). progname is borrowed. */
void log_init(const char *progname, int to_syslog, enum log_level level);
void log_setlevel(enum log_level level);
enum log_level log_getlevel(void);
/* "err", "warn", "info", "debug", indexed by enum log_level; NULL-ended. */
extern const char *const log_level_names[];

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Copies in to out (size bytes, NUL included), each control byte (below
 * 0x20, and 0x7f) written as \xNN; other bytes, UTF-8 included, are kept.
 * Stops short rather than cut an escape; returns the length written.
 */
size_t log_escape(const char *in, char *out, size_t size);

/*
 * Audit trail: one JSON object per line, appended with O_APPEND and written
 * with a single write(2) so concurrent writers never interleave.
 */
struct audit_record {
	int64_t time_ms; /* when the decision was taken */
	const char *id; /* request id */
	const char *caller; /* verified caller: cert name or uid=N */
	const char *agent;
	const char *action;
	const json_t *arguments; /* borrowed; may be NULL */
	const char *decision; /* "allowed", "denied", "rejected", "error" */
	int status; /* reply status code */
	const char *reason; /* statusmsg or denial origin; may be NULL */
};

struct audit;
/*
 * path "-" writes to stdout. Otherwise the missing directories above path
 * are created mode 0750 and the file mode 0640; a symbolic link or
 * anything but a regular file is refused (-ELOOP, -EINVAL). Returns 0 or
 * a negated errno.
 */
int audit_open(const char *path, struct audit **ret);
/* Opens the path again (after a rotation); on error the old file stays
 * open. 0 or a negated errno. */
int audit_reopen(struct audit *a);
void audit_close(struct audit *a);
/*
 * Appends one record; when the path no longer names the open file (moved
 * away by a rotation) the path is opened again first. Returns 0 or a
 * negated errno; a NULL audit is a no-op.
 */
int audit_write(struct audit *a, const struct audit_record *r);
/* The line audit_write() would write, without the newline; caller frees. */
char *audit_format(const struct audit_record *r);

#endif

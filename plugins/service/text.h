/*
 * text.h: what the renderers of service definitions share: a growing
 * text buffer, and the checks every rendered value passes (UTF-8, no
 * control characters, user and group names).
 *
 * A buffer remembers its first failure: after any number of appends,
 * t->err is 0 or -ENOMEM, and t->s is NUL-terminated (or NULL while
 * nothing was appended).
 */
#ifndef METACTL_SERVICE_TEXT_H
#define METACTL_SERVICE_TEXT_H

#include <stddef.h>

#include "plugins/service/backend.h"

struct text {
	char *s;
	size_t len, cap;
	int err;
};

#define TEXT_INIT \
	{ \
		NULL, 0, 0, 0 \
	}

void text_addn(struct text *t, const char *s, size_t n);
void text_add(struct text *t, const char *s);
void text_addc(struct text *t, char c);
void text_addf(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Frees the text; t is empty (TEXT_INIT) after. */
void text_clear(struct text *t);

/* 1 when s is valid UTF-8 without control characters (< 0x20, 0x7f). */
int text_printable(const char *s);

/*
 * 1 when s is a user or group name every manager and cron accept: 1 to
 * 32 characters, letters, digits, '_', '.' and '-', not starting with
 * '-' or '.'.
 */
int text_user_ok(const char *s);

/* DIR "/" name suffix into buf, DIR being dir or, when NULL, dflt; 0, or
 * -ENAMETOOLONG. */
int text_path(char *buf, size_t size, const char *dir, const char *dflt,
    const char *name, const char *suffix);

/* ms as a run timeout for plan_run(): ms + margin_ms, at most INT_MAX. */
int text_timeout(long long ms, long long margin_ms);

/* "VERB daemon DAEMON of app APP", a plan step's what, into buf. */
void text_what(
    char *buf, size_t size, const char *verb, const struct svc_unit *u);

/*
 * The common shape of a manager command on one unit: argv (NULL-terminated,
 * at most 7 words) run with timeout_ms and flags, described as
 * "VERB daemon D of app A". 0 or -ENOMEM.
 */
int text_run(struct plan *p, const struct svc_unit *u, const char *verb,
    int timeout_ms, unsigned flags, const char *const *argv);

/* `TOOL VERB [OPTION] TARGET` (option NULL: none), through text_run(). */
int text_cmd(struct plan *p, const struct svc_unit *u, const char *tool,
    const char *verb, const char *option, const char *target, const char *what,
    int timeout_ms, unsigned flags);

#endif

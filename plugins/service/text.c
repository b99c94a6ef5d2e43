/* text.c: see text.h. */
#include "buildconf.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/service/text.h"

static int
reserve(struct text *t, size_t more)
{
	size_t cap;
	char *n;

	if (t->err != 0)
		return -1;
	if (t->len + more + 1 <= t->cap)
		return 0;
	cap = t->cap == 0 ? 256 : t->cap;
	while (cap < t->len + more + 1)
		cap *= 2;
	if ((n = realloc(t->s, cap)) == NULL) {
		t->err = -ENOMEM;
		return -1;
	}
	t->s = n;
	t->cap = cap;
	return 0;
}

void
text_addn(struct text *t, const char *s, size_t n)
{
	if (reserve(t, n) < 0)
		return;
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

void
text_add(struct text *t, const char *s)
{
	text_addn(t, s, strlen(s));
}

void
text_addc(struct text *t, char c)
{
	text_addn(t, &c, 1);
}

void
text_addf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || reserve(t, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void
text_clear(struct text *t)
{
	free(t->s);
	memset(t, 0, sizeof(*t));
}

/* The length of the UTF-8 sequence at s (1 to 4), or 0 when invalid. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned c = s[0], min;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000;
	else
		return 0;
	c &= 0x3f >> (n - 1);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

int
text_printable(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p != '\0') {
		if (*p < 0x20 || *p == 0x7f || (n = utf8_len(p)) == 0)
			return 0;
		p += n;
	}
	return 1;
}

int
text_user_ok(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || s[0] == '-' || s[0] == '.')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (i >= 32 ||
		    !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '_' || c == '.' ||
			c == '-'))
			return 0;
	}
	return 1;
}

int
text_path(char *buf, size_t size, const char *dir, const char *dflt,
    const char *name, const char *suffix)
{
	int n = snprintf(
	    buf, size, "%s/%s%s", dir != NULL ? dir : dflt, name, suffix);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int
text_timeout(long long ms, long long margin_ms)
{
	long long t = (ms > 0 ? ms : 0) + margin_ms;

	return t > INT_MAX ? INT_MAX : (int)t;
}

void
text_what(char *buf, size_t size, const char *verb, const struct svc_unit *u)
{
	snprintf(buf, size, "%s daemon %s of app %s", verb, u->daemon, u->app);
}

int
text_run(struct plan *p, const struct svc_unit *u, const char *verb,
    int timeout_ms, unsigned flags, const char *const *argv)
{
	char what[256];

	text_what(what, sizeof(what), verb, u);
	return plan_run(p, argv, timeout_ms, flags, what);
}

int
text_cmd(struct plan *p, const struct svc_unit *u, const char *tool,
    const char *verb, const char *option, const char *target, const char *what,
    int timeout_ms, unsigned flags)
{
	const char *argv[] = {tool, verb, option, target, NULL};

	if (option == NULL) {
		argv[2] = target;
		argv[3] = NULL;
	}
	return text_run(p, u, what, timeout_ms, flags, argv);
}

/* cron.c: see cron.h. */
#include "buildconf.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cron.h"

struct field {
	const char *name;
	int min, max;
	const char *const *names; /* names[i] is min + i */
};

static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
    "jul", "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const days[] = {
    "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

static const struct field fields[5] = {
    {"minute", 0, 59, NULL},
    {"hour", 0, 23, NULL},
    {"day of month", 1, 31, NULL},
    {"month", 1, 12, months},
    {"day of week", 0, 7, days},
};

static const char *const words[] = {"@reboot", "@hourly", "@daily", "@weekly",
    "@monthly", "@yearly", "@annually", "@midnight", NULL};

struct scan {
	const char *s; /* the whole line */
	size_t at; /* where a fault is */
	char *why;
	size_t why_size;
};

static int fail(struct scan *sc, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct scan *sc, size_t at, const char *fmt, ...)
{
	va_list ap;

	sc->at = at;
	va_start(ap, fmt);
	vsnprintf(sc->why, sc->why_size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* One number or name of field f at s[*i], into *ret. */
static int
value(struct scan *sc, const struct field *f, size_t *i, int *ret)
{
	const char *p = sc->s + *i;
	size_t n = 0;
	long v = 0;

	if (isdigit((unsigned char)p[0])) {
		while (isdigit((unsigned char)p[n]) && n < 4)
			v = v * 10 + (p[n++] - '0');
		if (isdigit((unsigned char)p[n]) || v < f->min || v > f->max)
			return fail(sc, *i, "%s: %.*s is not in %d-%d", f->name,
			    (int)strspn(p, "0123456789"), p, f->min, f->max);
		*i += n;
		*ret = (int)v;
		return 0;
	}
	for (size_t k = 0; f->names != NULL && f->names[k] != NULL; k++) {
		if (strncasecmp(p, f->names[k], 3) == 0 &&
		    !isalpha((unsigned char)p[3])) {
			*i += 3;
			*ret = f->min + (int)k;
			return 0;
		}
	}
	return fail(sc, *i, "%s: expected %s%s", f->name,
	    f->names != NULL ? "a number or a name like " : "a number or '*'",
	    f->names != NULL ? f->names[0] : "");
}

/* One item of a list: '*' or N or N-M, then /STEP, from s[*i]. */
static int
item(struct scan *sc, const struct field *f, size_t *i)
{
	size_t start = *i;
	int a, b, step, range = 1;

	if (sc->s[*i] == '*') {
		(*i)++;
	} else {
		if (value(sc, f, i, &a) < 0)
			return -EINVAL;
		range = sc->s[*i] == '-';
		if (range) {
			(*i)++;
			if (value(sc, f, i, &b) < 0)
				return -EINVAL;
			if (b < a)
				return fail(sc, start,
				    "%s: the range ends before it starts",
				    f->name);
		}
	}
	if (sc->s[*i] != '/')
		return 0;
	if (!range)
		return fail(sc, *i, "%s: a step needs '*' or a range", f->name);
	(*i)++;
	if (!isdigit((unsigned char)sc->s[*i]))
		return fail(sc, *i, "%s: expected a step after '/'", f->name);
	step = 0;
	while (isdigit((unsigned char)sc->s[*i]) && step <= f->max)
		step = step * 10 + (sc->s[(*i)++] - '0');
	if (step < 1 || step > f->max)
		return fail(
		    sc, *i - 1, "%s: step not in 1-%d", f->name, f->max);
	return 0;
}

/* One field from s[*i], a comma-separated list of items. */
static int
field(struct scan *sc, const struct field *f, size_t *i)
{
	for (;;) {
		if (item(sc, f, i) < 0)
			return -EINVAL;
		if (sc->s[*i] != ',')
			break;
		(*i)++;
	}
	if (sc->s[*i] == '\0' && f < &fields[4])
		return fail(sc, *i, "%s: missing", f[1].name);
	if (sc->s[*i] == '\0')
		return fail(sc, *i, "no command after the schedule");
	if (sc->s[*i] != ' ' && sc->s[*i] != '\t')
		return fail(sc, *i, "%s: unexpected character", f->name);
	return 0;
}

static size_t
skip_blanks(const char *s, size_t i)
{
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	return i;
}

/* The @WORD form; *i after the word. */
static int
word(struct scan *sc, size_t *i)
{
	size_t n = strcspn(sc->s + *i, " \t");

	for (size_t k = 0; words[k] != NULL; k++) {
		if (strlen(words[k]) == n &&
		    strncmp(sc->s + *i, words[k], n) == 0) {
			*i += n;
			return 0;
		}
	}
	return fail(sc, *i,
	    "unknown schedule \"%.*s\" (@reboot, @hourly, @daily, @weekly, "
	    "@monthly, @yearly, @annually or @midnight)",
	    (int)(n < 32 ? n : 32), sc->s + *i);
}

int
cron_parse(const char *s, char **ret_schedule, const char **ret_command,
    size_t *ret_at, char *why, size_t why_size)
{
	struct scan sc = {s, 0, why, why_size};
	size_t i = skip_blanks(s, 0), starts[5], ends[5], nf = 5, o = 0;
	char *out;

	if (s[i] == '@') {
		starts[0] = i;
		if (word(&sc, &i) < 0)
			goto bad;
		ends[0] = i;
		nf = 1;
	} else {
		for (size_t k = 0; k < 5; k++) {
			starts[k] = i;
			if (s[i] == '\0') {
				fail(&sc, i, "%s: missing", fields[k].name);
				goto bad;
			}
			if (field(&sc, &fields[k], &i) < 0)
				goto bad;
			ends[k] = i;
			i = skip_blanks(s, i);
		}
	}
	i = skip_blanks(s, i);
	if (s[i] == '\0') {
		fail(&sc, i, "no command after the schedule");
		goto bad;
	}
	if ((out = malloc(i + 1)) == NULL)
		return -ENOMEM;
	for (size_t k = 0; k < nf; k++) {
		if (k > 0)
			out[o++] = ' ';
		memcpy(out + o, s + starts[k], ends[k] - starts[k]);
		o += ends[k] - starts[k];
	}
	out[o] = '\0';
	*ret_schedule = out;
	*ret_command = s + i;
	return 0;
bad:
	*ret_at = sc.at;
	return -EINVAL;
}

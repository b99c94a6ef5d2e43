/*
 * pattern.c: see pattern.h.
 *
 * The guard walks the expression once, keeping per group level a rough
 * count of the elements regcomp will build and whether the current branch
 * can match the empty string.
 */
#include "buildconf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

#define STR_(x) #x
#define STR(x) STR_(x)

struct re_level {
	double sum; /* elements of the group so far */
	double last; /* elements of the last atom */
	int last_null; /* the last atom can match "" */
	int seq_null; /* the current branch so far can match "" */
	int prev_null; /* seq_null before the last atom */
	int alt_null; /* an earlier branch can match "" */
};

static void
re_atom(struct re_level *l, double n, int null)
{
	l->sum += n;
	l->last = n;
	l->last_null = null;
	l->prev_null = l->seq_null;
	l->seq_null = l->seq_null && null;
}

/*
 * The copies a repetition at *pp makes of what it repeats: "+" is x x*,
 * "{m,n}" up to n copies, "{m,}" m + 1, "{,n}" (glibc's {0,n}) n. 0 when
 * *pp is no repetition ('{' without a valid bound is a literal); *pp is
 * left on its last byte and *ret_zero tells whether it allows no copy.
 */
static double
repeat_factor(const char **pp, int *ret_zero)
{
	const char *p = *pp;
	char *end;
	double m = 0, n;

	*ret_zero = 0;
	if (*p == '+')
		return 2;
	if (*p != '{' || (!isdigit((unsigned char)p[1]) && p[1] != ','))
		return 0;
	if (p[1] == ',')
		end = (char *)p + 1;
	else
		m = strtod(p + 1, &end);
	n = m;
	if (*end == ',' && isdigit((unsigned char)end[1]))
		n = strtod(end + 1, &end);
	else if (*end == ',')
		n = m + 1, end++;
	if (*end != '}')
		return 0;
	*pp = end;
	*ret_zero = m == 0;
	n = n > m ? n : m;
	return n > 1 ? n : 1;
}

/* The last byte of the bracket expression opening at p. */
static const char *
bracket_end(const char *p)
{
	p++;
	p += *p == '^';
	p += *p == ']';
	while (*p != '\0' && *p != ']') {
		if (*p == '[' && p[1] != '\0' && strchr(":.=", p[1]) != NULL) {
			char close[3] = {p[1], ']', '\0'};
			const char *e = strstr(p + 2, close);

			if (e == NULL)
				return p + strlen(p) - 1;
			p = e + 2;
			continue;
		}
		p++;
	}
	return *p == ']' ? p : p - 1;
}

/* What would make regcomp() or regexec() slow or huge, or NULL; *ret_at. */
static const char *
pattern_fault(const char *src, const char **ret_at)
{
	static const char *const big =
	    "regular expression too large: repetitions nested too deeply "
	    "(at most " STR(PATTERN_NODES_MAX) " elements once expanded)";
	static const char *const null_rep =
	    "regular expression repeats a part that can match the empty "
	    "string";
	struct re_level lv[PATTERN_DEPTH_MAX + 1], *l = lv;
	const char *p;
	double k;
	int zero;

	memset(l, 0, sizeof(*l));
	l->seq_null = 1;
	for (p = src; *p != '\0'; p++) {
		*ret_at = p;
		switch (*p) {
		case '(':
			if (++l == lv + PATTERN_DEPTH_MAX + 1)
				return "regular expression nested too deeply";
			memset(l, 0, sizeof(*l));
			l->seq_null = 1;
			continue;
		case ')':
			if (l == lv)
				break; /* a literal */
			l--;
			re_atom(l, l[1].sum, l[1].seq_null || l[1].alt_null);
			continue;
		case '|':
			l->alt_null = l->alt_null || l->seq_null;
			l->seq_null = 1;
			l->last = 0;
			l->last_null = 0;
			continue;
		case '^':
		case '$':
			re_atom(l, 1, 1);
			continue;
		case '?':
			l->seq_null = l->prev_null;
			l->last_null = 1;
			continue;
		case '*':
			if (l->last_null)
				return null_rep;
			l->seq_null = l->prev_null;
			l->last_null = 1;
			continue;
		case '[':
			/* A bracket expression is one element. */
			p = bracket_end(p);
			re_atom(l, 1, 0);
			continue;
		case '\\':
			if (isdigit((unsigned char)p[1]))
				return "back-references are not supported";
			p += p[1] != '\0';
			re_atom(l, 1, 0);
			continue;
		}
		if ((k = repeat_factor(&p, &zero)) > 0) {
			if (l->last_null)
				return null_rep;
			l->sum += l->last * (k - 1);
			l->last *= k;
			if (l->sum > PATTERN_NODES_MAX)
				return big;
			if (zero) {
				l->seq_null = l->prev_null;
				l->last_null = 1;
			}
			continue;
		}
		re_atom(l, 1, 0);
	}
	return l == lv && l->sum > PATTERN_NODES_MAX ? big : NULL;
}

int
pattern_compile(regex_t *re, const char *src, int cflags, struct error *err)
{
	const char *fault, *at = src;
	char msg[128];
	int rc;

	if (strlen(src) > PATTERN_MAX) {
		error_set(err, 0, 1, "regular expression longer than %d bytes",
		    PATTERN_MAX);
		return MCE_INVALID;
	}
	if ((fault = pattern_fault(src, &at)) != NULL) {
		error_set(err, 0, (int)(at - src) + 1, "%s", fault);
		return MCE_INVALID;
	}
	if ((rc = regcomp(re, src, cflags | REG_EXTENDED)) != 0) {
		regerror(rc, re, msg, sizeof(msg));
		error_set(err, 0, 0, "%s", msg);
		return MCE_INVALID;
	}
	return 0;
}

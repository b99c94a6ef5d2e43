/*
 * filter.c: see filter.h.
 *
 * Everything here reads untrusted text (request filters arrive from the
 * network), so: recursion is bounded by FILTER_DEPTH_MAX, and/or chains
 * are n-ary nodes built in loops (a long chain never deepens the tree),
 * and regular expressions go through pattern_compile(), which refuses
 * what makes glibc's regcomp and regexec blow up.
 */
#include "buildconf.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "names.h"
#include "pattern.h"

#define FILTER_DEPTH_MAX 64 /* nesting of "not", "!" and parentheses */
#define FILTER_TEXT_MAX 16384 /* bytes of one compound expression */
#define FILTER_NAME_MAX NAME_FACT_MAX /* bytes of a fact name */
#define FILTER_OP_CHARS "=!<>~" /* what operators are made of */

enum fop {
	FOP_EQ,
	FOP_NE,
	FOP_LT,
	FOP_GT,
	FOP_LE,
	FOP_GE,
	FOP_RE
};

/* Longest first, so that "==" is not read as "=" followed by "=". */
static const struct {
	const char *text;
	enum fop op;
} fops[] = {
    {"==", FOP_EQ},
    {"=~", FOP_RE},
    {"!=", FOP_NE},
    {"<=", FOP_LE},
    {">=", FOP_GE},
    {"=", FOP_EQ},
    {"<", FOP_LT},
    {">", FOP_GT},
};

struct filter_fact {
	char *name;
	enum fop op;
	char *value; /* unquoted; the regex source when is_regex */
	int is_regex; /* =~, or a /re/ value with = == != */
	regex_t re;
	int is_num;
	double num;
};

enum node_type {
	NODE_AND,
	NODE_OR,
	NODE_NOT,
	NODE_FACT,
	NODE_CLASS
};

struct filter_expr {
	enum node_type type;
	struct filter_expr **kids; /* AND, OR: two or more; NOT: one */
	size_t nkids;
	struct filter_fact *fact; /* FACT */
	char *cls; /* CLASS: a name, or the regex source */
	int cls_regex;
	regex_t re;
};

struct parser {
	const char *text;
	size_t pos;
	int depth;
	struct error *err;
};

static void perr(struct parser *p, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
perr(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(p->err, 1, (int)pos + 1, fmt, ap);
	va_end(ap);
}

/* A strict decimal number: no hex, no "inf"/"nan", no blanks. */
static int
parse_number(const char *s, double *ret)
{
	const char *p = s;
	int digits = 0;
	char *end;

	if (*p == '-' || *p == '+')
		p++;
	while (isdigit((unsigned char)*p))
		p++, digits++;
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p))
			p++, digits++;
	}
	if (digits == 0)
		return 0;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p != '\0')
		return 0;
	errno = 0;
	*ret = strtod(s, &end);
	return *end == '\0' && isfinite(*ret);
}

/*
 * Compiles the regex src found at column col, refusing what makes POSIX
 * regcomp/regexec blow up (see pattern.h). Returns 0, or MCE_INVALID with
 * err filled.
 */
static int
regex_compile(regex_t *re, const char *src, struct parser *p, size_t col)
{
	struct error e;

	if (pattern_compile(re, src, REG_NOSUB, &e) == 0)
		return 0;
	if (e.column == 0)
		perr(p, col, "bad regular expression /%.64s/: %s", src, e.text);
	else
		perr(p, col + (size_t)e.column - 1, "%s", e.text);
	return MCE_INVALID;
}

static int
is_delim(char c)
{
	return c == '\0' || isspace((unsigned char)c) || c == '(' || c == ')';
}

static int
is_name_char(char c)
{
	return !is_delim(c) && strchr("=!<>~\"'", c) == NULL;
}

static void
skip_blank(struct parser *p)
{
	while (isspace((unsigned char)p->text[p->pos]))
		p->pos++;
}

/* Position of the closing '/' of a regex opening at start, or 0. */
static size_t
regex_end(const char *text, size_t start)
{
	for (size_t i = start + 1; text[i] != '\0'; i++) {
		if (text[i] == '\\' && text[i + 1] != '\0')
			i++;
		else if (text[i] == '/')
			return i;
	}
	return 0;
}

static char *
strndup_or_null(const char *s, size_t n)
{
	char *r = malloc(n + 1);

	if (r != NULL) {
		memcpy(r, s, n);
		r[n] = '\0';
	}
	return r;
}

/*
 * Scans a value at p->pos. whole: the value is the rest of the text
 * (trailing blanks dropped); otherwise it ends at a blank or parenthesis.
 * "..." and '...' quote (backslash escapes the quote and itself); /re/
 * marks a regex when it is followed by the end of the value.
 */
static int
scan_value(struct parser *p, int whole, char **ret, int *ret_regex)
{
	const char *t = p->text;
	size_t start = p->pos, end, e;

	*ret_regex = 0;
	if (t[start] == '"' || t[start] == '\'') {
		char q = t[start];
		size_t n = 0;
		char *v;

		for (e = start + 1; t[e] != '\0' && t[e] != q; e++)
			if (t[e] == '\\' && t[e + 1] != '\0')
				e++;
		if (t[e] != q) {
			perr(p, start, "unterminated quoted value");
			return MCE_INVALID;
		}
		if ((v = malloc(e - start)) == NULL)
			return -ENOMEM;
		for (size_t i = start + 1; i < e; i++) {
			if (t[i] == '\\' && (t[i + 1] == q || t[i + 1] == '\\'))
				i++;
			v[n++] = t[i];
		}
		v[n] = '\0';
		p->pos = e + 1;
		if (whole) {
			skip_blank(p);
			if (t[p->pos] != '\0') {
				free(v);
				perr(p, p->pos,
				    "unexpected text after the quoted value");
				return MCE_INVALID;
			}
		} else if (!is_delim(t[p->pos])) {
			free(v);
			perr(p, p->pos,
			    "unexpected text after the quoted value");
			return MCE_INVALID;
		}
		*ret = v;
		return 0;
	}
	if (t[start] == '/' && (e = regex_end(t, start)) != 0) {
		size_t after = e + 1;

		if (whole)
			while (isspace((unsigned char)t[after]))
				after++;
		if (whole ? t[after] == '\0' : is_delim(t[after])) {
			if ((*ret = strndup_or_null(
				 t + start + 1, e - start - 1)) == NULL)
				return -ENOMEM;
			*ret_regex = 1;
			p->pos = after;
			return 0;
		}
	}
	if (whole) {
		end = start + strlen(t + start);
		while (end > start && isspace((unsigned char)t[end - 1]))
			end--;
	} else {
		for (end = start; !is_delim(t[end]); end++)
			;
	}
	if (end == start) {
		perr(p, start, "expected a value");
		return MCE_INVALID;
	}
	if ((*ret = strndup_or_null(t + start, end - start)) == NULL)
		return -ENOMEM;
	p->pos = whole ? start + strlen(t + start) : end;
	return 0;
}

void
filter_fact_free(struct filter_fact *f)
{
	if (f == NULL)
		return;
	if (f->is_regex)
		regfree(&f->re);
	free(f->name);
	free(f->value);
	free(f);
}

/*
 * Builds a comparison; name and value are stolen. regex_form: the value
 * was written /re/. col: where the value starts, for errors.
 */
static int
fact_new(struct parser *p, char *name, enum fop op, char *value, int regex_form,
    size_t col, struct filter_fact **ret)
{
	struct filter_fact *f = calloc(1, sizeof(*f));
	int rc;

	if (f == NULL) {
		free(name);
		free(value);
		return -ENOMEM;
	}
	f->name = name;
	f->op = op;
	f->value = value;
	if (regex_form && op != FOP_EQ && op != FOP_NE && op != FOP_RE) {
		perr(p, col - 1, "a /regex/ value needs = == != or =~");
		filter_fact_free(f);
		return MCE_INVALID;
	}
	if (regex_form || op == FOP_RE) {
		if ((rc = regex_compile(&f->re, value, p, col)) != 0) {
			filter_fact_free(f);
			return rc;
		}
		f->is_regex = 1;
	} else {
		f->is_num = parse_number(value, &f->num);
	}
	*ret = f;
	return 0;
}

/*
 * An unquoted value that starts with an operator character is a typo far
 * more often than a value: "cpus>>3", "cpus=<3", "cpus => 3". Refused at
 * the operator, naming all of it; a value meant that way can be quoted.
 */
static int
operator_typo(struct parser *p, size_t op_start, const char *name)
{
	const char *t = p->text;
	size_t v = p->pos, end;

	while (t[v] == ' ' || t[v] == '\t')
		v++;
	if (t[v] == '\0' || strchr(FILTER_OP_CHARS, t[v]) == NULL)
		return 0;
	for (end = v; t[end] != '\0' && strchr(FILTER_OP_CHARS, t[end]); end++)
		;
	perr(p, op_start,
	    "unknown operator '%.*s' after '%s' (operators: = == != < > <= >= "
	    "=~; quote a value that starts with one of %s)",
	    (int)(end - op_start), t + op_start, name, FILTER_OP_CHARS);
	return MCE_INVALID;
}

/* name OP value at p->pos; see scan_value() for whole. */
static int
parse_fact_at(struct parser *p, int whole, struct filter_fact **ret)
{
	const char *t = p->text;
	size_t start, vstart, op_start;
	enum fop op = FOP_EQ;
	char *name, *value;
	int regex_form, rc, found = 0;

	skip_blank(p);
	start = p->pos;
	while (is_name_char(t[p->pos]))
		p->pos++;
	if (p->pos == start) {
		perr(p, start, "expected a fact name");
		return MCE_INVALID;
	}
	if (p->pos - start > FILTER_NAME_MAX) {
		perr(p, start, "fact name longer than %d bytes",
		    FILTER_NAME_MAX);
		return MCE_INVALID;
	}
	if ((name = strndup_or_null(t + start, p->pos - start)) == NULL)
		return -ENOMEM;
	skip_blank(p);
	op_start = p->pos;
	for (size_t i = 0; i < sizeof(fops) / sizeof(fops[0]); i++) {
		size_t n = strlen(fops[i].text);

		if (strncmp(t + p->pos, fops[i].text, n) == 0) {
			op = fops[i].op;
			p->pos += n;
			found = 1;
			break;
		}
	}
	if (!found) {
		perr(p, p->pos,
		    "expected an operator (= == != < > <= >= =~) after '%s'",
		    name);
		free(name);
		return MCE_INVALID;
	}
	if ((rc = operator_typo(p, op_start, name)) != 0) {
		free(name);
		return rc;
	}
	skip_blank(p);
	vstart = p->pos;
	if ((rc = scan_value(p, whole, &value, &regex_form)) != 0) {
		free(name);
		return rc;
	}
	/* columns inside the value count from after the opening / or quote */
	if (regex_form || t[vstart] == '"' || t[vstart] == '\'')
		vstart++;
	return fact_new(p, name, op, value, regex_form, vstart, ret);
}

int
filter_fact_parse(const char *text, struct filter_fact **ret, struct error *err)
{
	struct parser p = {.text = text, .err = err};

	error_init(err, NULL);
	*ret = NULL;
	if (text == NULL) {
		error_set(err, 0, 0, "no fact comparison");
		return MCE_INVALID;
	}
	return parse_fact_at(&p, 1, ret);
}

/*
 * The text form of a scalar fact, and its number when it is one. NULL for
 * null, objects and arrays: those never compare.
 */
static const char *
scalar_text(
    const json_t *v, char *buf, size_t size, int *ret_num, double *ret_d)
{
	*ret_num = 0;
	switch (json_typeof(v)) {
	case JSON_STRING:
		*ret_num = parse_number(json_string_value(v), ret_d);
		return json_string_value(v);
	case JSON_INTEGER:
		snprintf(
		    buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		*ret_num = 1;
		*ret_d = (double)json_integer_value(v);
		return buf;
	case JSON_REAL:
		snprintf(buf, size, "%.17g", json_real_value(v));
		*ret_num = 1;
		*ret_d = json_real_value(v);
		return buf;
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	default:
		return NULL;
	}
}

static int
fact_compare(
    const struct filter_fact *f, const char *text, int is_num, double d)
{
	int c;

	if (text == NULL)
		return 0;
	if (f->is_regex) {
		int m = regexec(&f->re, text, 0, NULL, 0) == 0;

		return f->op == FOP_NE ? !m : m;
	}
	if (f->is_num && is_num)
		c = d < f->num ? -1 : d > f->num ? 1 : 0;
	else
		c = strcmp(text, f->value);
	switch (f->op) {
	case FOP_EQ:
		return c == 0;
	case FOP_NE:
		return c != 0;
	case FOP_LT:
		return c < 0;
	case FOP_GT:
		return c > 0;
	case FOP_LE:
		return c <= 0;
	case FOP_GE:
		return c >= 0;
	default:
		return 0;
	}
}

static int
text_compare(const struct filter_fact *f, const char *text)
{
	double d = 0;
	int is_num;

	if (text == NULL)
		return 0;
	is_num = parse_number(text, &d);
	return fact_compare(f, text, is_num, d);
}

int
filter_fact_eval(const struct filter_fact *f, const struct filter_subject *s)
{
	char buf[64];
	const json_t *v;
	const char *text;
	double d = 0;
	int is_num;

	if (f == NULL || s == NULL)
		return 0;
	if (strcmp(f->name, "identity") == 0)
		return text_compare(f, s->identity);
	if (strcmp(f->name, "agent") == 0) {
		/* != holds when no agent is equal; the others when any is. */
		int all = f->op == FOP_NE;

		for (size_t i = 0; i < s->nagents; i++) {
			int m = text_compare(f, s->agents[i]);

			if (all && !m)
				return 0;
			if (!all && m)
				return 1;
		}
		return all;
	}
	if ((v = filter_fact_lookup(s->facts, f->name)) == NULL)
		return 0;
	text = scalar_text(v, buf, sizeof(buf), &is_num, &d);
	return fact_compare(f, text, is_num, d);
}

static const json_t *
lookup(const json_t *o, char *name, int depth)
{
	const json_t *v;

	if (depth > 32)
		return NULL;
	if (json_is_object(o) && (v = json_object_get(o, name)) != NULL)
		return v;
	if (json_is_array(o)) {
		char *end;
		unsigned long i;

		if (!isdigit((unsigned char)name[0]))
			return NULL;
		i = strtoul(name, &end, 10);
		if (*end == '\0')
			return json_array_get(o, i);
	}
	for (char *dot = strchr(name, '.'); dot != NULL;
	     dot = strchr(dot + 1, '.')) {
		const json_t *child = NULL;

		*dot = '\0';
		if (json_is_object(o))
			child = json_object_get(o, name);
		else if (json_is_array(o) && isdigit((unsigned char)name[0])) {
			char *end;
			unsigned long i = strtoul(name, &end, 10);

			if (*end == '\0')
				child = json_array_get(o, i);
		}
		*dot = '.';
		if (child != NULL &&
		    (json_is_object(child) || json_is_array(child))) {
			char *rest = dot + 1;

			if ((v = lookup(child, rest, depth + 1)) != NULL)
				return v;
		}
	}
	return NULL;
}

const json_t *
filter_fact_lookup(const json_t *facts, const char *name)
{
	char buf[FILTER_NAME_MAX + 1];
	size_t len;

	if (facts == NULL || name == NULL ||
	    (len = strlen(name)) > FILTER_NAME_MAX || len == 0)
		return NULL;
	memcpy(buf, name, len + 1);
	return lookup(facts, buf, 0);
}

/* Compound expressions */

void
filter_expr_free(struct filter_expr *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->nkids; i++)
		filter_expr_free(e->kids[i]);
	free(e->kids);
	filter_fact_free(e->fact);
	if (e->cls_regex)
		regfree(&e->re);
	free(e->cls);
	free(e);
}

static struct filter_expr *
node_new(enum node_type type)
{
	struct filter_expr *e = calloc(1, sizeof(*e));

	if (e != NULL)
		e->type = type;
	return e;
}

static int
node_add(struct filter_expr *e, struct filter_expr *kid)
{
	struct filter_expr **k;

	k = realloc(e->kids, (e->nkids + 1) * sizeof(*k));
	if (k == NULL) {
		filter_expr_free(kid);
		return -ENOMEM;
	}
	e->kids = k;
	e->kids[e->nkids++] = kid;
	return 0;
}

/* 1 when the keyword kw starts at p->pos and ends there. */
static int
keyword_at(const struct parser *p, const char *kw)
{
	size_t n = strlen(kw);

	return strncmp(p->text + p->pos, kw, n) == 0 &&
	    (is_delim(p->text[p->pos + n]) || p->text[p->pos + n] == '!');
}

static int parse_or(struct parser *p, struct filter_expr **ret);

/* A class regex or name, or a fact comparison. */
static int
parse_atom(struct parser *p, struct filter_expr **ret)
{
	const char *t = p->text;
	size_t start = p->pos, e;
	struct filter_expr *n;
	int rc;

	if (t[start] == '/') {
		if ((e = regex_end(t, start)) == 0) {
			perr(p, start, "unterminated /regex/");
			return MCE_INVALID;
		}
		if (!is_delim(t[e + 1])) {
			perr(p, e + 1, "unexpected text after /regex/");
			return MCE_INVALID;
		}
		if ((n = node_new(NODE_CLASS)) == NULL)
			return -ENOMEM;
		if ((n->cls = strndup_or_null(t + start + 1, e - start - 1)) ==
		    NULL) {
			free(n);
			return -ENOMEM;
		}
		if ((rc = regex_compile(&n->re, n->cls, p, start + 1)) != 0) {
			filter_expr_free(n);
			return rc;
		}
		n->cls_regex = 1;
		p->pos = e + 1;
		*ret = n;
		return 0;
	}
	while (is_name_char(t[p->pos]))
		p->pos++;
	if (p->pos == start) {
		perr(p, start,
		    "expected a fact comparison or a class, found '%c'",
		    t[start]);
		return MCE_INVALID;
	}
	e = p->pos;
	skip_blank(p);
	if (t[p->pos] == '=' || t[p->pos] == '<' || t[p->pos] == '>' ||
	    (t[p->pos] == '!' && t[p->pos + 1] == '=')) {
		if ((n = node_new(NODE_FACT)) == NULL)
			return -ENOMEM;
		p->pos = start;
		if ((rc = parse_fact_at(p, 0, &n->fact)) != 0) {
			free(n);
			return rc;
		}
		*ret = n;
		return 0;
	}
	if (strchr("~\"'", t[e]) != NULL && t[e] != '\0') {
		perr(p, e, "unexpected '%c'", t[e]);
		return MCE_INVALID;
	}
	if ((n = node_new(NODE_CLASS)) == NULL)
		return -ENOMEM;
	if ((n->cls = strndup_or_null(t + start, e - start)) == NULL) {
		free(n);
		return -ENOMEM;
	}
	p->pos = e;
	*ret = n;
	return 0;
}

static int
parse_term(struct parser *p, struct filter_expr **ret)
{
	const char *t = p->text;
	struct filter_expr *n, *kid;
	size_t start;
	int rc;

	skip_blank(p);
	start = p->pos;
	if (t[start] == '\0') {
		perr(p, start, "expected a term, found the end");
		return MCE_INVALID;
	}
	if (keyword_at(p, "and") || keyword_at(p, "or")) {
		perr(p, start, "expected a term, found '%s'",
		    t[start] == 'a' ? "and" : "or");
		return MCE_INVALID;
	}
	if (t[start] == ')') {
		perr(p, start, "expected a term, found ')'");
		return MCE_INVALID;
	}
	if (t[start] != '(' && !(t[start] == '!' && t[start + 1] != '=') &&
	    !keyword_at(p, "not"))
		return parse_atom(p, ret);
	if (++p->depth > FILTER_DEPTH_MAX) {
		perr(p, start, "expression nested deeper than %d",
		    FILTER_DEPTH_MAX);
		return MCE_INVALID;
	}
	if (t[start] == '(') {
		p->pos++;
		if ((rc = parse_or(p, &n)) != 0)
			return rc;
		skip_blank(p);
		if (t[p->pos] != ')') {
			filter_expr_free(n);
			perr(p, p->pos,
			    t[p->pos] == '\0'
				? "missing ')' for '(' at column %zu"
				: "expected 'and', 'or' or ')' "
				  "for '(' at column %zu",
			    start + 1);
			return MCE_INVALID;
		}
		p->pos++;
	} else {
		p->pos += t[start] == '!' ? 1 : 3;
		if ((rc = parse_term(p, &kid)) != 0)
			return rc;
		if ((n = node_new(NODE_NOT)) == NULL) {
			filter_expr_free(kid);
			return -ENOMEM;
		}
		if ((rc = node_add(n, kid)) != 0) {
			free(n);
			return rc;
		}
	}
	p->depth--;
	*ret = n;
	return 0;
}

/* One level of and/or: kids parsed by sub, joined by keyword kw. */
static int
parse_chain(struct parser *p, const char *kw, enum node_type type,
    int (*sub)(struct parser *, struct filter_expr **),
    struct filter_expr **ret)
{
	struct filter_expr *first, *n = NULL, *kid;
	int rc;

	if ((rc = sub(p, &first)) != 0)
		return rc;
	for (;;) {
		skip_blank(p);
		if (!keyword_at(p, kw))
			break;
		p->pos += strlen(kw);
		if ((rc = sub(p, &kid)) != 0)
			goto fail;
		if (n == NULL) {
			if ((n = node_new(type)) == NULL) {
				filter_expr_free(kid);
				rc = -ENOMEM;
				goto fail;
			}
			rc = node_add(n, first);
			first = NULL;
			if (rc != 0) {
				filter_expr_free(kid);
				goto fail;
			}
		}
		if ((rc = node_add(n, kid)) != 0)
			goto fail;
	}
	*ret = n != NULL ? n : first;
	return 0;
fail:
	filter_expr_free(first);
	filter_expr_free(n);
	return rc;
}

static int
parse_and(struct parser *p, struct filter_expr **ret)
{
	return parse_chain(p, "and", NODE_AND, parse_term, ret);
}

static int
parse_or(struct parser *p, struct filter_expr **ret)
{
	return parse_chain(p, "or", NODE_OR, parse_and, ret);
}

int
filter_expr_parse(const char *text, struct filter_expr **ret, struct error *err)
{
	struct parser p = {.text = text, .err = err};
	struct filter_expr *e;
	size_t len;
	int rc;

	error_init(err, NULL);
	*ret = NULL;
	if (text == NULL) {
		error_set(err, 0, 0, "no expression");
		return MCE_INVALID;
	}
	if ((len = strlen(text)) > FILTER_TEXT_MAX) {
		error_set(err, 1, 1, "expression longer than %d bytes",
		    FILTER_TEXT_MAX);
		return MCE_INVALID;
	}
	if ((rc = parse_or(&p, &e)) != 0)
		return rc;
	skip_blank(&p);
	if (text[p.pos] != '\0') {
		filter_expr_free(e);
		perr(&p, p.pos,
		    text[p.pos] == ')'
			? "unbalanced ')'"
			: "expected 'and' or 'or' before '%.20s'",
		    text + p.pos);
		return MCE_INVALID;
	}
	*ret = e;
	return 0;
}

static int
class_regex_match(const regex_t *re, const struct filter_subject *s)
{
	for (size_t i = 0; i < s->nclasses; i++)
		if (s->classes[i] != NULL &&
		    regexec(re, s->classes[i], 0, NULL, 0) == 0)
			return 1;
	return 0;
}

static int
class_name_match(const char *name, const struct filter_subject *s)
{
	for (size_t i = 0; i < s->nclasses; i++)
		if (s->classes[i] != NULL && strcmp(s->classes[i], name) == 0)
			return 1;
	return 0;
}

int
filter_expr_eval(const struct filter_expr *e, const struct filter_subject *s)
{
	if (e == NULL || s == NULL)
		return 0;
	switch (e->type) {
	case NODE_AND:
		for (size_t i = 0; i < e->nkids; i++)
			if (!filter_expr_eval(e->kids[i], s))
				return 0;
		return 1;
	case NODE_OR:
		for (size_t i = 0; i < e->nkids; i++)
			if (filter_expr_eval(e->kids[i], s))
				return 1;
		return 0;
	case NODE_NOT:
		return !filter_expr_eval(e->kids[0], s);
	case NODE_FACT:
		return filter_fact_eval(e->fact, s);
	case NODE_CLASS:
		return e->cls_regex ? class_regex_match(&e->re, s)
				    : class_name_match(e->cls, s);
	}
	return 0;
}

/* Class, identity and agent patterns: a name, or /regex/. */

struct name_pattern {
	int is_regex;
	regex_t re;
	const char *name;
};

static int
name_pattern_compile(
    const char *text, struct name_pattern *pt, struct error *err)
{
	struct parser p = {.text = text, .err = err};
	size_t len = text != NULL ? strlen(text) : 0;
	char *src;
	int rc;

	memset(pt, 0, sizeof(*pt));
	if (len == 0) {
		error_set(err, 0, 0, "empty name");
		return MCE_INVALID;
	}
	if (len >= 2 && text[0] == '/' && text[len - 1] == '/') {
		if ((src = strndup_or_null(text + 1, len - 2)) == NULL)
			return -ENOMEM;
		rc = regex_compile(&pt->re, src, &p, 1);
		free(src);
		if (rc != 0)
			return rc;
		pt->is_regex = 1;
		return 0;
	}
	for (size_t i = 0; i < len; i++)
		if (isspace((unsigned char)text[i]) ||
		    iscntrl((unsigned char)text[i])) {
			error_set(err, 1, (int)i + 1,
			    "blank or control character in name");
			return MCE_INVALID;
		}
	pt->name = text;
	return 0;
}

static int
name_pattern_match(const struct name_pattern *pt, const char *s)
{
	if (s == NULL)
		return 0;
	if (pt->is_regex)
		return regexec(&pt->re, s, 0, NULL, 0) == 0;
	return strcmp(pt->name, s) == 0;
}

static void
name_pattern_free(struct name_pattern *pt)
{
	if (pt->is_regex)
		regfree(&pt->re);
	pt->is_regex = 0;
}

int
filter_class_match(const char *pattern, const struct filter_subject *s)
{
	struct name_pattern pt;
	int m = 0;

	if (s == NULL || name_pattern_compile(pattern, &pt, NULL) != 0)
		return 0;
	for (size_t i = 0; i < s->nclasses && !m; i++)
		m = name_pattern_match(&pt, s->classes[i]);
	name_pattern_free(&pt);
	return m;
}

/* The wire form */

static int
fop_parse(const char *text, enum fop *ret)
{
	for (size_t i = 0; i < sizeof(fops) / sizeof(fops[0]); i++)
		if (strcmp(text, fops[i].text) == 0) {
			*ret = fops[i].op;
			return 0;
		}
	return -1;
}

static const char *
fop_text(enum fop op)
{
	for (size_t i = 0; i < sizeof(fops) / sizeof(fops[0]); i++)
		if (fops[i].op == op)
			return fops[i].text;
	return "?";
}

/* One {"fact","operator","value"} item; *ret is new. */
static int
wire_fact(const json_t *item, struct filter_fact **ret, struct error *err)
{
	struct parser p = {.text = "", .err = err};
	const json_t *jv = json_object_get(item, "value");
	const char *name = json_string_value(json_object_get(item, "fact"));
	const char *ops = json_string_value(json_object_get(item, "operator"));
	char buf[64], *n, *v;
	const char *vt;
	enum fop op;
	double d;
	int is_num;
	size_t len;

	if (!json_is_object(item) || name == NULL || ops == NULL ||
	    jv == NULL) {
		error_set(err, 0, 0, "needs \"fact\", \"operator\", \"value\"");
		return MCE_INVALID;
	}
	if (json_object_size(item) != 3) {
		const char *key;
		const json_t *unused;

		json_object_foreach((json_t *)item, key, unused)
		{
			if (strcmp(key, "fact") != 0 &&
			    strcmp(key, "operator") != 0 &&
			    strcmp(key, "value") != 0) {
				error_set(
				    err, 0, 0, "unknown key '%.32s'", key);
				return MCE_INVALID;
			}
		}
	}
	if (!name_ok(NAME_FACT, name)) {
		error_set(
		    err, 0, 0, "bad fact name: %s", name_why(NAME_FACT, name));
		return MCE_INVALID;
	}
	if (fop_parse(ops, &op) != 0) {
		error_set(err, 0, 0, "unknown operator '%.16s'", ops);
		return MCE_INVALID;
	}
	if ((vt = scalar_text(jv, buf, sizeof(buf), &is_num, &d)) == NULL) {
		error_set(
		    err, 0, 0, "value is not a string, number or boolean");
		return MCE_INVALID;
	}
	len = strlen(vt);
	if ((n = strdup(name)) == NULL)
		return -ENOMEM;
	if (json_is_string(jv) && len >= 2 && vt[0] == '/' &&
	    vt[len - 1] == '/') {
		if ((v = strndup_or_null(vt + 1, len - 2)) == NULL) {
			free(n);
			return -ENOMEM;
		}
		return fact_new(&p, n, op, v, 1, 1, ret);
	}
	if ((v = strdup(vt)) == NULL) {
		free(n);
		return -ENOMEM;
	}
	return fact_new(&p, n, op, v, 0, 0, ret);
}

/* Prefixes err->text with the part at fault ("fact[2]: ..."). */
static void
err_prefix(struct error *err, const char *part, size_t i, int column)
{
	char pre[96];
	size_t n, len;

	if (err == NULL)
		return;
	if (column > 0)
		n = (size_t)snprintf(
		    pre, sizeof(pre), "%.32s: column %d: ", part, column);
	else
		n = (size_t)snprintf(pre, sizeof(pre), "%.32s[%zu]: ", part, i);
	if (n >= sizeof(pre))
		n = sizeof(pre) - 1;
	len = strnlen(err->text, sizeof(err->text) - 1);
	if (len + n >= sizeof(err->text))
		len = sizeof(err->text) - 1 - n;
	memmove(err->text + n, err->text, len);
	memcpy(err->text, pre, n);
	err->text[n + len] = '\0';
}

/* Matches (s != NULL) or only checks (s == NULL) a list of patterns. */
static int
run_patterns(const json_t *list, const char *part,
    const struct filter_subject *s, struct error *err, int *ret_match)
{
	size_t i;
	const json_t *v;
	int any = 0, all = 1;

	if (!json_is_array(list)) {
		error_set(err, 0, 0, "%s: not an array", part);
		return MCE_INVALID;
	}
	json_array_foreach(list, i, v)
	{
		struct name_pattern pt;
		int m = 0, rc;

		if (!json_is_string(v)) {
			error_set(err, 0, 0, "%s[%zu]: not a string", part, i);
			return MCE_INVALID;
		}
		if ((rc = name_pattern_compile(
			 json_string_value(v), &pt, err)) != 0) {
			err_prefix(err, part, i, 0);
			return rc;
		}
		if (s == NULL) {
			name_pattern_free(&pt);
			continue;
		}
		if (strcmp(part, "identity") == 0) {
			m = name_pattern_match(&pt, s->identity);
		} else if (strcmp(part, "class") == 0) {
			for (size_t j = 0; j < s->nclasses && !m; j++)
				m = name_pattern_match(&pt, s->classes[j]);
		} else {
			for (size_t j = 0; j < s->nagents && !m; j++)
				m = name_pattern_match(&pt, s->agents[j]);
		}
		name_pattern_free(&pt);
		any |= m;
		all &= m;
	}
	/* identity: any item; class and agent: every item. */
	if (json_array_size(list) == 0)
		*ret_match = 1;
	else
		*ret_match = strcmp(part, "identity") == 0 ? any : all;
	return 0;
}

static int
run_facts(const json_t *list, const struct filter_subject *s, struct error *err,
    int *ret_match)
{
	size_t i;
	const json_t *v;

	*ret_match = 1;
	if (!json_is_array(list)) {
		error_set(err, 0, 0, "fact: not an array");
		return MCE_INVALID;
	}
	json_array_foreach(list, i, v)
	{
		struct filter_fact *f;
		int rc;

		if ((rc = wire_fact(v, &f, err)) != 0) {
			err_prefix(err, "fact", i, 0);
			return rc;
		}
		if (s != NULL && !filter_fact_eval(f, s))
			*ret_match = 0;
		filter_fact_free(f);
	}
	return 0;
}

static int
run_compound(const json_t *c, const struct filter_subject *s, struct error *err,
    int *ret_match)
{
	const char *text = json_string_value(c);
	struct filter_expr *e;
	const char *p;
	int rc;

	*ret_match = 1;
	if (text == NULL) {
		error_set(err, 0, 0, "compound: not a string");
		return MCE_INVALID;
	}
	for (p = text; isspace((unsigned char)*p); p++)
		;
	if (*p == '\0')
		return 0;
	if ((rc = filter_expr_parse(text, &e, err)) != 0) {
		err_prefix(err, "compound", 0, err != NULL ? err->column : 0);
		if (err != NULL) {
			snprintf(err->source, sizeof(err->source), "filter");
			err->line = err->column = 0;
		}
		return rc;
	}
	if (s != NULL)
		*ret_match = filter_expr_eval(e, s);
	filter_expr_free(e);
	return 0;
}

/* Checks every part, and matches them against s unless s is NULL. */
static int
filter_run(const json_t *filter, const struct filter_subject *s,
    struct error *err, int *ret_match)
{
	const char *key;
	const json_t *v;
	int rc, m;

	*ret_match = 1;
	if (!json_is_object(filter)) {
		error_set(err, 0, 0, "filter is not an object");
		return MCE_INVALID;
	}
	json_object_foreach((json_t *)filter, key, v)
	{
		if (strcmp(key, "fact") == 0)
			rc = run_facts(v, s, err, &m);
		else if (strcmp(key, "class") == 0 ||
		    strcmp(key, "identity") == 0 || strcmp(key, "agent") == 0)
			rc = run_patterns(v, key, s, err, &m);
		else if (strcmp(key, "compound") == 0)
			rc = run_compound(v, s, err, &m);
		else {
			error_set(
			    err, 0, 0, "unknown filter part '%.32s'", key);
			return MCE_INVALID;
		}
		if (rc != 0)
			return rc;
		if (!m)
			*ret_match = 0;
	}
	return 0;
}

int
filter_validate(const json_t *filter, struct error *err)
{
	int m;

	error_init(err, "filter");
	return filter_run(filter, NULL, err, &m);
}

int
filter_match(const json_t *filter, const struct filter_subject *s)
{
	int m, rc;

	if (s == NULL)
		return -EINVAL;
	if ((rc = filter_run(filter, s, NULL, &m)) != 0)
		return rc;
	return m;
}

/* Builders */

/* The array filter[key], created when absent; NULL when not an array. */
static json_t *
part_array(json_t *filter, const char *key, struct error *err, int *rc)
{
	json_t *a;

	*rc = MCE_INVALID;
	if (!json_is_object(filter)) {
		error_set(err, 0, 0, "filter is not an object");
		return NULL;
	}
	if ((a = json_object_get(filter, key)) == NULL) {
		if ((a = json_array()) == NULL ||
		    json_object_set_new(filter, key, a) != 0) {
			*rc = -ENOMEM;
			return NULL;
		}
	}
	if (!json_is_array(a)) {
		error_set(err, 0, 0, "%s: not an array", key);
		return NULL;
	}
	return a;
}

int
filter_add_fact(json_t *filter, const char *expr, struct error *err)
{
	struct filter_fact *f;
	json_t *a, *item;
	char *value = NULL;
	size_t len;
	int rc;

	if ((rc = filter_fact_parse(expr, &f, err)) != 0)
		return rc;
	len = strlen(f->value);
	if (!f->is_regex && len >= 2 && f->value[0] == '/' &&
	    f->value[len - 1] == '/') {
		/* the wire form would read it as a regex */
		error_set(err, 1, 1,
		    "a literal value written /.../ cannot be sent; use =~ "
		    "with an anchored regex");
		rc = MCE_INVALID;
		goto out;
	}
	if ((a = part_array(filter, "fact", err, &rc)) == NULL)
		goto out;
	if (f->is_regex && f->op != FOP_RE) {
		size_t n = strlen(f->value) + 3;

		if ((value = malloc(n)) == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		snprintf(value, n, "/%s/", f->value);
	}
	item = json_pack("{s:s, s:s, s:s}", "fact", f->name, "operator",
	    fop_text(f->op), "value", value != NULL ? value : f->value);
	rc = item != NULL && json_array_append_new(a, item) == 0 ? 0 : -ENOMEM;
out:
	free(value);
	filter_fact_free(f);
	return rc;
}

static int
add_pattern(
    json_t *filter, const char *key, const char *text, struct error *err)
{
	struct name_pattern pt;
	json_t *a;
	int rc;

	error_init(err, NULL);
	if ((rc = name_pattern_compile(text, &pt, err)) != 0)
		return rc;
	name_pattern_free(&pt);
	if ((a = part_array(filter, key, err, &rc)) == NULL)
		return rc;
	return json_array_append_new(a, json_string(text)) == 0 ? 0 : -ENOMEM;
}

int
filter_add_class(json_t *filter, const char *cls, struct error *err)
{
	return add_pattern(filter, "class", cls, err);
}

int
filter_add_identity(json_t *filter, const char *id, struct error *err)
{
	return add_pattern(filter, "identity", id, err);
}

int
filter_add_agent(json_t *filter, const char *agent, struct error *err)
{
	return add_pattern(filter, "agent", agent, err);
}

/*
 * A second compound does not replace the first: both must hold, as with
 * MCollective's repeated -S.
 */
int
filter_set_compound(json_t *filter, const char *expr, struct error *err)
{
	struct filter_expr *e;
	const char *old;
	char *both = NULL;
	json_t *v;
	int rc;

	if ((rc = filter_expr_parse(expr, &e, err)) != 0)
		return rc;
	filter_expr_free(e);
	if (!json_is_object(filter)) {
		error_set(err, 0, 0, "filter is not an object");
		return MCE_INVALID;
	}
	old = json_string_value(json_object_get(filter, "compound"));
	if (old != NULL && old[strspn(old, " \t\r\n")] != '\0') {
		size_t n = strlen(old) + strlen(expr) + 16;

		if ((both = malloc(n)) == NULL)
			return -ENOMEM;
		snprintf(both, n, "(%s) and (%s)", old, expr);
		if ((rc = filter_expr_parse(both, &e, err)) != 0) {
			free(both);
			return rc;
		}
		filter_expr_free(e);
	}
	v = json_string(both != NULL ? both : expr);
	free(both);
	if (v == NULL || json_object_set_new(filter, "compound", v) != 0)
		return -ENOMEM;
	return 0;
}

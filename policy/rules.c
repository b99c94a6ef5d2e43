/*
 * rules.c: see rules.h.
 *
 * A line is split into tab-separated fields first, then each field into
 * blank-separated items; quotes and /regex/ values keep their blanks, and
 * an action's argument list keeps its blanks inside the parentheses.
 */
#include "buildconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "source.h"

#define FIELDS_MAX 4 /* callers, actions, facts, classes */

struct action_item {
	char *name; /* "*" for any action */
	struct filter_fact **args; /* all must hold over the request data */
	size_t nargs;
};

struct rule {
	int allow;
	int line;
	int any_caller;
	char **callers;
	size_t ncallers;
	int any_action;
	struct action_item *actions;
	size_t nactions;
	struct filter_fact **facts; /* five fields: fact comparisons */
	size_t nfacts;
	struct filter_expr **exprs; /* four: compound; five: classes */
	size_t nexprs;
};

struct rules {
	int default_allow;
	struct rule *v;
	size_t n;
};

/* The line being parsed. */
struct line {
	const char *source;
	const char *text; /* NUL-terminated copy of the line */
	int lineno;
	struct error *err;
};

static void
rule_clear(struct rule *r)
{
	for (size_t i = 0; i < r->ncallers; i++)
		free(r->callers[i]);
	free(r->callers);
	for (size_t i = 0; i < r->nactions; i++) {
		for (size_t j = 0; j < r->actions[i].nargs; j++)
			filter_fact_free(r->actions[i].args[j]);
		free(r->actions[i].args);
		free(r->actions[i].name);
	}
	free(r->actions);
	for (size_t i = 0; i < r->nfacts; i++)
		filter_fact_free(r->facts[i]);
	free(r->facts);
	for (size_t i = 0; i < r->nexprs; i++)
		filter_expr_free(r->exprs[i]);
	free(r->exprs);
}

void
rules_free(struct rules *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		rule_clear(&r->v[i]);
	free(r->v);
	free(r);
}

/* Grows an array of pointers by one slot holding p. */
static int
push(void *arrayp, size_t *n, void *p)
{
	void ***a = arrayp;
	void **v = realloc(*a, (*n + 1) * sizeof(*v));

	if (v == NULL)
		return -ENOMEM;
	v[(*n)++] = p;
	*a = v;
	return 0;
}

static int lerr(const struct line *l, size_t col0, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reports at byte offset col0 of the line; returns MCE_CONFIG. */
static int
lerr(const struct line *l, size_t col0, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(l->err, l->lineno, (int)col0 + 1, fmt, ap);
	va_end(ap);
	return MCE_CONFIG;
}

/* Moves a filter parser's error, at offset col0 of the line, into l. */
static int
lerr_from(const struct line *l, size_t col0, const struct error *sub, int rc)
{
	if (rc == -ENOMEM)
		return lerr(l, col0, "out of memory"), rc;
	return lerr(l, col0 + (sub->column > 0 ? (size_t)sub->column - 1 : 0),
	    "%s", sub->text);
}

static char *
copy(const char *s, size_t n)
{
	return strndup(s, n);
}

/* Where a scan stands: inside a quote, inside a /regex/, or neither. */
struct scan {
	char quote; /* the open quote, or 0 */
	int regex;
	char prev; /* the last character outside both, blanks aside */
};

/*
 * Steps over t[*i] when it is part of a quoted value or of a /regex/ that
 * follows one of the characters in re_after (returns 1); otherwise
 * returns 0 and the caller looks at t[*i] itself.
 */
static int
scan_quoted(
    struct scan *sc, const char *t, size_t *i, size_t e, const char *re_after)
{
	char c = t[*i];

	if (sc->quote != 0 || sc->regex) {
		if (c == '\\' && *i + 1 < e)
			(*i)++;
		else if (sc->quote != 0 && c == sc->quote)
			sc->quote = 0;
		else if (sc->regex && c == '/')
			sc->regex = 0;
		return 1;
	}
	if (c == '"' || c == '\'') {
		sc->quote = c;
		return 1;
	}
	if (c == '/' && strchr(re_after, sc->prev) != NULL) {
		sc->regex = 1;
		return 1;
	}
	if (c != ' ')
		sc->prev = c;
	return 0;
}

/*
 * The next blank-separated item of f at *pos, within [.., end): quotes,
 * /regex/ at the start or after an operator, and parentheses keep their
 * blanks.
 */
static int
next_item(const char *f, size_t end, size_t *pos, size_t *ret_s, size_t *ret_e)
{
	struct scan sc = {.prev = ','};
	size_t i = *pos;
	int depth = 0;

	while (i < end && f[i] == ' ')
		i++;
	if (i >= end)
		return 0;
	*ret_s = i;
	for (; i < end; i++) {
		if (scan_quoted(&sc, f, &i, end, "=~!<>(,"))
			continue;
		if (f[i] == ' ' && depth == 0)
			break;
		if (f[i] == '(')
			depth++;
		else if (f[i] == ')' && depth > 0)
			depth--;
	}
	*ret_e = i;
	*pos = i;
	return 1;
}

/*
 * Calls fn for each item of the field [s, e). Returns 1 without calling
 * it when the field is "*", which may not stand among other items.
 */
static int
each_item(const struct line *l, size_t s, size_t e, const char *what,
    int (*fn)(const struct line *, size_t, size_t, struct rule *, const void *),
    struct rule *r, const void *ctx)
{
	size_t pos = s, is, ie;
	int rc;

	if (e == s + 1 && l->text[s] == '*')
		return 1;
	while (next_item(l->text, e, &pos, &is, &ie))
		if (ie == is + 1 && l->text[is] == '*')
			return lerr(l, is,
			    "'*' must stand alone in the %s field", what);
	pos = s;
	while (next_item(l->text, e, &pos, &is, &ie))
		if ((rc = fn(l, is, ie, r, ctx)) != 0)
			return rc;
	return 0;
}

static int
push_copy(
    const struct line *l, size_t col0, struct rule *r, const char *s, size_t n)
{
	char *item = copy(s, n);

	if (item == NULL || push(&r->callers, &r->ncallers, item) != 0) {
		free(item);
		return lerr(l, col0, "out of memory"), -ENOMEM;
	}
	return 0;
}

/* A caller identity, or a group name expanded to its members. */
static int
caller_item(
    const struct line *l, size_t is, size_t ie, struct rule *r, const void *g)
{
	const char *const *members;
	size_t n;
	char *name;
	int rc = 0;

	if (memchr(l->text + is, '=', ie - is) != NULL) {
		if (l->text[is] == '=' || l->text[ie - 1] == '=')
			return lerr(l, is,
			    "bad caller '%.*s' (cert=NAME or uid=N)",
			    (int)(ie - is > 64 ? 64 : ie - is), l->text + is);
		return push_copy(l, is, r, l->text + is, ie - is);
	}
	if ((name = copy(l->text + is, ie - is)) == NULL)
		return lerr(l, is, "out of memory"), -ENOMEM;
	if ((members = groups_find(g, name, &n)) == NULL)
		rc = lerr(l, is,
		    "unknown group '%.64s' (callers are cert=NAME, uid=N or a "
		    "name from the groups file)",
		    name);
	free(name);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = push_copy(l, is, r, members[i], strlen(members[i]));
	return rc;
}

/* Parses [s, e) as one fact comparison onto the array *v. */
static int
add_fact(const struct line *l, size_t s, size_t e, struct filter_fact ***v,
    size_t *n)
{
	struct filter_fact *f;
	struct error sub;
	char *text;
	int rc;

	if ((text = copy(l->text + s, e - s)) == NULL)
		return lerr(l, s, "out of memory"), -ENOMEM;
	rc = filter_fact_parse(text, &f, &sub);
	free(text);
	if (rc != 0)
		return lerr_from(l, s, &sub, rc);
	if (push(v, n, f) != 0) {
		filter_fact_free(f);
		return lerr(l, s, "out of memory"), -ENOMEM;
	}
	return 0;
}

static int
is_action_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/*
 * The end of one argument constraint starting at i: ',' or ')' outside
 * quotes and /regex/, or e.
 */
static size_t
constraint_end(const char *t, size_t i, size_t e)
{
	struct scan sc = {.prev = ' '};

	for (; i < e; i++) {
		if (scan_quoted(&sc, t, &i, e, "=~!<>"))
			continue;
		if (t[i] == ',' || t[i] == ')')
			return i;
	}
	return e;
}

/* "name" or "name(arg OP value, ...)" at [s, e). */
static int
parse_action(const struct line *l, size_t s, size_t e, struct action_item *a)
{
	const char *t = l->text;
	size_t i = s;

	if (t[i] == '*')
		i++;
	else
		while (i < e && is_action_char(t[i]))
			i++;
	if (i == s)
		return lerr(l, s, "expected an action name, found '%c'", t[s]);
	if ((a->name = copy(t + s, i - s)) == NULL)
		return lerr(l, s, "out of memory"), -ENOMEM;
	if (i == e)
		return 0;
	if (t[i] != '(')
		return lerr(l, i,
		    "unexpected '%c' in action name (argument constraints "
		    "are written action(arg=value, ...))",
		    t[i]);
	i++;
	for (;;) {
		size_t cs, ce, ve;
		int rc;

		while (i < e && t[i] == ' ')
			i++;
		cs = i;
		ce = constraint_end(t, i, e);
		ve = ce;
		while (ve > cs && t[ve - 1] == ' ')
			ve--;
		if (ve == cs)
			return lerr(l, cs,
			    ce < e && t[ce] == ')' && t[cs - 1] == '('
				? "empty argument list"
				: "expected an argument constraint "
				  "(arg=value)");
		if ((rc = add_fact(l, cs, ve, &a->args, &a->nargs)) != 0)
			return rc;
		{
			size_t n = strcspn(t + cs, "=!<> ");

			if ((n == 8 && strncmp(t + cs, "identity", 8) == 0) ||
			    (n == 5 && strncmp(t + cs, "agent", 5) == 0))
				return lerr(l, cs,
				    "'%.*s' is reserved and cannot name an "
				    "argument",
				    (int)n, t + cs);
		}
		if (ce >= e)
			return lerr(l, e,
			    "missing ')' after the arguments of "
			    "'%s'",
			    a->name);
		i = ce + 1;
		if (t[ce] == ')')
			break;
	}
	if (i != e)
		return lerr(l, i, "unexpected text after ')'");
	return 0;
}

static int
action_item(const struct line *l, size_t is, size_t ie, struct rule *r,
    const void *unused)
{
	struct action_item *v, *a;

	v = realloc(r->actions, (r->nactions + 1) * sizeof(*v));
	if (v == NULL)
		return lerr(l, is, "out of memory"), -ENOMEM;
	r->actions = v;
	a = &v[r->nactions++];
	memset(a, 0, sizeof(*a));
	return parse_action(l, is, ie, a);
}

/* Parses [s, e) as a compound expression into r->exprs. */
static int
add_expr(const struct line *l, size_t s, size_t e, struct rule *r,
    const void *unused)
{
	struct filter_expr *x;
	struct error sub;
	char *text;
	int rc;

	if ((text = copy(l->text + s, e - s)) == NULL)
		return lerr(l, s, "out of memory"), -ENOMEM;
	rc = filter_expr_parse(text, &x, &sub);
	free(text);
	if (rc != 0)
		return lerr_from(l, s, &sub, rc);
	if (push(&r->exprs, &r->nexprs, x) != 0) {
		filter_expr_free(x);
		return lerr(l, s, "out of memory"), -ENOMEM;
	}
	return 0;
}

/* Five-field form: fact comparisons, all of which must hold. */
static int
fact_item(const struct line *l, size_t is, size_t ie, struct rule *r,
    const void *unused)
{
	return add_fact(l, is, ie, &r->facts, &r->nfacts);
}

/* Five-field form: class names or /regex/, all of which must match. */
static int
class_item(const struct line *l, size_t is, size_t ie, struct rule *r,
    const void *unused)
{
	if (l->text[is] != '/' && strcspn(l->text + is, "=!<>~()\"'") < ie - is)
		return lerr(l, is, "'%.*s' is not a class name or /regex/",
		    (int)(ie - is > 64 ? 64 : ie - is), l->text + is);
	return add_expr(l, is, ie, r, NULL);
}

/* 1 when the four-field facts field is compound: and, or, not, !, ( ). */
static int
compound_item(const struct line *l, size_t is, size_t ie, struct rule *r,
    const void *unused)
{
	const char *t = l->text + is;
	size_t n = ie - is;

	return (n == 3 && strncmp(t, "and", 3) == 0) ||
	    (n == 2 && strncmp(t, "or", 2) == 0) ||
	    (n == 3 && strncmp(t, "not", 3) == 0) || t[0] == '!' ||
	    t[0] == '(' || t[n - 1] == ')';
}

/*
 * Four-field form: "*", a compound statement, or (as in MCollective) a
 * blank-separated list of fact comparisons and classes that all must
 * hold.
 */
static int
parse_compound_field(const struct line *l, size_t s, size_t e, struct rule *r)
{
	int rc = each_item(l, s, e, "facts", compound_item, r, NULL);

	if (rc < 0)
		return rc;
	if (rc == 1 && !(e == s + 1 && l->text[s] == '*'))
		return add_expr(l, s, e, r, NULL);
	if (rc == 1)
		return 0;
	return each_item(l, s, e, "facts", add_expr, r, NULL);
}

/* "policy default allow|deny" */
static int
parse_policy_line(const struct line *l, size_t i, struct rules *r)
{
	const char *t = l->text;
	size_t w;

	while (t[i] == ' ' || t[i] == '\t')
		i++;
	for (w = i; t[i] != '\0' && t[i] != ' ' && t[i] != '\t'; i++)
		;
	if (i - w != 7 || strncmp(t + w, "default", 7) != 0)
		return lerr(l, w, "expected 'default' after 'policy'");
	while (t[i] == ' ' || t[i] == '\t')
		i++;
	for (w = i; t[i] != '\0' && t[i] != ' ' && t[i] != '\t'; i++)
		;
	if (i - w == 5 && strncmp(t + w, "allow", 5) == 0)
		r->default_allow = 1;
	else if (i - w == 4 && strncmp(t + w, "deny", 4) == 0)
		r->default_allow = 0;
	else
		return lerr(l, w,
		    "expected allow or deny after "
		    "'policy default'");
	while (t[i] == ' ' || t[i] == '\t')
		i++;
	if (t[i] != '\0')
		return lerr(l, i, "unexpected text after 'policy default'");
	return 0;
}

/* "allow|deny <TAB> callers <TAB> actions <TAB> facts [<TAB> classes]" */
static int
parse_rule_line(const struct line *l, const struct groups *g, size_t kw,
    size_t i, struct rules *rs)
{
	const char *t = l->text;
	size_t fs[FIELDS_MAX + 1], fe[FIELDS_MAX + 1];
	size_t nf = 0, space = 0, kwlen = i - kw;
	struct rule *v, *r;
	int rc;

	if (t[i] == ' ')
		return lerr(l, i,
		    "expected a tab after '%.*s': fields are separated by "
		    "tabs, not spaces",
		    (int)kwlen, t + kw);
	while (t[i] != '\0') {
		while (t[i] == '\t')
			i++;
		if (t[i] == '\0')
			break;
		if (nf == FIELDS_MAX)
			return lerr(l, i,
			    "too many fields: expected callers, actions, "
			    "facts and optionally classes");
		fs[nf] = i;
		while (t[i] != '\0' && t[i] != '\t') {
			if (t[i] == ' ' && space == 0)
				space = i;
			i++;
		}
		fe[nf] = i;
		while (fe[nf] > fs[nf] && t[fe[nf] - 1] == ' ')
			fe[nf]--;
		if (fe[nf] == fs[nf])
			return lerr(l, fs[nf],
			    "empty field: write '*' to "
			    "match anything");
		nf++;
	}
	if (nf < 3) {
		if (space != 0)
			return lerr(l, space,
			    "only %zu tab-separated field%s after '%.*s', "
			    "expected 3 or 4: is there a space where a tab "
			    "belongs?",
			    nf, nf == 1 ? "" : "s", (int)kwlen, t + kw);
		return lerr(l, i,
		    "only %zu field%s after '%.*s', expected callers, "
		    "actions, facts and optionally classes",
		    nf, nf == 1 ? "" : "s", (int)kwlen, t + kw);
	}
	if ((v = realloc(rs->v, (rs->n + 1) * sizeof(*v))) == NULL)
		return lerr(l, kw, "out of memory"), -ENOMEM;
	rs->v = v;
	r = &v[rs->n++];
	memset(r, 0, sizeof(*r));
	r->allow = t[kw] == 'a';
	r->line = l->lineno;
	if ((rc = each_item(l, fs[0], fe[0], "callers", caller_item, r, g)) < 0)
		return rc;
	r->any_caller = rc == 1;
	rc = each_item(l, fs[1], fe[1], "actions", action_item, r, NULL);
	if (rc < 0)
		return rc;
	r->any_action = rc == 1;
	if (nf == 3)
		return parse_compound_field(l, fs[2], fe[2], r);
	if ((rc = each_item(l, fs[2], fe[2], "facts", fact_item, r, NULL)) < 0)
		return rc;
	rc = each_item(l, fs[3], fe[3], "classes", class_item, r, NULL);
	return rc < 0 ? rc : 0;
}

static int
parse_line(const struct line *l, const struct groups *g, struct rules *r)
{
	const char *t = l->text;
	size_t i = 0, kw;

	for (size_t j = 0; t[j] != '\0'; j++)
		if ((unsigned char)t[j] < 0x20 && t[j] != '\t')
			return lerr(l, j, "control character in line");
	while (t[i] == ' ' || t[i] == '\t')
		i++;
	if (t[i] == '\0' || t[i] == '#')
		return 0;
	for (kw = i; t[i] != '\0' && t[i] != ' ' && t[i] != '\t'; i++)
		;
	if (i - kw == 6 && strncmp(t + kw, "policy", 6) == 0)
		return parse_policy_line(l, i, r);
	if ((i - kw == 5 && strncmp(t + kw, "allow", 5) == 0) ||
	    (i - kw == 4 && strncmp(t + kw, "deny", 4) == 0)) {
		if (t[i] == '\0')
			return lerr(l, i,
			    "expected tab-separated fields after "
			    "'%.*s'",
			    (int)(i - kw), t + kw);
		return parse_rule_line(l, g, kw, i, r);
	}
	return lerr(l, kw,
	    "unknown keyword '%.*s' (expected allow, deny, policy or #)",
	    (int)(i - kw > 32 ? 32 : i - kw), t + kw);
}

struct parse_ctx {
	const char *source;
	const struct groups *g;
	struct rules *r;
};

static int
parse_one(void *ctx, const char *text, size_t s, size_t e, int lineno,
    struct error *err)
{
	struct parse_ctx *c = ctx;
	struct line l = {.source = c->source, .lineno = lineno, .err = err};
	char *copyline = copy(text + s, e - s);
	int rc;

	if (copyline == NULL)
		return -ENOMEM;
	l.text = copyline;
	rc = parse_line(&l, c->g, c->r);
	free(copyline);
	return rc;
}

static int
parse_all(const char *source, const char *text, size_t len,
    const struct groups *g, const struct policy_report *report,
    struct rules **ret, struct error *err)
{
	struct parse_ctx c = {.source = source, .g = g};
	int rc;

	error_init(err, source);
	*ret = NULL;
	if ((c.r = calloc(1, sizeof(*c.r))) == NULL) {
		error_set(err, 0, 0, "out of memory");
		return -ENOMEM;
	}
	rc = source_each_line(source, text, len, parse_one, &c, report, err);
	if (rc != 0) {
		rules_free(c.r);
		return rc;
	}
	*ret = c.r;
	return 0;
}

int
rules_parse(const char *source, const char *text, size_t len,
    const struct groups *g, struct rules **ret, struct error *err)
{
	return parse_all(source, text, len, g, NULL, ret, err);
}

int
rules_lint(const char *source, const char *text, size_t len,
    const struct groups *g, const struct policy_report *report,
    struct error *err)
{
	struct rules *r;
	int rc = parse_all(source, text, len, g, report, &r, err);

	rules_free(r);
	return rc;
}

static int
caller_match(const struct rule *r, const char *caller)
{
	if (r->any_caller)
		return 1;
	if (caller == NULL)
		return 0;
	for (size_t i = 0; i < r->ncallers; i++)
		if (strcmp(r->callers[i], caller) == 0)
			return 1;
	return 0;
}

static int
action_match(const struct rule *r, const struct policy_request *req)
{
	struct filter_subject args = {.facts = req->data};

	if (r->any_action)
		return 1;
	for (size_t i = 0; i < r->nactions; i++) {
		const struct action_item *a = &r->actions[i];
		size_t j;

		if (strcmp(a->name, "*") != 0 &&
		    strcmp(a->name, req->action) != 0)
			continue;
		for (j = 0; j < a->nargs; j++)
			if (req->data == NULL ||
			    !filter_fact_eval(a->args[j], &args))
				break;
		if (j == a->nargs)
			return 1;
	}
	return 0;
}

static int
node_match(const struct rule *r, const struct filter_subject *node)
{
	static const struct filter_subject empty;

	if (node == NULL)
		node = &empty;
	for (size_t i = 0; i < r->nfacts; i++)
		if (!filter_fact_eval(r->facts[i], node))
			return 0;
	for (size_t i = 0; i < r->nexprs; i++)
		if (!filter_expr_eval(r->exprs[i], node))
			return 0;
	return 1;
}

int
rules_check(
    const struct rules *r, const struct policy_request *req, int *ret_line)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct rule *rule = &r->v[i];

		if (caller_match(rule, req->caller) &&
		    action_match(rule, req) && node_match(rule, req->node)) {
			*ret_line = rule->line;
			return rule->allow;
		}
	}
	*ret_line = 0;
	return r->default_allow;
}

/*
 * ddl.c: see ddl.h.
 *
 * Every string of a parsed DDL is borrowed from its JSON document, which
 * the struct ddl owns. The arrays of actions, inputs and outputs are
 * allocated with jansson's allocator (json_set_alloc_funcs), so an
 * allocator that fails on purpose reaches every allocation but regcomp's.
 *
 * A pattern is compiled at parse time only to check it, then freed, and
 * compiled again the first time a value is checked against it: a node
 * loads every DDL of its agents but most of its actions never run, and
 * glibc's compiled expressions were a tenth of an idle agent's own memory.
 * So validating through a const struct ddl_action writes to it once;
 * validate from one thread at a time.
 */
#include "buildconf.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ddl.h"
#include "file.h"
#include "pattern.h"

#define DDL_FILE_MAX (4 * 1024 * 1024) /* bytes of one DDL file */
#define DDL_NAME_MAX 64 /* agent, action, input and output names */

struct ddl_input {
	const char *name;
	enum ddl_type type;
	const char *description; /* "" when absent */
	const char *prompt; /* NULL when absent */
	int optional;
	const json_t *def; /* NULL when absent */
	const char *pattern; /* NULL when absent */
	regex_t re; /* once compiled is set */
	int compiled;
	long long maxlength; /* -1 when absent */
	const json_t *enumv; /* array or NULL */
	int shellsafe;
};

static const char *const unit_names[] = {
    [DDL_UNIT_NONE] = NULL,
    [DDL_UNIT_S] = "s",
    [DDL_UNIT_MS] = "ms",
    [DDL_UNIT_BYTES] = "bytes",
    [DDL_UNIT_TIME_MS] = "time_ms",
    [DDL_UNIT_TIME] = "time",
};

#define DDL_FORMAT_MAX 64 /* bytes of an aggregate's format */

const char *
ddl_unit_str(enum ddl_unit u)
{
	return (size_t)u < sizeof(unit_names) / sizeof(unit_names[0])
	    ? unit_names[u]
	    : NULL;
}

int
ddl_format_kind(const char *fmt)
{
	const char *p;
	size_t n;
	int kind = 0;

	if (fmt == NULL || strlen(fmt) > DDL_FORMAT_MAX)
		return 0;
	for (p = fmt; *p != '\0'; p++) {
		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		if (kind != 0)
			return 0; /* a second conversion */
		p++;
		p += strspn(p, "-+ #0");
		if ((n = strspn(p, "0123456789")) > 2)
			return 0; /* a width of 100 or more */
		p += n;
		if (*p == '.') {
			p++;
			if ((n = strspn(p, "0123456789")) > 2)
				return 0;
			p += n;
		}
		if (*p != '\0' && strchr("fFeEgG", *p) != NULL)
			kind = 'f';
		else if (*p == 'd' || *p == 'i')
			kind = 'd';
		else
			return 0;
	}
	return kind;
}

static const char *const type_names[] = {
    "string", "integer", "number", "boolean", "array", "object"};

const char *
ddl_type_str(enum ddl_type t)
{
	if ((unsigned)t < sizeof(type_names) / sizeof(type_names[0]))
		return type_names[t];
	return "unknown";
}

static void *
ddl_calloc(size_t n, size_t size)
{
	json_malloc_t m;
	json_free_t f;
	void *p;

	if (n == 0)
		n = 1;
	if (n > SIZE_MAX / size)
		return NULL;
	json_get_alloc_funcs(&m, &f);
	if ((p = m(n * size)) != NULL)
		memset(p, 0, n * size);
	return p;
}

static void
ddl_dealloc(void *p)
{
	json_malloc_t m;
	json_free_t f;

	if (p == NULL)
		return;
	json_get_alloc_funcs(&m, &f);
	f(p);
}

/*
 * A name from outside, fit for an error message: printable ASCII, other
 * bytes as '?', cut at 64 bytes.
 */
static const char *
show(const char *s, char buf[72])
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < 64; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (s[i] != '\0')
		buf[i++] = '.', buf[i++] = '.', buf[i++] = '.';
	buf[i] = '\0';
	return buf;
}

static int
type_parse(const char *s, enum ddl_type *ret)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]);
	     i++) {
		if (strcmp(s, type_names[i]) == 0) {
			*ret = (enum ddl_type)i;
			return 0;
		}
	}
	return -1;
}

static const char *
json_type_str(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	default:
		return "null";
	}
}

static int
type_match(enum ddl_type t, const json_t *v)
{
	switch (t) {
	case DDL_STRING:
		return json_is_string(v);
	case DDL_INTEGER:
		return json_is_integer(v);
	case DDL_NUMBER:
		return json_is_number(v);
	case DDL_BOOLEAN:
		return json_is_boolean(v);
	case DDL_ARRAY:
		return json_is_array(v);
	case DDL_OBJECT:
		return json_is_object(v);
	}
	return 0;
}

/* Names of agents, actions, inputs and outputs: [A-Za-z][A-Za-z0-9_-]*. */
static int
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > DDL_NAME_MAX || !isalpha((unsigned char)s[0]))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

/* Values. */

static int
values_equal(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	return json_equal(a, b);
}

static size_t
utf8_chars(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* The shellsafe fault of s, or NULL. */
static const char *
shell_fault(const char *s, size_t n, char buf[40])
{
	static const char bad[] = "`$;&|<>(){}[]\\'\"\n";

	if (n > 0 && s[0] == '-')
		return "starts with '-'";
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\0')
			return "contains a NUL byte";
		if (s[i] == '\n')
			return "contains a newline";
		if (strchr(bad, s[i]) != NULL) {
			snprintf(buf, 40, "contains '%c'", s[i]);
			return buf;
		}
	}
	if (memmem(s, n, "..", 2) != NULL)
		return "contains \"..\"";
	return NULL;
}

/* in's pattern, compiled on first use, or NULL with err set. */
static const regex_t *
input_regex(const struct ddl_input *in, struct error *err)
{
	struct ddl_input *w = (struct ddl_input *)in; /* allocated writable */

	if (!w->compiled) {
		if (pattern_compile(&w->re, w->pattern, REG_NOSUB, err) != 0)
			return NULL;
		w->compiled = 1;
	}
	return &w->re;
}

/*
 * Checks v against everything in. what names the value in messages
 * ("input \"app\"" or a DDL path). Returns 0 or MCE_INVALID with err set.
 */
static int
check_value(const struct ddl_input *in, const json_t *v, const char *what,
    struct error *err)
{
	char buf[40];

	if (!type_match(in->type, v)) {
		error_set(err, 0, 0, "%s: expected %s, got %s", what,
		    ddl_type_str(in->type), json_type_str(v));
		return MCE_INVALID;
	}
	if (in->type == DDL_STRING) {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		const char *fault = NULL;

		if (memchr(s, '\0', n) != NULL) {
			error_set(err, 0, 0, "%s: contains a NUL byte", what);
			return MCE_INVALID;
		}
		if (in->maxlength >= 0 &&
		    utf8_chars(s, n) > (size_t)in->maxlength) {
			error_set(err, 0, 0,
			    "%s: longer than maxlength %lld (%zu characters)",
			    what, in->maxlength, utf8_chars(s, n));
			return MCE_INVALID;
		}
		if (in->shellsafe && (fault = shell_fault(s, n, buf)) != NULL) {
			error_set(
			    err, 0, 0, "%s: not shellsafe (%s)", what, fault);
			return MCE_INVALID;
		}
		if (in->pattern != NULL) {
			const regex_t *re = input_regex(in, err);

			if (re == NULL)
				return MCE_INVALID;
			if (regexec(re, s, 0, NULL, 0) != 0) {
				error_set(err, 0, 0,
				    "%s: does not match pattern %s", what,
				    in->pattern);
				return MCE_INVALID;
			}
		}
	}
	if (in->enumv != NULL) {
		size_t i, o = 0;
		const json_t *e;
		char list[160];

		json_array_foreach(
		    in->enumv, i, e) if (values_equal(e, v)) return 0;
		list[0] = '\0';
		json_array_foreach(in->enumv, i, e)
		{
			char *t = json_dumps(e, JSON_ENCODE_ANY | JSON_COMPACT);

			if (o < sizeof(list))
				o += (size_t)snprintf(list + o,
				    sizeof(list) - o, "%s%s", i > 0 ? ", " : "",
				    t != NULL ? t : "?");
			free(t);
		}
		error_set(
		    err, 0, 0, "%s: not one of the enum values %s", what, list);
		return MCE_INVALID;
	}
	return 0;
}

/* Parsing the document. */

struct parse {
	struct error *err;
	char path[200];
};

static int perr(struct parse *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
perr(struct parse *p, const char *fmt, ...)
{
	char text[sizeof(p->err->text)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (p->path[0] != '\0')
		error_set(p->err, 0, 0, "%s: %s", p->path, text);
	else
		error_set(p->err, 0, 0, "%s", text);
	return MCE_INVALID;
}

/* Appends ".name" to the path; returns the old length to restore it. */
static size_t
path_push(struct parse *p, const char *name)
{
	size_t n = strlen(p->path);
	char buf[72];

	snprintf(p->path + n, sizeof(p->path) - n, "%s%s", n > 0 ? "." : "",
	    show(name, buf));
	return n;
}

static void
path_pop(struct parse *p, size_t n)
{
	p->path[n] = '\0';
}

/* Rejects keys of o outside allowed (NULL-terminated); "$comment" is
 * always allowed. */
static int
check_keys(struct parse *p, const json_t *o, const char *const *allowed)
{
	const char *k;
	const json_t *v;
	char buf[72];

	json_object_foreach((json_t *)o, k, v)
	{
		size_t i;

		if (strcmp(k, "$comment") == 0)
			continue;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(k, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL)
			return perr(p, "unknown key \"%s\"", show(k, buf));
	}
	return 0;
}

/* Optional string member; *ret stays as is when absent. */
static int
get_string(struct parse *p, const json_t *o, const char *key, const char **ret)
{
	const json_t *v = json_object_get(o, key);

	if (v == NULL)
		return 0;
	if (!json_is_string(v)) {
		size_t n = path_push(p, key);
		int r = perr(p, "must be a string, not %s", json_type_str(v));

		path_pop(p, n);
		return r;
	}
	*ret = json_string_value(v);
	return 0;
}

static int
get_bool(struct parse *p, const json_t *o, const char *key, int *ret)
{
	const json_t *v = json_object_get(o, key);

	if (v == NULL)
		return 0;
	if (!json_is_boolean(v)) {
		size_t n = path_push(p, key);
		int r =
		    perr(p, "must be true or false, not %s", json_type_str(v));

		path_pop(p, n);
		return r;
	}
	*ret = json_is_true(v);
	return 0;
}

static int
get_type(struct parse *p, const json_t *o, enum ddl_type *ret)
{
	const json_t *v = json_object_get(o, "type");
	char buf[72];

	if (v == NULL)
		return perr(p, "missing \"type\"");
	if (!json_is_string(v) || type_parse(json_string_value(v), ret) < 0)
		return perr(p,
		    json_is_string(v) ? "unknown type \"%s\" (string, "
					"integer, number, boolean, array, "
					"object)"
				      : "type must be a string%s",
		    json_is_string(v) ? show(json_string_value(v), buf) : "");
	return 0;
}

static void
input_clear(struct ddl_input *in)
{
	if (in->compiled)
		regfree(&in->re);
	in->compiled = 0;
	in->pattern = NULL;
}

static int
parse_input(struct parse *p, const char *name, const json_t *o, void *item)
{
	struct ddl_input *in = item;
	static const char *const keys[] = {"type", "description", "prompt",
	    "optional", "default", "pattern", "maxlength", "enum", "shellsafe",
	    NULL};
	const json_t *v;
	size_t n;
	int r;

	in->name = name;
	in->description = "";
	in->maxlength = -1;
	if (!json_is_object(o))
		return perr(p, "must be an object, not %s", json_type_str(o));
	if ((r = check_keys(p, o, keys)) < 0 ||
	    (r = get_type(p, o, &in->type)) < 0 ||
	    (r = get_string(p, o, "description", &in->description)) < 0 ||
	    (r = get_string(p, o, "prompt", &in->prompt)) < 0 ||
	    (r = get_bool(p, o, "optional", &in->optional)) < 0 ||
	    (r = get_bool(p, o, "shellsafe", &in->shellsafe)) < 0)
		return r;
	if (in->shellsafe && in->type != DDL_STRING)
		return perr(p, "shellsafe applies to strings only");
	if ((v = json_object_get(o, "maxlength")) != NULL) {
		if (in->type != DDL_STRING)
			return perr(p, "maxlength applies to strings only");
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return perr(p, "maxlength must be an integer >= 0");
		in->maxlength = json_integer_value(v);
	}
	if ((v = json_object_get(o, "pattern")) != NULL) {
		struct error e;

		if (in->type != DDL_STRING)
			return perr(p, "pattern applies to strings only");
		if (!json_is_string(v) ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return perr(p, "pattern must be a string");
		if (pattern_compile(
			&in->re, json_string_value(v), REG_NOSUB, &e) != 0) {
			n = path_push(p, "pattern");
			r = perr(p, "%s%s",
			    e.column == 0 ? "invalid regular expression: " : "",
			    e.text);
			path_pop(p, n);
			return r;
		}
		regfree(&in->re); /* checked; compiled again when first used */
		in->pattern = json_string_value(v);
	}
	if ((v = json_object_get(o, "enum")) != NULL) {
		size_t i;
		const json_t *e;
		char what[32];

		if (!json_is_array(v) || json_array_size(v) == 0)
			return perr(p, "enum must be a non-empty array");
		if (in->type == DDL_ARRAY || in->type == DDL_OBJECT)
			return perr(p,
			    "enum applies to strings, numbers and "
			    "booleans only");
		json_array_foreach(v, i, e)
		{
			if (!type_match(in->type, e)) {
				snprintf(what, sizeof(what), "enum[%zu]", i);
				n = path_push(p, what);
				r = perr(p, "expected %s, got %s",
				    ddl_type_str(in->type), json_type_str(e));
				path_pop(p, n);
				return r;
			}
		}
		in->enumv = v;
	}
	if ((v = json_object_get(o, "default")) != NULL) {
		char what[sizeof(p->path) + 16];

		snprintf(what, sizeof(what), "%s.default", p->path);
		if ((r = check_value(in, v, what, p->err)) < 0)
			return r;
		in->def = v;
	}
	return 0;
}

static int
parse_output(struct parse *p, const char *name, const json_t *o, void *item)
{
	struct ddl_output *out = item;
	static const char *const keys[] = {
	    "type", "description", "display_as", "default", "unit", NULL};
	const char *unit = NULL;
	const json_t *v;
	size_t u;
	int r;

	out->name = name;
	out->description = "";
	out->display_as = name;
	if (!json_is_object(o))
		return perr(p, "must be an object, not %s", json_type_str(o));
	if ((r = check_keys(p, o, keys)) < 0 ||
	    (r = get_type(p, o, &out->type)) < 0 ||
	    (r = get_string(p, o, "description", &out->description)) < 0 ||
	    (r = get_string(p, o, "display_as", &out->display_as)) < 0 ||
	    (r = get_string(p, o, "unit", &unit)) < 0)
		return r;
	for (u = 1;
	     unit != NULL && u < sizeof(unit_names) / sizeof(*unit_names); u++)
		if (strcmp(unit, unit_names[u]) == 0)
			out->unit = (enum ddl_unit)u;
	if (unit != NULL && out->unit == DDL_UNIT_NONE)
		return perr(p,
		    "unit must be \"s\", \"ms\", \"bytes\", \"time_ms\" or "
		    "\"time\"");
	if (unit != NULL && out->type != DDL_INTEGER && out->type != DDL_NUMBER)
		return perr(p, "unit applies to integers and numbers only");
	if ((v = json_object_get(o, "default")) != NULL) {
		if (!type_match(out->type, v))
			return perr(p, "default: expected %s, got %s",
			    ddl_type_str(out->type), json_type_str(v));
		out->def = v;
	}
	return 0;
}

static int
parse_aggregate(struct parse *p, const json_t *agg, const json_t *outputs)
{
	static const char *const keys[] = {
	    "function", "output", "format", NULL};
	const json_t *e;
	size_t i, n;
	char idx[32], buf[72];
	int r = 0;

	if (!json_is_array(agg))
		return perr(p, "must be an array, not %s", json_type_str(agg));
	json_array_foreach(agg, i, e)
	{
		const char *fn = NULL, *out = NULL, *fmt = NULL;

		snprintf(idx, sizeof(idx), "%zu", i);
		n = path_push(p, idx);
		if (!json_is_object(e))
			r = perr(
			    p, "must be an object, not %s", json_type_str(e));
		else if ((r = check_keys(p, e, keys)) < 0 ||
		    (r = get_string(p, e, "function", &fn)) < 0 ||
		    (r = get_string(p, e, "output", &out)) < 0 ||
		    (r = get_string(p, e, "format", &fmt)) < 0)
			;
		else if (fn == NULL || !name_ok(fn))
			r = perr(p,
			    fn == NULL ? "missing \"function\""
				       : "bad function name");
		else if (out == NULL)
			r = perr(p, "missing \"output\"");
		else if (json_object_get(outputs, out) == NULL)
			r = perr(p, "unknown output \"%s\"", show(out, buf));
		else if (fmt != NULL && ddl_format_kind(fmt) == 0)
			r = perr(p,
			    "format \"%s\": one conversion of a number "
			    "(%%d %%i %%f %%e %%g, with flags, width and "
			    "precision) and nothing else",
			    show(fmt, buf));
		path_pop(p, n);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Parses each member of o (an object) into items[i] of size bytes with fn,
 * under the path "group.NAME"; *ret_n counts the items touched, so that
 * they can be cleared after a failure.
 */
typedef int (*member_fn)(
    struct parse *p, const char *name, const json_t *o, void *item);

static int
parse_members(struct parse *p, const char *group, const char *kind,
    const json_t *o, member_fn fn, void *items, size_t size, size_t *ret_n)
{
	const char *k;
	const json_t *v;
	char buf[72];
	size_t i = 0, n;
	int r;

	json_object_foreach((json_t *)o, k, v)
	{
		n = path_push(p, group);
		path_push(p, k);
		if (!name_ok(k))
			r = perr(p, "bad %s name \"%s\"", kind, show(k, buf));
		else
			r = fn(p, k, v, (char *)items + i * size);
		*ret_n = ++i;
		path_pop(p, n);
		if (r < 0)
			return r;
	}
	return 0;
}

static void
action_clear(struct ddl_action *a)
{
	struct ddl_input *in = (struct ddl_input *)a->inputs;

	for (size_t i = 0; in != NULL && i < a->ninputs; i++)
		input_clear(&in[i]);
	ddl_dealloc(in);
	ddl_dealloc((void *)a->outputs);
	a->inputs = NULL;
	a->outputs = NULL;
}

static int
parse_action(struct parse *p, const char *name, const json_t *o, void *item)
{
	struct ddl_action *a = item;
	static const char *const keys[] = {"description", "display", "input",
	    "output", "aggregate", "inverse", NULL};
	const json_t *inputs, *outputs, *v;
	struct ddl_input *ins;
	struct ddl_output *outs;
	size_t n;
	int r;

	a->name = name;
	a->description = "";
	a->display = "failed";
	if (!json_is_object(o))
		return perr(p, "must be an object, not %s", json_type_str(o));
	if ((r = check_keys(p, o, keys)) < 0 ||
	    (r = get_string(p, o, "description", &a->description)) < 0 ||
	    (r = get_string(p, o, "display", &a->display)) < 0 ||
	    (r = get_string(p, o, "inverse", &a->inverse)) < 0)
		return r;
	if (strcmp(a->display, "always") != 0 &&
	    strcmp(a->display, "ok") != 0 && strcmp(a->display, "failed") != 0)
		return perr(
		    p, "display must be \"always\", \"ok\" or \"failed\"");
	inputs = json_object_get(o, "input");
	outputs = json_object_get(o, "output");
	if (inputs != NULL && !json_is_object(inputs))
		return perr(p, "input must be an object");
	if (outputs != NULL && !json_is_object(outputs))
		return perr(p, "output must be an object");
	if ((ins = ddl_calloc(json_object_size(inputs), sizeof(*ins))) ==
		NULL ||
	    (outs = ddl_calloc(json_object_size(outputs), sizeof(*outs))) ==
		NULL) {
		ddl_dealloc(ins);
		error_set(p->err, 0, 0, "out of memory");
		return -ENOMEM;
	}
	a->inputs = ins;
	a->outputs = outs;
	if ((r = parse_members(p, "input", "input", inputs, parse_input, ins,
		 sizeof(*ins), &a->ninputs)) < 0 ||
	    (r = parse_members(p, "output", "output", outputs, parse_output,
		 outs, sizeof(*outs), &a->noutputs)) < 0)
		return r;
	if ((v = json_object_get(o, "aggregate")) != NULL) {
		n = path_push(p, "aggregate");
		r = parse_aggregate(p, v, outputs);
		path_pop(p, n);
		if (r < 0)
			return r;
		a->aggregate = v;
	}
	return 0;
}

void
ddl_free(struct ddl *d)
{
	struct ddl_action *a;

	if (d == NULL)
		return;
	a = (struct ddl_action *)d->actions;
	for (size_t i = 0; a != NULL && i < d->nactions; i++)
		action_clear(&a[i]);
	ddl_dealloc(a);
	json_decref(d->doc);
	ddl_dealloc(d);
}

static int
parse_doc(struct parse *p, struct ddl *d)
{
	static const char *const keys[] = {"$schema", "agent", "version",
	    "description", "timeout", "actions", "author", "license", "url",
	    NULL};
	const json_t *doc = d->doc, *actions, *v;
	struct ddl_action *acts;
	char buf[72];
	int r;

	if (!json_is_object(doc))
		return perr(p, "a DDL must be a JSON object, not %s",
		    json_type_str(doc));
	d->version = "";
	d->description = "";
	if ((r = check_keys(p, doc, keys)) < 0 ||
	    (r = get_string(p, doc, "agent", &d->agent)) < 0 ||
	    (r = get_string(p, doc, "version", &d->version)) < 0 ||
	    (r = get_string(p, doc, "description", &d->description)) < 0)
		return r;
	if (d->agent == NULL)
		return perr(p, "missing \"agent\"");
	if (!name_ok(d->agent))
		return perr(p,
		    "agent: bad name \"%s\" (a letter, then letters, "
		    "digits, '_' or '-', at most %d)",
		    show(d->agent, buf), DDL_NAME_MAX);
	if ((v = json_object_get(doc, "timeout")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 86400)
			return perr(p,
			    "timeout: must be an integer from 0 to "
			    "86400 (seconds)");
		d->timeout = (int)json_integer_value(v);
	}
	actions = json_object_get(doc, "actions");
	if (actions == NULL)
		return perr(p, "missing \"actions\"");
	if (!json_is_object(actions) || json_object_size(actions) == 0)
		return perr(p,
		    "actions: must be an object with at least one "
		    "action");
	if ((acts = ddl_calloc(json_object_size(actions), sizeof(*acts))) ==
	    NULL) {
		error_set(p->err, 0, 0, "out of memory");
		return -ENOMEM;
	}
	d->actions = acts;
	if ((r = parse_members(p, "actions", "action", actions, parse_action,
		 acts, sizeof(*acts), &d->nactions)) < 0)
		return r;
	return 0;
}

int
ddl_parse(const char *text, size_t len, const char *source, struct ddl **ret,
    struct error *err)
{
	struct parse p = {.err = err};
	struct ddl *d;
	json_error_t jerr = {0};
	int r, oom;

	error_init(err, source);
	*ret = NULL;
	if ((d = ddl_calloc(1, sizeof(*d))) == NULL) {
		error_set(err, 0, 0, "out of memory");
		return -ENOMEM;
	}
	d->doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (d->doc == NULL) {
		/* jansson leaves the text empty, and the code unset, when it
		 * cannot allocate its first buffer. */
		oom = json_error_code(&jerr) == json_error_out_of_memory ||
		    jerr.text[0] == '\0';
		error_set(err, jerr.line, jerr.column, "%s",
		    oom ? "out of memory" : jerr.text);
		ddl_dealloc(d);
		return oom ? -ENOMEM : MCE_PARSE;
	}
	if ((r = parse_doc(&p, d)) < 0) {
		ddl_free(d);
		return r;
	}
	*ret = d;
	return 0;
}

int
ddl_load_file(const char *path, struct ddl **ret, struct error *err)
{
	char *buf;
	size_t len;
	int r;

	*ret = NULL;
	error_init(err, path);
	r = file_read(
	    path, FILE_REGULAR | FILE_TRUSTED, DDL_FILE_MAX, &buf, &len, err);
	if (r < 0)
		return r == -EFBIG ? MCE_TOOBIG : r == -EINVAL ? MCE_CONFIG : r;
	r = ddl_parse(buf, len, path, ret, err);
	free(buf);
	return r;
}

const struct ddl_action *
ddl_find_action(const struct ddl *d, const char *name)
{
	if (d == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < d->nactions; i++)
		if (strcmp(d->actions[i].name, name) == 0)
			return &d->actions[i];
	return NULL;
}

const char *
ddl_input_name(const struct ddl_action *a, size_t i)
{
	return i < a->ninputs ? a->inputs[i].name : NULL;
}

const char *
ddl_input_description(const struct ddl_action *a, size_t i)
{
	return i < a->ninputs ? a->inputs[i].description : NULL;
}

enum ddl_type
ddl_input_type(const struct ddl_action *a, size_t i)
{
	return i < a->ninputs ? a->inputs[i].type : DDL_STRING;
}

int
ddl_input_optional(const struct ddl_action *a, size_t i)
{
	return i < a->ninputs ? a->inputs[i].optional : 0;
}

static const struct ddl_input *
find_input(const struct ddl_action *a, const char *name)
{
	for (size_t i = 0; i < a->ninputs; i++)
		if (strcmp(a->inputs[i].name, name) == 0)
			return &a->inputs[i];
	return NULL;
}

/* Validation. */

int
ddl_validate(const struct ddl_action *a, json_t *data, struct error *err)
{
	const char *k;
	json_t *v;
	char what[96], buf[72];
	int r;

	if (a == NULL || !json_is_object(data)) {
		error_set(err, 0, 0, "data: expected an object, got %s",
		    data != NULL ? json_type_str(data) : "nothing");
		return MCE_INVALID;
	}
	json_object_foreach(data, k, v)
	{
		if (find_input(a, k) == NULL) {
			error_set(err, 0, 0,
			    "unknown input \"%s\" (action %s has %zu input%s)",
			    show(k, buf), a->name, a->ninputs,
			    a->ninputs == 1 ? "" : "s");
			return MCE_INVALID;
		}
	}
	for (size_t i = 0; i < a->ninputs; i++) {
		const struct ddl_input *in = &a->inputs[i];

		snprintf(what, sizeof(what), "input \"%s\"", in->name);
		if ((v = json_object_get(data, in->name)) != NULL) {
			if ((r = check_value(in, v, what, err)) < 0)
				return r;
		} else if (in->def == NULL && !in->optional) {
			error_set(err, 0, 0, "%s: required but missing", what);
			return MCE_MISSING;
		}
	}
	/* Only valid data gets its defaults. */
	for (size_t i = 0; i < a->ninputs; i++) {
		const struct ddl_input *in = &a->inputs[i];
		json_t *c;

		if (in->def == NULL || json_object_get(data, in->name) != NULL)
			continue;
		if ((c = json_deep_copy(in->def)) == NULL ||
		    json_object_set_new(data, in->name, c) < 0) {
			error_set(err, 0, 0, "out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}

/* CLI arguments. */

static json_t *
parse_integer(const char *s)
{
	char *end;
	long long n;

	if (!isdigit((unsigned char)s[s[0] == '-' || s[0] == '+']))
		return NULL;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return NULL;
	return json_integer(n);
}

static json_t *
parse_number(const char *s)
{
	json_t *v;
	char *end;
	double d;

	if ((v = parse_integer(s)) != NULL)
		return v;
	if (s[0] == '\0' || isspace((unsigned char)s[0]) ||
	    strpbrk(s, "xXnNiI") != NULL)
		return NULL;
	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(d))
		return NULL;
	return json_real(d);
}

static json_t *
parse_list(const char *s)
{
	json_t *arr = json_array();

	if (arr == NULL)
		return NULL;
	while (*s != '\0') {
		size_t n = strcspn(s, ","), b = 0, e = n;

		while (b < e && isspace((unsigned char)s[b]))
			b++;
		while (e > b && isspace((unsigned char)s[e - 1]))
			e--;
		if (e > b &&
		    json_array_append_new(arr, json_stringn(s + b, e - b)) <
			0) {
			json_decref(arr);
			return NULL;
		}
		s += n + (s[n] == ',');
	}
	return arr;
}

int
ddl_parse_argument(
    const struct ddl_action *a, const char *kv, json_t *data, struct error *err)
{
	const struct ddl_input *in;
	const char *eq, *s;
	json_t *v = NULL;
	json_error_t jerr;
	char key[DDL_NAME_MAX + 1], what[96], buf[72];
	size_t klen;
	int r;

	if (a == NULL || kv == NULL || !json_is_object(data)) {
		error_set(err, 0, 0, "no action or data");
		return -EINVAL;
	}
	if ((eq = strchr(kv, '=')) == NULL || eq == kv) {
		error_set(
		    err, 0, 0, "\"%s\": expected key=value", show(kv, buf));
		return MCE_INVALID;
	}
	klen = (size_t)(eq - kv);
	memcpy(key, kv, klen < DDL_NAME_MAX ? klen : DDL_NAME_MAX);
	key[klen < DDL_NAME_MAX ? klen : DDL_NAME_MAX] = '\0';
	if (klen > DDL_NAME_MAX || (in = find_input(a, key)) == NULL) {
		size_t o = 0;

		what[0] = '\0';
		for (size_t i = 0; i < a->ninputs && o < sizeof(what); i++)
			o += (size_t)snprintf(what + o, sizeof(what) - o,
			    "%s%s", i > 0 ? ", " : "", a->inputs[i].name);
		error_set(err, 0, 0,
		    "unknown input \"%s\" for action %s (inputs: %s)",
		    show(key, buf), a->name, a->ninputs > 0 ? what : "none");
		return MCE_INVALID;
	}
	s = eq + 1;
	snprintf(what, sizeof(what), "input \"%s\"", in->name);
	switch (in->type) {
	case DDL_STRING:
		v = json_string(s);
		break;
	case DDL_INTEGER:
		v = parse_integer(s);
		break;
	case DDL_NUMBER:
		v = parse_number(s);
		break;
	case DDL_BOOLEAN:
		if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0)
			v = json_true();
		else if (strcasecmp(s, "false") == 0 ||
		    strcasecmp(s, "no") == 0)
			v = json_false();
		break;
	case DDL_ARRAY:
		if (s[strspn(s, " \t")] == '[')
			v = json_loads(s, 0, &jerr);
		else
			v = parse_list(s);
		if (v != NULL && !json_is_array(v)) {
			json_decref(v);
			v = NULL;
		}
		break;
	case DDL_OBJECT:
		v = json_loads(s, 0, &jerr);
		if (v != NULL && !json_is_object(v)) {
			json_decref(v);
			v = NULL;
		}
		break;
	}
	if (v == NULL) {
		static const char *const expect[] = {
		    [DDL_STRING] = "UTF-8 text",
		    [DDL_INTEGER] = "an integer",
		    [DDL_NUMBER] = "a number",
		    [DDL_BOOLEAN] = "true, false, yes or no",
		    [DDL_ARRAY] = "a comma-separated list or a JSON array",
		    [DDL_OBJECT] = "a JSON object",
		};
		error_set(err, 0, 0, "%s: \"%s\" is not %s (type %s)", what,
		    show(s, buf), expect[in->type], ddl_type_str(in->type));
		return MCE_INVALID;
	}
	if ((r = check_value(in, v, what, err)) < 0) {
		json_decref(v);
		return r;
	}
	if (json_object_set_new(data, in->name, v) < 0) {
		error_set(err, 0, 0, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* Sets of DDLs. */

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
agent_cmp(const void *a, const void *b)
{
	return strcmp(
	    (*(struct ddl *const *)a)->agent, (*(struct ddl *const *)b)->agent);
}

static int
json_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

int
ddl_set_load_dir(struct ddl_set *set, const char *dir, struct error *err)
{
	struct ddl_set s = {NULL, 0};
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	set->ddls = NULL;
	set->n = 0;
	error_init(err, dir);
	if ((d = opendir(dir)) == NULL) {
		r = -errno;
		error_set(err, 0, 0, "cannot open directory: %s", strerror(-r));
		return r;
	}
	while ((de = readdir(d)) != NULL) {
		if (!json_name(de->d_name))
			continue;
		if (n == cap) {
			char **p;

			cap = cap != 0 ? cap * 2 : 16;
			if ((p = realloc(names, cap * sizeof(*p))) == NULL) {
				r = -ENOMEM;
				break;
			}
			names = p;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (r == 0 && n > 0 && (s.ddls = calloc(n, sizeof(*s.ddls))) == NULL)
		r = -ENOMEM;
	if (r < 0)
		error_set(err, 0, 0, "out of memory");
	if (names != NULL)
		qsort(names, n, sizeof(*names), str_cmp);
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct ddl *other;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if ((r = ddl_load_file(path, &s.ddls[s.n], err)) < 0)
			break;
		s.n++;
		if ((other = ddl_set_find(&s, s.ddls[s.n - 1]->agent)) !=
		    s.ddls[s.n - 1]) {
			error_init(err, path);
			error_set(err, 0, 0,
			    "agent \"%s\" is also described "
			    "by another file of %s",
			    other->agent, dir);
			r = MCE_INVALID;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (r < 0) {
		ddl_set_clear(&s);
		return r;
	}
	if (s.n > 1)
		qsort(s.ddls, s.n, sizeof(*s.ddls), agent_cmp);
	*set = s;
	return 0;
}

const struct ddl *
ddl_set_find(const struct ddl_set *set, const char *agent)
{
	if (set == NULL || agent == NULL)
		return NULL;
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->ddls[i]->agent, agent) == 0)
			return set->ddls[i];
	return NULL;
}

void
ddl_set_clear(struct ddl_set *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->n; i++)
		ddl_free(set->ddls[i]);
	free(set->ddls);
	set->ddls = NULL;
	set->n = 0;
}

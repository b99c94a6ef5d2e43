/* output.c: see output.h. */
#include "buildconf.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "message.h"
#include "orchestrator/output.h"
#include "orchestrator/units.h"
#include "strv.h"

/* The reply data key under which a dry run lists the argv of every command
 * the node would have run (agent/action.c). */
#define DRY_RUN_KEY "commands"

#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_OFF "\033[0m"

int
output_color_wanted(FILE *f)
{
	const char *nc = getenv("NO_COLOR");

	if (nc != NULL && nc[0] != '\0')
		return 0;
	return isatty(fileno(f));
}

/* A list of words as "a, b, c"; anything nested stays JSON. */
static char *
array_text(const json_t *v)
{
	char *buf = NULL, *t;
	size_t len = 0, i;
	const json_t *x;
	FILE *f;

	json_array_foreach(v, i,
	    x) if (json_is_array(x) || json_is_object(x)) return json_dumps(v,
	    JSON_COMPACT | JSON_SORT_KEYS);
	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	json_array_foreach(v, i, x)
	{
		t = output_value_text(x);
		fprintf(f, "%s%s", i > 0 ? ", " : "", t != NULL ? t : "?");
		free(t);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *
output_value_text(const json_t *v)
{
	char *s, *p;

	if (v == NULL || json_is_null(v))
		return strdup("-");
	if (json_is_array(v))
		return array_text(v);
	if (!json_is_string(v))
		return json_dumps(
		    v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
	/* Node data goes to terminals: no control characters. */
	if ((s = strdup(json_string_value(v))) == NULL)
		return NULL;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return s;
}

static json_t *
aggregate_one(const char *fn, const char *field, const struct results *rs)
{
	double sum = 0, min = 0, max = 0;
	size_t i, n = 0;
	json_t *counts;

	if (strcmp(fn, "summary") == 0) {
		if ((counts = json_object()) == NULL)
			return NULL;
		for (i = 0; i < rs->n; i++) {
			const json_t *v;
			char *t;
			json_int_t c;

			if (rs->v[i].kind != RES_OK ||
			    (v = json_object_get(rs->v[i].data, field)) == NULL)
				continue;
			if ((t = output_value_text(v)) == NULL)
				continue;
			c = json_integer_value(json_object_get(counts, t));
			json_object_set_new(counts, t, json_integer(c + 1));
			free(t);
		}
		return counts;
	}
	if (strcmp(fn, "sum") != 0 && strcmp(fn, "average") != 0 &&
	    strcmp(fn, "min") != 0 && strcmp(fn, "max") != 0)
		return NULL;
	for (i = 0; i < rs->n; i++) {
		const json_t *v;
		double d;

		if (rs->v[i].kind != RES_OK ||
		    (v = json_object_get(rs->v[i].data, field)) == NULL ||
		    !json_is_number(v))
			continue;
		d = json_number_value(v);
		if (n == 0 || d < min)
			min = d;
		if (n == 0 || d > max)
			max = d;
		sum += d;
		n++;
	}
	if (n == 0)
		return json_null();
	if (strcmp(fn, "sum") == 0)
		return json_real(sum);
	if (strcmp(fn, "average") == 0)
		return json_real(sum / (double)n);
	return json_real(strcmp(fn, "min") == 0 ? min : max);
}

json_t *
aggregate_compute(const json_t *spec, const struct results *rs)
{
	json_t *out = json_array(), *item;
	size_t i;

	if (out == NULL || !json_is_array(spec))
		return out;
	json_array_foreach(spec, i, item)
	{
		const char *fn =
		    json_string_value(json_object_get(item, "function"));
		const char *field =
		    json_string_value(json_object_get(item, "output"));
		json_t *res;

		if (fn == NULL || field == NULL)
			continue;
		if ((res = aggregate_one(fn, field, rs)) == NULL)
			continue;
		json_array_append_new(out,
		    json_pack("{s:s, s:s, s:o}", "function", fn, "output",
			field, "result", res));
	}
	return out;
}

static const char *const kind_names[] = {
    [RES_OK] = "ok",
    [RES_FAILED] = "failed",
    [RES_INVALID] = "invalid",
    [RES_LATE] = "late",
    [RES_MISSING] = "no reply",
    [RES_UNADDRESSED] = "not addressed",
};

json_t *
output_stats_json(const struct results *rs)
{
	json_int_t nnew = 0;
	size_t i;

	for (i = 0; i < rs->n; i++)
		nnew += rs->v[i].is_new != 0;
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "addressed", (json_int_t)rs->addressed, "ok",
	    (json_int_t)results_count(rs, RES_OK), "failed",
	    (json_int_t)results_count(rs, RES_FAILED), "invalid",
	    (json_int_t)results_count(rs, RES_INVALID), "invalid_more",
	    (json_int_t)rs->invalid_more, "late",
	    (json_int_t)results_count(rs, RES_LATE), "no_reply",
	    (json_int_t)results_count(rs, RES_MISSING), "not_addressed",
	    (json_int_t)results_count(rs, RES_UNADDRESSED), "new", nnew,
	    "elapsed_ms", (json_int_t)rs->elapsed_ms);
}

json_t *
output_result_json(const struct result *r)
{
	json_t *o;

	switch (r->kind) {
	case RES_INVALID:
		return json_pack("{s:s, s:s, s:s}", "type", "invalid",
		    "identity", r->identity, "reason",
		    r->why != NULL ? r->why : "");
	case RES_MISSING:
	case RES_UNADDRESSED:
		o = json_pack("{s:s, s:s}", "type",
		    r->kind == RES_MISSING ? "missing" : "not_addressed",
		    "identity", r->identity);
		if (o != NULL && (r->why != NULL || r->kind == RES_UNADDRESSED))
			json_object_set_new(o, "reason",
			    json_string(r->why != NULL ? r->why : ""));
		if (o != NULL && r->is_new)
			json_object_set_new(o, "new", json_true());
		return o;
	default:
		break;
	}
	o = json_pack("{s:s, s:s, s:s, s:i, s:s, s:O}", "type",
	    r->kind == RES_LATE ? "late" : "reply", "identity", r->identity,
	    "status", r->kind == RES_LATE ? "late" : kind_names[r->kind],
	    "statuscode", r->statuscode, "statusmsg",
	    r->statusmsg != NULL ? r->statusmsg : "", "data",
	    r->data != NULL ? r->data : json_object());
	if (o != NULL && r->rtt_ms >= 0)
		json_object_set_new(o, "rtt_ms", json_integer(r->rtt_ms));
	if (o != NULL)
		json_object_set_new(o, "new", json_boolean(r->is_new));
	return o;
}

json_t *
output_document(
    const json_t *request, const struct results *rs, const json_t *aggregates)
{
	json_t *doc, *replies, *invalid, *late, *missing, *why, *unaddr;
	size_t i;

	doc = json_object();
	replies = json_array();
	invalid = json_array();
	late = json_array();
	missing = json_array();
	why = json_object();
	unaddr = json_array();
	if (doc == NULL || replies == NULL || invalid == NULL || late == NULL ||
	    missing == NULL || why == NULL || unaddr == NULL) {
		json_decref(doc);
		json_decref(replies);
		json_decref(invalid);
		json_decref(late);
		json_decref(missing);
		json_decref(why);
		json_decref(unaddr);
		return NULL;
	}
	for (i = 0; i < rs->n; i++) {
		const struct result *r = &rs->v[i];
		json_t *o;

		if (r->kind == RES_MISSING) {
			json_array_append_new(
			    missing, json_string(r->identity));
			if (r->why != NULL)
				json_object_set_new(
				    why, r->identity, json_string(r->why));
			continue;
		}
		o = output_result_json(r);
		json_object_del(o, "type");
		json_array_append_new(r->kind == RES_INVALID ? invalid
			: r->kind == RES_LATE                ? late
			: r->kind == RES_UNADDRESSED         ? unaddr
							     : replies,
		    o);
	}
	json_object_set_new(doc, "missing_reasons", why);
	json_object_set_new(doc, "not_addressed", unaddr);
	json_object_set(
	    doc, "request", request != NULL ? (json_t *)request : json_null());
	json_object_set_new(doc, "replies", replies);
	json_object_set_new(doc, "invalid", invalid);
	json_object_set_new(doc, "late", late);
	json_object_set_new(doc, "missing", missing);
	json_object_set_new(doc, "stats", output_stats_json(rs));
	json_object_set_new(doc, "aggregates",
	    aggregates != NULL ? json_incref((json_t *)aggregates)
			       : json_array());
	return doc;
}

/* Appends to buf at *n, as long as it fits. */
static void append(char *buf, size_t size, int *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
append(char *buf, size_t size, int *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*n < 0 || (size_t)*n >= size)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + *n, size - (size_t)*n, fmt, ap);
	va_end(ap);
	*n = k < 0 ? -1 : *n + k;
}

void
output_summary(char *buf, size_t size, const struct results *rs)
{
	size_t ok = results_count(rs, RES_OK),
	       failed = results_count(rs, RES_FAILED),
	       invalid = results_count(rs, RES_INVALID),
	       late = results_count(rs, RES_LATE),
	       missing = results_count(rs, RES_MISSING),
	       unaddressed = results_count(rs, RES_UNADDRESSED),
	       nodes = ok + failed + late + missing + unaddressed, isnew = 0, i;
	int n = 0;

	/* An invalid reply is a claim, not a node: counted apart. */
	for (i = 0; i < rs->n; i++)
		if (rs->v[i].is_new && rs->v[i].kind != RES_INVALID)
			isnew++;
	buf[0] = '\0';
	append(buf, size, &n, "%zu node%s: %zu ok, %zu failed", nodes,
	    nodes == 1 ? "" : "s", ok, failed);
	if (late > 0)
		append(buf, size, &n, ", %zu late", late);
	append(buf, size, &n, ", %zu no reply", missing);
	if (unaddressed > 0)
		append(buf, size, &n, ", %zu not addressed", unaddressed);
	if (isnew > 0)
		append(buf, size, &n, ", %zu new", isnew);
	if (invalid > 0)
		append(buf, size, &n, "; %zu invalid repl%s", invalid,
		    invalid == 1 ? "y" : "ies");
	append(buf, size, &n, ", %.2f s", (double)rs->elapsed_ms / 1000.0);
}

static int
displayed(const struct result *r, enum display_mode display, int quiet)
{
	if (quiet && r->kind == RES_OK)
		return 0;
	switch (display) {
	case DISPLAY_OK:
		return r->kind == RES_OK;
	case DISPLAY_FAILED:
		return r->kind != RES_OK;
	default:
		return 1;
	}
}

/* One reply value as a table shows it: in its DDL unit when it has one. */
static char *
column_text(const struct ddl_output *o, const json_t *v)
{
	char buf[64];

	if (o != NULL && units_format(buf, sizeof(buf), o->unit, v) == 0)
		return strdup(buf);
	return output_value_text(v);
}

/* 1 when v is a non-empty array of objects (records): a table shows each
 * on a line of its own under the node's (print_records()). */
static int
is_records(const json_t *v)
{
	const json_t *x;
	size_t i;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return 0;
	json_array_foreach(v, i, x) if (!json_is_object(x)) return 0;
	return 1;
}

static void
print_columns(FILE *f, const struct result *r, const struct ddl_action *a)
{
	const char *key;
	json_t *v;
	size_t i;

	if (r->data == NULL)
		return;
	if (a != NULL && a->noutputs > 0) {
		for (i = 0; i < a->noutputs; i++) {
			const struct ddl_output *o = &a->outputs[i];
			char *t;

			if ((v = json_object_get(r->data, o->name)) == NULL ||
			    is_records(v))
				continue;
			t = column_text(o, v);
			fprintf(f, "  %s: %s",
			    o->display_as != NULL ? o->display_as : o->name,
			    t != NULL ? t : "?");
			free(t);
		}
		return;
	}
	json_object_foreach((json_t *)r->data, key, v)
	{
		char *t;

		if (strcmp(key, DRY_RUN_KEY) == 0)
			continue; /* print_commands() shows them */
		t = output_value_text(v);
		fprintf(f, "  %s: %s", key, t != NULL ? t : "?");
		free(t);
	}
}

void
output_shell_word(FILE *f, const char *w)
{
	const char *p;

	if (w[0] != '\0' &&
	    strspn(w,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789_-./=:,+@%") == strlen(w)) {
		fputs(w, f);
		return;
	}
	fputc('\'', f);
	for (p = w; *p != '\0'; p++)
		if (*p == '\'')
			fputs("'\\''", f);
		else
			fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p,
			    f);
	fputc('\'', f);
}

/* One field of a record: key=value, words quoted for the shell, a list of
 * words in brackets, a text of several lines as its size. */
static void
print_field(FILE *f, const char *key, const json_t *v)
{
	const json_t *w;
	size_t i;
	char *t;

	fprintf(f, " %s=", key);
	if (json_is_string(v) && strchr(json_string_value(v), '\n') != NULL)
		fprintf(f, "<%zu bytes>", strlen(json_string_value(v)));
	else if (json_is_string(v))
		output_shell_word(f, json_string_value(v));
	else if (json_is_array(v)) {
		fputc('[', f);
		json_array_foreach(v, i, w)
		{
			if (i > 0)
				fputc(' ', f);
			if (json_is_string(w))
				output_shell_word(f, json_string_value(w));
			else if ((t = output_value_text(w)) != NULL) {
				output_shell_word(f, t);
				free(t);
			}
		}
		fputc(']', f);
	} else if ((t = output_value_text(v)) != NULL) {
		output_shell_word(f, t);
		free(t);
	}
}

/*
 * The outputs that are lists of records (a service's daemons, a plan's
 * steps): one line per record under the node's line, "Label: key=value
 * ...", null fields left out, in the DDL's order of outputs.
 */
static void
print_records(
    FILE *f, const struct result *r, const struct ddl_action *a, size_t width)
{
	const json_t *v, *rec, *x;
	const char *key;
	size_t i, j;

	for (i = 0; a != NULL && r->data != NULL && i < a->noutputs; i++) {
		const struct ddl_output *o = &a->outputs[i];

		if (!is_records(v = json_object_get(r->data, o->name)))
			continue;
		json_array_foreach(v, j, rec)
		{
			fprintf(f, "%-*s  %s:", (int)width, "",
			    o->display_as != NULL ? o->display_as : o->name);
			json_object_foreach((json_t *)rec, key, x)
			{
				if (!json_is_null(x))
					print_field(f, key, x);
			}
			fputc('\n', f);
		}
	}
}

/*
 * The commands a node would have run (a dry run's reply carries them under
 * DRY_RUN_KEY, unless the action's DDL has an output of that name), one
 * line each, indented under the node's line.
 */
static void
print_commands(
    FILE *f, const struct result *r, const struct ddl_action *a, size_t width)
{
	const json_t *cmds = json_object_get(r->data, DRY_RUN_KEY), *argv, *w;
	size_t i, j;

	if (!json_is_array(cmds))
		return;
	for (i = 0; a != NULL && i < a->noutputs; i++)
		if (strcmp(a->outputs[i].name, DRY_RUN_KEY) == 0)
			return;
	json_array_foreach(cmds, i, argv)
	{
		fprintf(f, "%-*s  would run:", (int)width, "");
		json_array_foreach(argv, j, w)
		{
			fputc(' ', f);
			output_shell_word(
			    f, json_is_string(w) ? json_string_value(w) : "?");
		}
		fputc('\n', f);
	}
}

/* 1 and *ret when s is all of a number. */
static int
key_number(const char *s, double *ret)
{
	char *end;

	if (s[0] == '\0')
		return 0;
	*ret = strtod(s, &end);
	return *end == '\0' && isfinite(*ret);
}

static int
cmp_number_keys(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	double dx = 0, dy = 0;

	key_number(x, &dx);
	key_number(y, &dy);
	if (dx != dy)
		return dx < dy ? -1 : 1;
	return strcmp(x, y);
}

static int
cmp_text_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void
output_counts(FILE *f, const json_t *counts, const char *indent)
{
	const char **keys;
	const char *k;
	json_t *v;
	size_t n = 0, i, width = 1;
	int numeric = 1;
	double d;

	if ((keys = calloc(json_object_size(counts) + 1, sizeof(*keys))) ==
	    NULL)
		return;
	json_object_foreach((json_t *)counts, k, v)
	{
		keys[n++] = k;
		if (strlen(k) > width)
			width = strlen(k);
		if (!key_number(k, &d))
			numeric = 0;
	}
	qsort(
	    keys, n, sizeof(*keys), numeric ? cmp_number_keys : cmp_text_keys);
	if (width > 60)
		width = 60;
	for (i = 0; i < n; i++)
		fprintf(f, "%s%-*s  %6lld\n", indent, (int)width, keys[i],
		    (long long)json_integer_value(
			json_object_get(counts, keys[i])));
	free(keys);
}

/* The DDL entry of an aggregate result: its format, and its output's
 * unit. */
static void
aggregate_style(const struct ddl_action *a, const char *fn, const char *field,
    const char **ret_fmt, enum ddl_unit *ret_unit)
{
	const json_t *x;
	size_t i;

	*ret_fmt = NULL;
	*ret_unit = DDL_UNIT_NONE;
	if (a == NULL)
		return;
	json_array_foreach(a->aggregate, i, x)
	{
		const char *xfn =
		    json_string_value(json_object_get(x, "function"));
		const char *xout =
		    json_string_value(json_object_get(x, "output"));

		if (xfn != NULL && xout != NULL && strcmp(fn, xfn) == 0 &&
		    strcmp(field, xout) == 0)
			*ret_fmt =
			    json_string_value(json_object_get(x, "format"));
	}
	for (i = 0; i < a->noutputs; i++)
		if (strcmp(a->outputs[i].name, field) == 0)
			*ret_unit = a->outputs[i].unit;
}

static void
print_aggregates(
    FILE *f, const json_t *aggregates, const struct ddl_action *action)
{
	const json_t *item;
	size_t i;

	json_array_foreach(aggregates, i, item)
	{
		const json_t *res = json_object_get(item, "result");
		const char *field =
		    json_string_value(json_object_get(item, "output"));
		const char *fn =
		    json_string_value(json_object_get(item, "function"));
		const char *fmt;
		enum ddl_unit unit;
		char buf[128];

		if (fn == NULL || field == NULL)
			continue;
		if (json_is_object(res) && json_object_size(res) > 0) {
			fprintf(f, "\n%s of %s:\n", fn, field);
			output_counts(f, res, "  ");
			continue;
		}
		if (!json_is_number(res))
			continue;
		aggregate_style(action, fn, field, &fmt, &unit);
		if (fmt != NULL ||
		    units_format(buf, sizeof(buf), unit, res) < 0)
			units_number(
			    buf, sizeof(buf), fmt, json_number_value(res));
		fprintf(f, "\n%s of %s: %s\n", fn, field, buf);
	}
}

/* 1 when an earlier result of r's kind has r's why. */
static int
why_seen(const struct results *rs, size_t i)
{
	const struct result *r = &rs->v[i];

	for (size_t j = 0; j < i; j++)
		if (rs->v[j].kind == r->kind &&
		    (rs->v[j].why == NULL) == (r->why == NULL) &&
		    (r->why == NULL || strcmp(rs->v[j].why, r->why) == 0))
			return 1;
	return 0;
}

/*
 * Names the nodes of one kind after label, one line per reason when
 * by_why ("not addressed (no reply to discovery): a b"); nothing when
 * there are none.
 */
static void
print_names(FILE *f, const struct results *rs, enum result_kind kind,
    const char *label, int by_why, int color)
{
	size_t i, j;

	for (i = 0; i < rs->n; i++) {
		const struct result *r = &rs->v[i];

		if (r->kind != kind || (by_why && why_seen(rs, i)))
			continue;
		if (by_why && r->why != NULL)
			fprintf(f, "%s%s (%s):%s", color ? C_YELLOW : "", label,
			    r->why, color ? C_OFF : "");
		else
			fprintf(f, "%s%s:%s", color ? C_YELLOW : "", label,
			    color ? C_OFF : "");
		for (j = i; j < rs->n; j++)
			if (rs->v[j].kind == kind &&
			    (!by_why ||
				(rs->v[j].why == NULL) == (r->why == NULL)) &&
			    (!by_why || r->why == NULL ||
				strcmp(rs->v[j].why, r->why) == 0))
				fprintf(f, " %s", rs->v[j].identity);
		fputc('\n', f);
		if (!by_why)
			return;
	}
}

void
output_missing(FILE *f, const struct results *rs, int color)
{
	print_names(f, rs, RES_MISSING, "no reply from", 0, color);
	print_names(f, rs, RES_UNADDRESSED, "not addressed", 1, color);
	print_names(f, rs, RES_LATE, "late", 0, color);
}

void
output_nomatch(FILE *f, const json_t *filter)
{
	fprintf(f, "no node matched%s\n",
	    json_object_size(filter) > 0 ? " the filter" : "");
}

/* Which --ids set a result belongs to. */
static int
ids_member(const struct result *r, enum ids_mode ids)
{
	switch (ids) {
	case IDS_OK:
		return r->kind == RES_OK;
	case IDS_FAILED:
		return r->kind == RES_FAILED || r->kind == RES_INVALID;
	case IDS_SILENT:
		return r->kind == RES_MISSING || r->kind == RES_UNADDRESSED ||
		    r->kind == RES_LATE;
	case IDS_NOT_OK:
		return r->kind != RES_OK;
	case IDS_ALL:
		return 1;
	default:
		return 0;
	}
}

void
output_ids(FILE *f, const struct results *rs, enum ids_mode ids)
{
	struct strv seen = STRV_INIT;
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (ids_member(&rs->v[i], ids))
			strv_push(&seen, rs->v[i].identity);
	/* One line per identity, even when a node both answered and was
	 * impersonated. */
	strv_sort_uniq(&seen);
	for (i = 0; i < seen.n; i++)
		fprintf(f, "%s\n", seen.v[i]);
	strv_clear(&seen);
}

/* The comparisons of --sort, on pointers to results. */
static int
cmp_identity(const void *a, const void *b)
{
	const struct result *x = *(const struct result *const *)a,
			    *y = *(const struct result *const *)b;
	int c = strcmp(x->identity, y->identity);

	return c != 0 ? c : (int)x->kind - (int)y->kind;
}

static int
cmp_status(const void *a, const void *b)
{
	const struct result *x = *(const struct result *const *)a,
			    *y = *(const struct result *const *)b;

	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	return cmp_identity(a, b);
}

static int
cmp_time(const void *a, const void *b)
{
	const struct result *x = *(const struct result *const *)a,
			    *y = *(const struct result *const *)b;

	/* No time (no reply) after every time. */
	if ((x->rtt_ms < 0) != (y->rtt_ms < 0))
		return x->rtt_ms < 0 ? 1 : -1;
	if (x->rtt_ms != y->rtt_ms)
		return x->rtt_ms < y->rtt_ms ? -1 : 1;
	return cmp_status(a, b);
}

const struct result **
output_order(const struct results *rs, enum sort_key sort)
{
	const struct result **v = calloc(rs->n + 1, sizeof(*v));
	size_t i;

	if (v == NULL)
		return NULL;
	for (i = 0; i < rs->n; i++)
		v[i] = &rs->v[i];
	qsort(v, rs->n, sizeof(*v),
	    sort == SORT_IDENTITY   ? cmp_identity
		: sort == SORT_TIME ? cmp_time
				    : cmp_status);
	return v;
}

size_t
output_width(const struct results *rs)
{
	size_t i, width = 8;

	for (i = 0; i < rs->n; i++)
		if (strlen(rs->v[i].identity) > width)
			width = strlen(rs->v[i].identity);
	return width > 60 ? 60 : width;
}

void
output_row_head(FILE *f, const struct result *r, size_t width, int color)
{
	const char *col = r->kind == RES_OK ? C_GREEN
	    : r->kind == RES_LATE || r->kind == RES_MISSING ||
		r->kind == RES_UNADDRESSED
	    ? C_YELLOW
	    : C_RED;
	const char *status = r->kind == RES_OK ? "OK"
	    : r->kind == RES_FAILED ? message_status_str(r->statuscode)
				    : kind_names[r->kind];

	if (r->kind == RES_INVALID) {
		/* A claim, not a node: the identity column stays empty. */
		fprintf(f, "%-*s  %sinvalid reply%s (claims to be %s): %s",
		    (int)width, "-", color ? col : "", color ? C_OFF : "",
		    r->identity, r->why != NULL ? r->why : "");
		return;
	}
	fprintf(f, "%-*s  %s%-14s%s", (int)width, r->identity, color ? col : "",
	    status, color ? C_OFF : "");
	if (r->is_new)
		fputs("  (new)", f);
	if (r->kind == RES_FAILED && r->statusmsg != NULL)
		fprintf(f, "  %s", r->statusmsg);
	if ((r->kind == RES_MISSING || r->kind == RES_UNADDRESSED) &&
	    r->why != NULL)
		fprintf(f, "  %s", r->why);
}

static enum display_mode
display_of(const struct orch_opts *o, const struct ddl_action *action)
{
	const char *d = action != NULL ? action->display : NULL;

	if (o->display != DISPLAY_DDL)
		return o->display;
	return d == NULL || strcmp(d, "always") == 0 ? DISPLAY_ALL
	    : strcmp(d, "ok") == 0                   ? DISPLAY_OK
						     : DISPLAY_FAILED;
}

void
output_human(FILE *f, const struct results *rs, const struct ddl_action *action,
    const struct orch_opts *o, int color, const json_t *aggregates)
{
	enum display_mode display = display_of(o, action);
	size_t i, width = output_width(rs);
	const struct result **idx;
	char summary[256];

	if (rs->n == 0) {
		output_nomatch(f, o->filter);
		return;
	}
	if ((idx = output_order(rs, o->sort)) == NULL)
		return;
	for (i = 0; i < rs->n; i++) {
		const struct result *r = idx[i];

		if (!displayed(r, display, o->quiet))
			continue;
		output_row_head(f, r, width, color);
		if (r->kind == RES_OK || r->kind == RES_LATE)
			print_columns(f, r, action);
		fputc('\n', f);
		if (r->kind == RES_OK || r->kind == RES_LATE)
			print_records(f, r, action, width);
		if (r->kind == RES_OK || r->kind == RES_FAILED ||
		    r->kind == RES_LATE)
			print_commands(f, r, action, width);
	}
	free((void *)idx);
	output_summary(summary, sizeof(summary), rs);
	fprintf(f, "\n%s\n", summary);
	output_missing(f, rs, color);
	if (aggregates != NULL)
		print_aggregates(f, aggregates, action);
}

/* "label:" and one item a line, "(none)" for an empty list. */
static void
print_list(FILE *f, const char *label, const json_t *v)
{
	const json_t *x;
	size_t i;

	fprintf(f, "%s:\n", label);
	if (!json_is_array(v) || json_array_size(v) == 0) {
		fprintf(f, "  (none)\n");
		return;
	}
	json_array_foreach(v, i, x)
	{
		char *t = output_value_text(x);

		fprintf(f, "  %s\n", t != NULL ? t : "?");
		free(t);
	}
}

/* "  name = value" for each fact, by name. */
static void
print_facts(FILE *f, const json_t *facts)
{
	const char **keys;
	const char *k;
	json_t *v;
	size_t n = 0, i, width = 1;

	if (json_object_size(facts) == 0) {
		fprintf(f, "  (none)\n");
		return;
	}
	if ((keys = calloc(json_object_size(facts), sizeof(*keys))) == NULL)
		return;
	json_object_foreach((json_t *)facts, k, v)
	{
		keys[n++] = k;
		if (strlen(k) > width)
			width = strlen(k);
	}
	qsort(keys, n, sizeof(*keys), cmp_text_keys);
	if (width > 40)
		width = 40;
	for (i = 0; i < n; i++) {
		json_t *ks = json_string(keys[i]);
		/* Names come from the node too: no control characters. */
		char *t = output_value_text(json_object_get(facts, keys[i])),
		     *name = output_value_text(ks);

		json_decref(ks);
		fprintf(f, "  %-*s = %s\n", (int)width,
		    name != NULL ? name : "?", t != NULL ? t : "?");
		free(t);
		free(name);
	}
	free(keys);
}

void
output_inventory(FILE *f, const struct result *r, const struct ddl_action *a)
{
	const json_t *d = r->data, *facts = json_object_get(d, "facts");
	const struct ddl_output *up = NULL;
	char *t;
	size_t i;

	for (i = 0; a != NULL && i < a->noutputs; i++)
		if (strcmp(a->outputs[i].name, "uptime") == 0)
			up = &a->outputs[i];
	fprintf(
	    f, "identity:    %s%s\n", r->identity, r->is_new ? "  (new)" : "");
	t = output_value_text(json_object_get(d, "version"));
	fprintf(f, "version:     %s\n", t != NULL ? t : "?");
	free(t);
	t = column_text(up, json_object_get(d, "uptime"));
	fprintf(f, "uptime:      %s\n", t != NULL ? t : "?");
	free(t);
	print_list(f, "agents", json_object_get(d, "agents"));
	print_list(f, "classes", json_object_get(d, "classes"));
	print_list(f, "collectives", json_object_get(d, "collectives"));
	if (json_is_object(facts)) {
		fprintf(f, "facts:\n");
		print_facts(f, facts);
	} else
		fprintf(f, "facts:       %lld\n",
		    (long long)json_integer_value(
			json_object_get(d, "fact_count")));
}

/* output.c: see output.h. */
#include "buildconf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "message.h"
#include "orchestrator/output.h"

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

void
output_summary(char *buf, size_t size, const struct results *rs)
{
	size_t ok = results_count(rs, RES_OK),
	       failed = results_count(rs, RES_FAILED),
	       invalid = results_count(rs, RES_INVALID),
	       late = results_count(rs, RES_LATE),
	       missing = results_count(rs, RES_MISSING);
	int n;

	n = snprintf(buf, size, "%zu node%s: %zu ok, %zu failed",
	    ok + failed + late + missing,
	    ok + failed + late + missing == 1 ? "" : "s", ok, failed);
	if (invalid > 0 && n > 0 && (size_t)n < size)
		n += snprintf(
		    buf + n, size - (size_t)n, ", %zu invalid", invalid);
	if (late > 0 && n > 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, ", %zu late", late);
	if (n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, ", %zu no reply, %.2f s",
		    missing, (double)rs->elapsed_ms / 1000.0);
}

static int
displayed(const struct result *r, enum display_mode display)
{
	switch (display) {
	case DISPLAY_OK:
		return r->kind == RES_OK;
	case DISPLAY_FAILED:
		return r->kind != RES_OK;
	default:
		return 1;
	}
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

			if ((v = json_object_get(r->data, o->name)) == NULL)
				continue;
			t = output_value_text(v);
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

/* One word as a POSIX shell reads it back: bare when it is plain, else
 * in single quotes; control characters become '?'. */
static void
print_word(FILE *f, const char *w)
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
			print_word(
			    f, json_is_string(w) ? json_string_value(w) : "?");
		}
		fputc('\n', f);
	}
}

static void
print_aggregates(FILE *f, const json_t *aggregates)
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

		if (json_is_object(res) && json_object_size(res) > 0) {
			const char *k;
			json_t *v;

			fprintf(f, "\n%s of %s:\n", fn, field);
			json_object_foreach((json_t *)res, k, v)
			    fprintf(f, "  %s: %lld\n", k,
				(long long)json_integer_value(v));
		} else if (json_is_number(res)) {
			fprintf(f, "\n%s of %s: %g\n", fn, field,
			    json_number_value(res));
		}
	}
}

void
output_missing(FILE *f, const struct results *rs, int color)
{
	size_t i;

	if (results_count(rs, RES_MISSING) == 0)
		return;
	fprintf(
	    f, "%sno reply from:%s", color ? C_YELLOW : "", color ? C_OFF : "");
	for (i = 0; i < rs->n; i++)
		if (rs->v[i].kind == RES_MISSING)
			fprintf(f, " %s", rs->v[i].identity);
	fputc('\n', f);
}

void
output_human(FILE *f, const struct results *rs, const struct ddl_action *action,
    enum display_mode display, int color, const json_t *aggregates)
{
	size_t i, width = 8, nmissing = 0;
	char summary[256];

	if (display == DISPLAY_DDL) {
		const char *d = action != NULL ? action->display : NULL;

		display = d == NULL || strcmp(d, "always") == 0 ? DISPLAY_ALL
		    : strcmp(d, "ok") == 0                      ? DISPLAY_OK
					   : DISPLAY_FAILED;
	}
	for (i = 0; i < rs->n; i++)
		if (strlen(rs->v[i].identity) > width)
			width = strlen(rs->v[i].identity);
	if (width > 60)
		width = 60;
	for (i = 0; i < rs->n; i++) {
		const struct result *r = &rs->v[i];
		const char *col = r->kind == RES_OK                 ? C_GREEN
		    : r->kind == RES_LATE || r->kind == RES_MISSING ? C_YELLOW
								    : C_RED;
		char status[32];

		if (r->kind == RES_MISSING)
			nmissing++;
		if (!displayed(r, display))
			continue;
		if (r->kind == RES_FAILED)
			snprintf(status, sizeof(status), "%s",
			    message_status_str(r->statuscode));
		else
			snprintf(status, sizeof(status), "%s",
			    r->kind == RES_OK ? "OK" : kind_names[r->kind]);
		fprintf(f, "%-*s  %s%-14s%s", (int)width, r->identity,
		    color ? col : "", status, color ? C_OFF : "");
		if (r->kind == RES_OK || r->kind == RES_LATE)
			print_columns(f, r, action);
		if (r->kind == RES_FAILED && r->statusmsg != NULL)
			fprintf(f, "  %s", r->statusmsg);
		if (r->kind == RES_INVALID || r->kind == RES_UNADDRESSED)
			fprintf(f, "  %s", r->why != NULL ? r->why : "");
		fputc('\n', f);
		if (r->kind == RES_OK || r->kind == RES_FAILED ||
		    r->kind == RES_LATE)
			print_commands(f, r, action, width);
	}
	output_summary(summary, sizeof(summary), rs);
	fprintf(f, "\n%s\n", summary);
	if (nmissing > 0)
		output_missing(f, rs, color);
	if (aggregates != NULL)
		print_aggregates(f, aggregates);
}

/*
 * test_orch_output.c: results, exit statuses, aggregates, the human,
 * JSON and progress renderings, and the node cache.
 */
#include "buildconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "orchestrator/cli.h"
#include "orchestrator/output.h"
#include "orchestrator/progress.h"
#include "orchestrator/results.h"
#include "orchestrator/units.h"
#include "test_orch_run.h"

static struct results rs;

static void
teardown(void)
{
	results_clear(&rs);
}

static void
add_ok(const char *id, const char *status, int pid)
{
	ck_assert_ptr_nonnull(results_add(&rs, id, RES_OK, 0, "OK",
	    json_pack("{s:s, s:i}", "status", status, "pid", pid), 5, NULL));
}

/* Renders with the options o into a string; caller frees. */
static char *
render_opts(
    const struct ddl_action *a, const struct orch_opts *o, const json_t *agg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	output_human(f, &rs, a, o, 0, agg);
	fclose(f);
	return buf;
}

static char *
render(const struct ddl_action *a, enum display_mode d, const json_t *agg)
{
	struct orch_opts o = {.display = d};

	return render_opts(a, &o, agg);
}

START_TEST(exit_statuses)
{
	ck_assert_int_eq(results_exit_status(&rs), MC_EXIT_NOMATCH);
	rs.addressed = 2;
	add_ok("a", "running", 1);
	ck_assert_int_eq(results_exit_status(&rs), MC_EXIT_OK);
	results_add(&rs, "b", RES_FAILED, 6, "not authorised", NULL, 3, NULL);
	ck_assert_int_eq(results_exit_status(&rs), MC_EXIT_FAILED);
	results_add(&rs, "c", RES_MISSING, -1, NULL, NULL, -1, NULL);
	ck_assert_int_eq(results_exit_status(&rs), MC_EXIT_MISSING);
	results_clear(&rs);
	rs.addressed = 1;
	results_add(&rs, "x", RES_INVALID, -1, NULL, NULL, -1, "bad sig");
	ck_assert_int_eq(results_exit_status(&rs), MC_EXIT_FAILED);
	results_add(&rs, "y", RES_LATE, 0, "OK", NULL, -1, NULL);
	ck_assert_int_eq(results_exit_status(&rs), MC_EXIT_MISSING);
}
END_TEST

START_TEST(control_characters_never_reach_the_terminal)
{
	json_t *v = json_string("a\033[2Jb\r");
	struct result *r;
	char *t;

	r = results_add(&rs, "evil\033]0;x\a", RES_INVALID, -1, NULL, NULL, -1,
	    "bad\nline");
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->identity, "evil?]0;x?");
	ck_assert_str_eq(r->why, "bad?line");
	t = output_value_text(v);
	ck_assert_str_eq(t, "a?[2Jb?");
	free(t);
	json_decref(v);
}
END_TEST

START_TEST(value_texts)
{
	const struct {
		const char *json, *text;
	} cases[] = {{"[\"web\", \"front\"]", "web, front"}, {"[]", ""},
	    {"[1, true, null]", "1, true, -"}, {"[[1]]", "[[1]]"},
	    {"{\"b\":1,\"a\":2}", "{\"a\":2,\"b\":1}"}, {"3.5", "3.5"},
	    {"null", "-"}, {"[\"a\\u001b\"]", "a?"}};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
		char *t = output_value_text(v);

		ck_assert_msg(t != NULL && strcmp(t, cases[i].text) == 0,
		    "%s: '%s'", cases[i].json, t);
		free(t);
		json_decref(v);
	}
}
END_TEST

START_TEST(sort_puts_failures_last)
{
	results_add(&rs, "z", RES_MISSING, -1, NULL, NULL, -1, NULL);
	results_add(&rs, "b", RES_FAILED, 5, "boom", NULL, 3, NULL);
	add_ok("c", "x", 1);
	add_ok("a", "x", 1);
	results_add(&rs, "m", RES_INVALID, -1, NULL, NULL, -1, "why");
	results_sort(&rs);
	ck_assert_str_eq(rs.v[0].identity, "a");
	ck_assert_str_eq(rs.v[1].identity, "c");
	ck_assert_str_eq(rs.v[2].identity, "b");
	ck_assert_str_eq(rs.v[3].identity, "m");
	ck_assert_str_eq(rs.v[4].identity, "z");
	ck_assert_ptr_nonnull(results_find(&rs, "z", 1u << RES_MISSING));
	ck_assert_ptr_null(results_find(&rs, "z", 1u << RES_OK));
}
END_TEST

START_TEST(aggregates)
{
	json_t *spec = json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s},"
				 "{s:s,s:s},{s:s,s:s}]",
	    "function", "summary", "output", "status", "function", "sum",
	    "output", "pid", "function", "average", "output", "pid", "function",
	    "max", "output", "pid", "function", "min", "output", "pid",
	    "function", "nonsense", "output", "pid");
	json_t *agg, *counts;

	add_ok("a", "running", 10);
	add_ok("b", "running", 20);
	add_ok("c", "stopped", 60);
	/* Failed replies do not count. */
	results_add(&rs, "d", RES_FAILED, 5, "x",
	    json_pack("{s:s, s:i}", "status", "running", "pid", 1000), 1, NULL);
	agg = aggregate_compute(spec, &rs);
	ck_assert_uint_eq(json_array_size(agg), 5);
	counts = json_object_get(json_array_get(agg, 0), "result");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(counts, "running")), 2);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(counts, "stopped")), 1);
	ck_assert_double_eq(
	    json_real_value(json_object_get(json_array_get(agg, 1), "result")),
	    90.0);
	ck_assert_double_eq(
	    json_real_value(json_object_get(json_array_get(agg, 2), "result")),
	    30.0);
	ck_assert_double_eq(
	    json_real_value(json_object_get(json_array_get(agg, 3), "result")),
	    60.0);
	ck_assert_double_eq(
	    json_real_value(json_object_get(json_array_get(agg, 4), "result")),
	    10.0);
	json_decref(agg);
	json_decref(spec);
}
END_TEST

START_TEST(dry_run_commands)
{
	struct ddl_action a = {.name = "restart", .display = "always"};
	char *out;

	results_add(&rs, "web1", RES_OK, 0, "OK",
	    json_pack("{s:[[s,s,s],[s,s]]}", "commands", "systemctl", "restart",
		"my app's", "/bin/echo", "x\ny"),
	    3, NULL);
	results_add(&rs, "web2", RES_OK, 0, "OK", json_object(), 3, NULL);
	results_sort(&rs);
	out = render(&a, DISPLAY_ALL, NULL);
	/* Under the node's line, quoted for the shell where needed, control
	 * characters replaced. */
	ck_assert_ptr_nonnull(strstr(out,
	    "web1      OK            \n"
	    "          would run: systemctl restart 'my app'\\''s'\n"
	    "          would run: /bin/echo 'x?y'\n"
	    "web2 "));
	ck_assert_ptr_null(strstr(out, "commands:"));
	free(out);
}
END_TEST

START_TEST(records_one_line_each)
{
	struct ddl_output outs[] = {
	    {.name = "manager", .display_as = "Manager"},
	    {.name = "daemons", .display_as = "Daemons"},
	    {.name = "plan", .display_as = "Plan"},
	};
	struct ddl_action a = {.name = "restart",
	    .display = "always",
	    .outputs = outs,
	    .noutputs = 3};
	char *out;

	results_add(&rs, "web1", RES_OK, 0, "OK",
	    json_pack("{s:s, s:[{s:s, s:s, s:i, s:n}, {s:s, s:s, s:i, s:n}],"
		      " s:[{s:s, s:s}, {s:[s,s,s]}]}",
		"manager", "runit", "daemons", "daemon", "web", "state", "up",
		"pid", 41, "last_exit", "daemon", "tick", "state", "down",
		"pid", 0, "last_exit", "plan", "write", "/sv/x/run", "content",
		"#!/bin/sh\nexec x\n", "run", "sv", "down", "/sv/my app"),
	    3, NULL);
	results_sort(&rs);
	out = render(&a, DISPLAY_ALL, NULL);
	/* Scalars stay on the node's line; each record gets one of its own,
	 * null fields left out, words quoted, texts as their size. */
	ck_assert_ptr_nonnull(strstr(out,
	    "web1      OK              Manager: runit\n"
	    "          Daemons: daemon=web state=up pid=41\n"
	    "          Daemons: daemon=tick state=down pid=0\n"
	    "          Plan: write=/sv/x/run content=<17 bytes>\n"
	    "          Plan: run=[sv down '/sv/my app']\n"));
	ck_assert_ptr_null(strstr(out, "[{"));
	free(out);
}
END_TEST

START_TEST(human_lines_and_summary)
{
	struct ddl_output outs[] = {
	    {.name = "status", .type = DDL_STRING, .display_as = "Status"},
	    {.name = "pid", .type = DDL_INTEGER, .display_as = "PID"}};
	struct ddl_action a = {.name = "status",
	    .display = "always",
	    .outputs = outs,
	    .noutputs = 2};
	json_t *spec = json_pack(
		   "[{s:s,s:s}]", "function", "summary", "output", "status"),
	       *agg;
	char *out;

	rs.addressed = 4;
	rs.elapsed_ms = 1234;
	add_ok("web1", "running", 42);
	results_add(
	    &rs, "web2", RES_FAILED, 6, "denied by policy", NULL, 3, NULL);
	results_add(&rs, "web3", RES_MISSING, -1, NULL, NULL, -1, NULL);
	add_ok("web0", "stopped", 7);
	results_sort(&rs);
	agg = aggregate_compute(spec, &rs);
	out = render(&a, DISPLAY_DDL, agg);
	ck_assert_ptr_nonnull(strstr(out, "web0      OK"));
	ck_assert_ptr_nonnull(strstr(out, "Status: running  PID: 42"));
	ck_assert_ptr_nonnull(strstr(out, "not authorised"));
	ck_assert_ptr_nonnull(strstr(out, "denied by policy"));
	ck_assert_ptr_nonnull(
	    strstr(out, "4 nodes: 2 ok, 1 failed, 1 no reply, 1.23 s"));
	ck_assert_ptr_nonnull(strstr(out, "no reply from: web3\n"));
	ck_assert_ptr_nonnull(strstr(out, "summary of status:\n"));
	ck_assert_ptr_nonnull(strstr(out, "  running       1\n"));
	/* ok first, failures after. */
	ck_assert(strstr(out, "web1") < strstr(out, "web2"));
	ck_assert_ptr_null(strstr(out, "\033["));
	free(out);
	out = render(&a, DISPLAY_FAILED, NULL);
	ck_assert_ptr_null(strstr(out, "web1 "));
	ck_assert_ptr_nonnull(strstr(out, "web2"));
	free(out);
	a.display = "ok";
	out = render(&a, DISPLAY_DDL, NULL);
	ck_assert_ptr_nonnull(strstr(out, "web1 "));
	ck_assert_ptr_null(strstr(out, "web2 "));
	free(out);
	out = render(&a, DISPLAY_ALL, NULL);
	ck_assert_ptr_nonnull(strstr(out, "web2 "));
	free(out);
	json_decref(agg);
	json_decref(spec);
}
END_TEST

START_TEST(units_for_people)
{
	char buf[64];
	json_t *v;

	units_duration(buf, sizeof(buf), 340);
	ck_assert_str_eq(buf, "340 ms");
	units_duration(buf, sizeof(buf), 4500);
	ck_assert_str_eq(buf, "4.5 s");
	units_duration(buf, sizeof(buf), 43000);
	ck_assert_str_eq(buf, "43 s");
	units_duration(buf, sizeof(buf), 343000);
	ck_assert_str_eq(buf, "5m 43s");
	units_duration(buf, sizeof(buf), (2 * 3600 + 3 * 60 + 59) * 1000LL);
	ck_assert_str_eq(buf, "2h 03m");
	units_duration(buf, sizeof(buf), (3 * 86400 + 4 * 3600) * 1000LL);
	ck_assert_str_eq(buf, "3d 04h");
	units_bytes(buf, sizeof(buf), 512);
	ck_assert_str_eq(buf, "512 B");
	units_bytes(buf, sizeof(buf), 12.3 * 1024 * 1024);
	ck_assert_str_eq(buf, "12.3 MiB");
	units_bytes(buf, sizeof(buf), 2048);
	ck_assert_str_eq(buf, "2.0 KiB");
	setenv("TZ", "UTC", 1);
	tzset();
	units_time(buf, sizeof(buf), 1796184429868LL, 1);
	ck_assert_str_eq(buf, "2026-12-02T04:07:09.868+00:00");
	units_time(buf, sizeof(buf), 1796184429000LL, 0);
	ck_assert_str_eq(buf, "2026-12-02T04:07:09+00:00");
	setenv("TZ", "CET-1", 1);
	tzset();
	units_time(buf, sizeof(buf), 1796184429000LL, 0);
	ck_assert_str_eq(buf, "2026-12-02T05:07:09+01:00");
	setenv("TZ", "UTC", 1);
	tzset();
	v = json_integer(343);
	ck_assert_int_eq(units_format(buf, sizeof(buf), DDL_UNIT_S, v), 0);
	ck_assert_str_eq(buf, "5m 43s");
	ck_assert_int_eq(units_format(buf, sizeof(buf), DDL_UNIT_NONE, v), -1);
	json_decref(v);
	v = json_string("343");
	ck_assert_int_eq(units_format(buf, sizeof(buf), DDL_UNIT_S, v), -1);
	json_decref(v);
	v = json_integer(0); /* an uptime of 0 is whole seconds too */
	ck_assert_int_eq(units_format(buf, sizeof(buf), DDL_UNIT_S, v), 0);
	ck_assert_str_eq(buf, "0 s");
	json_decref(v);
	units_number(buf, sizeof(buf), "%.2f", 0.972168);
	ck_assert_str_eq(buf, "0.97");
	units_number(buf, sizeof(buf), "%d nodes", 41.6);
	ck_assert_str_eq(buf, "42 nodes");
	units_number(buf, sizeof(buf), "%s", 0.5);
	ck_assert_str_eq(buf, "0.5");
	units_number(buf, sizeof(buf), NULL, 0.972168);
	ck_assert_str_eq(buf, "0.972168");
}
END_TEST

START_TEST(columns_in_units_and_formatted_aggregates)
{
	struct ddl_output outs[] = {{.name = "uptime",
					.type = DDL_INTEGER,
					.display_as = "Uptime",
					.unit = DDL_UNIT_S},
	    {.name = "rss",
		.type = DDL_INTEGER,
		.display_as = "RSS",
		.unit = DDL_UNIT_BYTES},
	    {.name = "load", .type = DDL_NUMBER, .display_as = "Load"}};
	json_t *spec = json_pack("[{s:s,s:s,s:s},{s:s,s:s}]", "function",
		   "average", "output", "load", "format", "%.2f", "function",
		   "max", "output", "uptime"),
	       *agg;
	struct ddl_action a = {.name = "stats",
	    .display = "always",
	    .outputs = outs,
	    .noutputs = 3,
	    .aggregate = spec};
	char *out;

	results_add(&rs, "web1", RES_OK, 0, "OK",
	    json_pack("{s:i,s:i,s:f}", "uptime", 343, "rss", 12897484, "load",
		0.972168),
	    3, NULL);
	results_add(&rs, "web2", RES_OK, 0, "OK",
	    json_pack(
		"{s:i,s:i,s:f}", "uptime", 7390, "rss", 800, "load", 0.972168),
	    3, NULL);
	agg = aggregate_compute(spec, &rs);
	out = render(&a, DISPLAY_ALL, agg);
	ck_assert_ptr_nonnull(
	    strstr(out, "Uptime: 5m 43s  RSS: 12.3 MiB  Load: 0.972168"));
	ck_assert_ptr_nonnull(strstr(out, "Uptime: 2h 03m  RSS: 800 B"));
	ck_assert_ptr_nonnull(strstr(out, "average of load: 0.97\n"));
	ck_assert_ptr_nonnull(strstr(out, "max of uptime: 2h 03m\n"));
	free(out);
	json_decref(agg);
	json_decref(spec);
}
END_TEST

/* Every kind, as the summary counts and the rows show them. */
static void
add_every_kind(void)
{
	struct result *r;

	results_add(&rs, "web3", RES_OK, 0, "OK", json_object(), 9, NULL);
	r = results_add(&rs, "web9", RES_OK, 0, "OK", json_object(), 2, NULL);
	r->is_new = 1;
	results_add(&rs, "web2", RES_FAILED, 5, "boom", NULL, 4, NULL);
	results_add(
	    &rs, "web4", RES_INVALID, -1, NULL, NULL, -1, "bad signature");
	results_add(&rs, "web5", RES_MISSING, -1, NULL, NULL, -1, NULL);
	results_add(&rs, "web6", RES_UNADDRESSED, -1, NULL, NULL, -1,
	    "answered discovery after the request was sent");
	results_add(&rs, "web7", RES_LATE, 0, "OK", json_object(), 5000, NULL);
	rs.addressed = 5;
	rs.elapsed_ms = 1230;
}

START_TEST(every_kind_in_rows_and_summary)
{
	struct orch_opts o = {.display = DISPLAY_ALL};
	char buf[256], *out;

	add_every_kind();
	output_summary(buf, sizeof(buf), &rs);
	ck_assert_str_eq(buf,
	    "6 nodes: 2 ok, 1 failed, 1 late, 1 no reply, 1 not addressed, "
	    "1 new; 1 invalid reply, 1.23 s");
	out = render_opts(NULL, &o, NULL);
	ck_assert_ptr_nonnull(strstr(out, "web9      OK              (new)"));
	ck_assert_ptr_nonnull(strstr(out,
	    "-         invalid reply (claims to be web4): bad signature\n"));
	ck_assert_ptr_nonnull(strstr(out,
	    "web6      not addressed   answered discovery after the request "
	    "was sent\n"));
	ck_assert_ptr_nonnull(strstr(out, "web5      no reply      \n"));
	ck_assert_ptr_nonnull(strstr(out, "no reply from: web5\n"));
	ck_assert_ptr_nonnull(strstr(out,
	    "not addressed (answered discovery after the request was sent): "
	    "web6\n"));
	free(out);
	/* -q: no OK rows, the rest and the summary. */
	o.quiet = 1;
	out = render_opts(NULL, &o, NULL);
	ck_assert_ptr_null(strstr(out, "web3 "));
	ck_assert_ptr_null(strstr(out, "web9 "));
	ck_assert_ptr_nonnull(strstr(out, "web2 "));
	ck_assert_ptr_nonnull(strstr(out, "6 nodes: 2 ok"));
	free(out);
}
END_TEST

/* The identities of the rows of out, in order, space-separated. */
static void
row_order(const char *out, char *buf, size_t size)
{
	const char *p = out;

	buf[0] = '\0';
	while (*p != '\0' && *p != '\n') {
		size_t n = strcspn(p, " ");

		snprintf(
		    buf + strlen(buf), size - strlen(buf), "%.*s ", (int)n, p);
		p = strchr(p, '\n');
		if (p == NULL)
			break;
		p++;
	}
}

START_TEST(sort_orders)
{
	struct orch_opts o = {.display = DISPLAY_ALL};
	char buf[256], *out;

	add_every_kind();
	out = render_opts(NULL, &o, NULL);
	row_order(out, buf, sizeof(buf));
	ck_assert_str_eq(buf, "web3 web9 web2 - web7 web5 web6 ");
	free(out);
	o.sort = SORT_IDENTITY;
	out = render_opts(NULL, &o, NULL);
	row_order(out, buf, sizeof(buf));
	ck_assert_str_eq(buf, "web2 web3 - web5 web6 web7 web9 ");
	free(out);
	o.sort = SORT_TIME;
	out = render_opts(NULL, &o, NULL);
	row_order(out, buf, sizeof(buf));
	ck_assert_str_eq(buf, "web9 web2 web3 web7 - web5 web6 ");
	free(out);
}
END_TEST

static char *
ids(enum ids_mode m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	output_ids(f, &rs, m);
	fclose(f);
	return buf;
}

START_TEST(identities_for_piping)
{
	static const struct {
		enum ids_mode m;
		const char *want;
	} cases[] = {
	    {IDS_OK, "web3\nweb9\n"},
	    {IDS_FAILED, "web2\nweb4\n"},
	    {IDS_SILENT, "web5\nweb6\nweb7\n"},
	    {IDS_NOT_OK, "web2\nweb4\nweb5\nweb6\nweb7\n"},
	    {IDS_ALL, "web2\nweb3\nweb4\nweb5\nweb6\nweb7\nweb9\n"},
	};
	size_t i;

	add_every_kind();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = ids(cases[i].m);

		ck_assert_str_eq(out, cases[i].want);
		free(out);
	}
}
END_TEST

START_TEST(counts_sorted_and_aligned)
{
	json_t *num = json_pack(
		   "{s:i,s:i,s:i,s:i}", "16", 1, "4", 3, "128", 2, "2.5", 1),
	       *txt = json_pack("{s:i,s:i,s:i}", "web", 2, "db", 10, "10", 1);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	output_counts(f, num, "  ");
	output_counts(f, txt, "> ");
	fclose(f);
	ck_assert_str_eq(buf,
	    "  2.5       1\n"
	    "  4         3\n"
	    "  16        1\n"
	    "  128       2\n"
	    "> 10        1\n"
	    "> db       10\n"
	    "> web       2\n");
	free(buf);
	json_decref(num);
	json_decref(txt);
}
END_TEST

START_TEST(json_document)
{
	json_t *req = json_pack("{s:s}", "agent", "rpcutil"), *doc, *r0;

	rs.addressed = 3;
	add_ok("a", "running", 1);
	results_add(&rs, "b", RES_INVALID, -1, NULL, NULL, -1, "bad sig");
	results_add(&rs, "c", RES_MISSING, -1, NULL, NULL, -1, NULL);
	results_add(&rs, "d", RES_LATE, 0, "OK", json_object(), -1, NULL);
	doc = output_document(req, &rs, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(
			     json_object_get(doc, "request"), "agent")),
	    "rpcutil");
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "replies")), 1);
	r0 = json_array_get(json_object_get(doc, "replies"), 0);
	ck_assert_str_eq(
	    json_string_value(json_object_get(r0, "status")), "ok");
	ck_assert_int_eq(json_integer_value(json_object_get(r0, "rtt_ms")), 5);
	ck_assert_ptr_null(json_object_get(r0, "type"));
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "invalid")), 1);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "late")), 1);
	ck_assert_str_eq(json_string_value(json_array_get(
			     json_object_get(doc, "missing"), 0)),
	    "c");
	ck_assert_int_eq(json_integer_value(json_object_get(
			     json_object_get(doc, "stats"), "no_reply")),
	    1);
	ck_assert_int_eq(json_integer_value(json_object_get(
			     json_object_get(doc, "stats"), "addressed")),
	    3);
	json_decref(doc);
	json_decref(req);
	r0 = output_result_json(&rs.v[2]);
	ck_assert_str_eq(
	    json_string_value(json_object_get(r0, "type")), "missing");
	json_decref(r0);
}
END_TEST

START_TEST(progress_bar)
{
	char buf[128];

	progress_format(buf, sizeof(buf), 3, 6, 1500, 10000);
	ck_assert_str_eq(buf, "[===============               ] 3/6  1.5s");
	progress_format(buf, sizeof(buf), 2, 0, 5000, 10000);
	ck_assert_str_eq(buf, "[===============               ] 2  5.0s");
	progress_format(buf, sizeof(buf), 9, 6, 1, 10);
	ck_assert_ptr_nonnull(strstr(buf, "[=============================="));
	/* Not a terminal: never drawn. */
	FILE *f = tmpfile();
	ck_assert_int_eq(progress_wanted(f, 1), 0);
	fclose(f);
}
END_TEST

START_TEST(no_color_without_terminal)
{
	FILE *f = tmpfile();

	unsetenv("NO_COLOR");
	ck_assert_int_eq(output_color_wanted(f), 0);
	fclose(f);
}
END_TEST

ORCH_SUITE("orch_output", NULL, teardown, exit_statuses,
    control_characters_never_reach_the_terminal, value_texts,
    sort_puts_failures_last, aggregates, human_lines_and_summary,
    units_for_people, columns_in_units_and_formatted_aggregates,
    every_kind_in_rows_and_summary, sort_orders, identities_for_piping,
    counts_sorted_and_aligned, dry_run_commands, records_one_line_each,
    json_document, progress_bar, no_color_without_terminal)

/*
 * test_orch_output.c: results, exit statuses, aggregates, the human,
 * JSON and progress renderings, and the node cache.
 */
#include "buildconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "orchestrator/cli.h"
#include "orchestrator/output.h"
#include "orchestrator/progress.h"
#include "orchestrator/results.h"
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

/* Renders into a string; caller frees. */
static char *
render(const struct ddl_action *a, enum display_mode d, const json_t *agg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	output_human(f, &rs, a, d, 0, agg);
	fclose(f);
	return buf;
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
	ck_assert_ptr_nonnull(strstr(out, "  running: 1\n"));
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
    dry_run_commands, json_document, progress_bar, no_color_without_terminal)

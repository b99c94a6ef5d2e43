/*
 * test_external.c: external agents really run, through the fake context:
 * the shipped example, and programs that fail in every way a program can.
 */
#include "buildconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ddl.h"
#include "error.h"
#include "plugins/external.h"
#include "plugins/plugin.h"
#include "plugins/registry.h"
#include "tests/unit/fake_ctx.h"

static char tmp[256];
static struct registry *reg;
static struct node_info node = {.identity = "web1.example.net"};

static void
write_file(const char *name, const char *text, mode_t mode)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", tmp, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(p, mode), 0);
}

static void
copy_example(const char *top, const char *name, mode_t mode)
{
	char p[512], *text;
	size_t len;
	FILE *f;

	snprintf(p, sizeof(p), "%s/plugins/external/%s", top, name);
	f = fopen(p, "r");
	ck_assert_msg(f != NULL, "cannot open %s", p);
	text = calloc(1, 65536);
	len = fread(text, 1, 65535, f);
	ck_assert_uint_gt(len, 0);
	fclose(f);
	write_file(name, text, mode);
	free(text);
}

/* An agent NAME with one action "run" doing script, and its DDL. */
static void
write_agent(const char *name, int timeout, const char *script)
{
	char ddl[512], file[256], *text;

	snprintf(ddl, sizeof(ddl),
	    "{\"agent\":\"%s\",\"version\":\"1.0\",\"description\":\"test\","
	    "\"timeout\":%d,\"actions\":{\"run\":{\"description\":\"runs\","
	    "\"display\":\"always\",\"input\":{},\"output\":{}}}}",
	    name, timeout);
	snprintf(file, sizeof(file), "%s.json", name);
	write_file(file, ddl, 0644);
	ck_assert_int_ge(asprintf(&text, "#!/bin/sh\n%s\n", script), 0);
	write_file(name, text, 0755);
	free(text);
}

static void
setup(void)
{
	const char *top = getenv("top_srcdir");
	struct error err;
	char dir[512];

	top = top != NULL ? top : ".";
	snprintf(tmp, sizeof(tmp), "/tmp/test_external.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	copy_example(top, "example", 0755);
	copy_example(top, "example.json", 0644);
	write_agent("badjson", 0, "cat >/dev/null; echo '{\"statuscode\": 0,'");
	write_agent("notobject", 0, "echo '[0, \"OK\"]'");
	write_agent("deep", 0,
	    "i=0; while [ $i -lt 5000 ]; do printf '['; i=$((i+1)); done");
	write_agent(
	    "nul", 0, "printf '{\"statuscode\":0,\"statusmsg\":\"a\\000b\"}'");
	write_agent("badstatus", 0, "echo '{\"statuscode\":42}'");
	write_agent("silent", 0, "exit 0");
	write_agent("refuses", 0,
	    "echo '{\"statuscode\":4,\"statusmsg\":\"port: out of range\"}'");
	write_agent("failing", 0,
	    "echo 'boom: the disk is on fire' >&2; echo 'more' >&2; exit 3");
	write_agent("killed", 0, "kill -9 $$");
	write_agent("slow", 1, "sleep 30; echo '{\"statuscode\":0}'");
	write_agent("detached", 1, "exec >&- 2>&-; sleep 30");
	write_agent("huge", 0,
	    "printf '{\"statuscode\":0,\"data\":{\"x\":\"'\n"
	    "head -c 600000 /dev/zero | tr '\\000' a\n"
	    "printf '\"}}'");
	write_agent("env", 0,
	    "printf "
	    "'{\"statuscode\":0,\"data\":{\"args\":\"%s\",\"cwd\":\"%s\","
	    "\"home\":\"%s\"}}' \"$#:$1\" \"$(pwd)\" \"${HOME-unset}\"");
	snprintf(dir, sizeof(dir), "%s/schemas/ddl", top);
	error_init(&err, "<test>");
	ck_assert_msg(registry_load(dir, tmp, &reg, &err) == 0, "%s", err.text);
}

static void
teardown(void)
{
	char cmd[512];

	registry_free(reg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

static struct action_ctx *
call(const char *agent, const char *action, const json_t *input, int want)
{
	struct action_ctx *c;

	c = fake_ctx_call(reg, agent, action, input, &node, 0);
	ck_assert_int_eq(fake_ctx_done_count(c), 1);
	ck_assert_msg(fake_ctx_status(c) == want, "%s.%s: status %d (%s)",
	    agent, action, fake_ctx_status(c), fake_ctx_msg(c));
	return c;
}

/* Status 5, and a message naming the agent, the action and the fault. */
static void
assert_fails(const char *agent, const char *why)
{
	struct action_ctx *c = call(agent, "run", NULL, STATUS_UNKNOWN_ERROR);
	char want[128];

	snprintf(want, sizeof(want), "external agent %s: run: ", agent);
	ck_assert_msg(strncmp(fake_ctx_msg(c), want, strlen(want)) == 0,
	    "message \"%s\" does not name the agent", fake_ctx_msg(c));
	ck_assert_msg(strstr(fake_ctx_msg(c), why) != NULL,
	    "message \"%s\" lacks \"%s\"", fake_ctx_msg(c), why);
	ck_assert_uint_eq(json_object_size(fake_ctx_data(c)), 0);
	fake_ctx_free(c);
}

START_TEST(test_example_greets)
{
	json_t *in = json_pack("{s:s}", "name", "world"), *req;
	const char *const *argv;
	struct action_ctx *c = call("example", "greet", in, STATUS_OK);
	char path[512];

	ck_assert_str_eq(fake_ctx_msg(c), "OK");
	ck_assert_str_eq(
	    json_string_value(json_object_get(fake_ctx_data(c), "greeting")),
	    "Hello, world!");
	/* argv is [path, action], no shell in between. */
	argv = fake_ctx_last_argv(c);
	snprintf(path, sizeof(path), "%s/example", tmp);
	ck_assert_str_eq(argv[0], path);
	ck_assert_str_eq(argv[1], "greet");
	ck_assert_ptr_null(argv[2]);
	/* The request on stdin is protocol version 1 with every field. */
	req = json_loads(fake_ctx_last_input(c), 0, NULL);
	ck_assert_ptr_nonnull(req);
	ck_assert_ptr_null(strchr(fake_ctx_last_input(c), '\n'));
	ck_assert_str_eq(json_string_value(json_object_get(req, "protocol")),
	    EXTERNAL_PROTOCOL);
	ck_assert_str_eq(json_string_value(json_object_get(req, "protocol")),
	    "metactl-external/1");
	ck_assert_str_eq(
	    json_string_value(json_object_get(req, "agent")), "example");
	ck_assert_str_eq(
	    json_string_value(json_object_get(req, "action")), "greet");
	ck_assert_str_eq(json_string_value(json_object_get(req, "request_id")),
	    action_request_id(c));
	ck_assert_str_eq(
	    json_string_value(json_object_get(req, "caller")), "uid=1000");
	ck_assert_str_eq(json_string_value(json_object_get(req, "identity")),
	    "web1.example.net");
	ck_assert(json_is_false(json_object_get(req, "dry_run")));
	ck_assert(json_equal(json_object_get(req, "data"), in));
	json_decref(req);
	fake_ctx_free(c);
	json_decref(in);
}
END_TEST

START_TEST(test_hostile_input_is_data)
{
	char marker[280], name[1400], want[1420];
	struct action_ctx *c;
	json_t *in;

	snprintf(marker, sizeof(marker), "%s/pwned", tmp);
	snprintf(name, sizeof(name),
	    "; rm -rf / ; touch %s $(touch %s) `touch %s` \"quoted\" \\ "
	    "%%s%%n 'single' | & > %s\n\t\xc3\xa9",
	    marker, marker, marker, marker);
	in = json_pack("{s:s}", "name", name);
	c = call("example", "greet", in, STATUS_OK);
	snprintf(want, sizeof(want), "Hello, %s!", name);
	ck_assert_str_eq(
	    json_string_value(json_object_get(fake_ctx_data(c), "greeting")),
	    want);
	ck_assert_int_eq(access(marker, F_OK), -1);
	ck_assert_int_eq(access("/bin/sh", X_OK), 0);
	fake_ctx_free(c);
	json_decref(in);
}
END_TEST

START_TEST(test_example_uptime)
{
	struct action_ctx *c = call("example", "uptime", NULL, STATUS_OK);

	ck_assert(json_is_integer(json_object_get(fake_ctx_data(c), "uptime")));
	ck_assert_int_gt(
	    json_integer_value(json_object_get(fake_ctx_data(c), "uptime")), 0);
	fake_ctx_free(c);
}
END_TEST

START_TEST(test_no_input_is_empty_data)
{
	const struct plugin_action *a;
	struct action_ctx *c;
	void *pd;

	ck_assert_int_eq(registry_lookup(reg, "example", "uptime", &a, &pd), 0);
	c = fake_ctx_new("example", "uptime", &node, pd);
	a->run(c, NULL);
	fake_ctx_run(c);
	ck_assert_int_eq(fake_ctx_status(c), STATUS_OK);
	ck_assert_ptr_nonnull(strstr(fake_ctx_last_input(c), "\"data\":{}"));
	fake_ctx_free(c);
}
END_TEST

START_TEST(test_argv_env_and_cwd)
{
	struct action_ctx *c = call("env", "run", NULL, STATUS_OK);
	json_t *want = json_pack(
	    "{s:s,s:s,s:s}", "args", "1:run", "cwd", "/", "home", "unset");

	ck_assert(json_equal(fake_ctx_data(c), want));
	json_decref(want);
	fake_ctx_free(c);
}
END_TEST

START_TEST(test_program_status_passes_through)
{
	struct action_ctx *c =
	    call("refuses", "run", NULL, STATUS_INVALID_DATA);

	ck_assert_str_eq(fake_ctx_msg(c), "port: out of range");
	ck_assert_uint_eq(json_object_size(fake_ctx_data(c)), 0);
	fake_ctx_free(c);
}
END_TEST

START_TEST(test_bad_json)
{
	assert_fails("badjson", "stdout:2: malformed JSON");
	assert_fails("notobject", "not a JSON object");
	assert_fails("deep", "nested deeper than");
	assert_fails("nul", "NUL byte");
	assert_fails("badstatus", "no statuscode from 0 to 5");
	assert_fails("silent", "printed nothing on stdout");
}
END_TEST

START_TEST(test_nonzero_exit)
{
	assert_fails(
	    "failing", "exited with status 3: boom: the disk is on fire");
	assert_fails("killed", "killed by signal 9");
}
END_TEST

START_TEST(test_timeout)
{
	time_t start = time(NULL);

	assert_fails("slow", "timed out after 1 s");
	ck_assert_int_lt(time(NULL) - start, 10);
	/* Closing stdout does not end the run; exiting does. */
	assert_fails("detached", "timed out after 1 s");
	ck_assert_int_lt(time(NULL) - start, 20);
}
END_TEST

START_TEST(test_oversized_output)
{
	const struct plugin_action *a;
	struct action_ctx *c;
	void *pd;

	/* Whole output captured, but over EXTERNAL_OUTPUT_MAX. */
	assert_fails("huge", "output exceeds 524288 bytes");

	/* Output cut short by the spawn's own cap. */
	ck_assert_int_eq(registry_lookup(reg, "huge", "run", &a, &pd), 0);
	c = fake_ctx_new("huge", "run", &node, pd);
	fake_ctx_set_output_cap(c, 1000);
	a->run(c, NULL);
	fake_ctx_run(c);
	ck_assert_int_eq(fake_ctx_done_count(c), 1);
	ck_assert_int_eq(fake_ctx_status(c), STATUS_UNKNOWN_ERROR);
	ck_assert_ptr_nonnull(strstr(fake_ctx_msg(c), "output exceeds"));
	fake_ctx_free(c);
}
END_TEST

START_TEST(test_dry_run_does_not_start)
{
	json_t *in = json_pack("{s:s}", "name", "world");
	struct action_ctx *c =
	    fake_ctx_call(reg, "example", "greet", in, &node, 1);
	const json_t *cmd;

	ck_assert_int_eq(fake_ctx_done_count(c), 1);
	ck_assert_int_eq(fake_ctx_status(c), STATUS_OK);
	ck_assert_ptr_nonnull(strstr(fake_ctx_msg(c), "dry run"));
	ck_assert_ptr_null(json_object_get(fake_ctx_data(c), "greeting"));
	cmd = json_array_get(fake_ctx_commands(c), 0);
	ck_assert_uint_eq(json_array_size(cmd), 2);
	ck_assert_str_eq(json_string_value(json_array_get(cmd, 1)), "greet");
	ck_assert_ptr_nonnull(
	    strstr(fake_ctx_last_input(c), "\"dry_run\":true"));
	fake_ctx_free(c);
	json_decref(in);
}
END_TEST

START_TEST(test_vanished_program)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/silent", tmp);
	ck_assert_int_eq(unlink(path), 0);
	assert_fails("silent", "cannot start");
}
END_TEST

START_TEST(test_no_agent_attached)
{
	struct action_ctx *c = fake_ctx_new("example", "greet", &node, NULL);

	external_run(c, NULL);
	fake_ctx_run(c);
	ck_assert_int_eq(fake_ctx_done_count(c), 1);
	ck_assert_int_eq(fake_ctx_status(c), STATUS_UNKNOWN_ERROR);
	ck_assert_int_eq(fake_ctx_spawn_count(c), 0);
	fake_ctx_free(c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("external");
	TCase *tc = tcase_create("external");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_example_greets);
	tcase_add_test(tc, test_hostile_input_is_data);
	tcase_add_test(tc, test_example_uptime);
	tcase_add_test(tc, test_no_input_is_empty_data);
	tcase_add_test(tc, test_argv_env_and_cwd);
	tcase_add_test(tc, test_program_status_passes_through);
	tcase_add_test(tc, test_bad_json);
	tcase_add_test(tc, test_nonzero_exit);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_oversized_output);
	tcase_add_test(tc, test_dry_run_does_not_start);
	tcase_add_test(tc, test_vanished_program);
	tcase_add_test(tc, test_no_agent_attached);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * test_external.c: external agents really run, in the agent's own action
 * context (tests/unit/agent_harness.h): the shipped example, and programs
 * that fail in every way a program can.
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
#include "tests/unit/agent_harness.h"
#include "tests/unit/testutil.h"

static char tmp[256];
static struct harness h;

static void
write_file(const char *name, const char *text, mode_t mode)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", tmp, name);
	testutil_write_file(p, text);
	ck_assert_int_eq(chmod(p, mode), 0);
}

static void
copy_example(const char *top, const char *name, mode_t mode)
{
	char p[512], *text;
	size_t len;

	snprintf(p, sizeof(p), "%s/plugins/external/%s", top, name);
	text = testutil_read_file(p, &len);
	ck_assert_msg(text != NULL, "cannot open %s", p);
	ck_assert_uint_gt(len, 0);
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
	write_agent("echo", 0,
	    "req=$(cat)\n"
	    "printf '{\"statuscode\":0,\"data\":{\"argv\":\"%s|%s|%s\","
	    "\"request\":%s}}' \"$0\" \"$1\" \"$#\" \"$req\"");
	write_agent("env", 0,
	    "printf "
	    "'{\"statuscode\":0,\"data\":{\"args\":\"%s\",\"cwd\":\"%s\","
	    "\"home\":\"%s\"}}' \"$#:$1\" \"$(pwd)\" \"${HOME-unset}\"");
	harness_init(&h, tmp);
	free(h.d.conf.identity);
	h.d.conf.identity = strdup("web1.example.net");
}

static void
teardown(void)
{
	char cmd[512];

	harness_fini(&h);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

static struct reply *
call(const char *agent, const char *action, const json_t *input, int want)
{
	struct reply *r = harness_call(&h, agent, action, input, 0);

	ck_assert_msg(r->statuscode == want, "%s.%s: status %d (%s)", agent,
	    action, r->statuscode, r->statusmsg);
	return r;
}

/* Status 5, and a message naming the agent, the action and the fault. */
static void
assert_fails(const char *agent, const char *why)
{
	struct reply *r = call(agent, "run", NULL, STATUS_UNKNOWN_ERROR);
	char want[128];

	snprintf(want, sizeof(want), "external agent %s: run: ", agent);
	ck_assert_msg(strncmp(r->statusmsg, want, strlen(want)) == 0,
	    "message \"%s\" does not name the agent", r->statusmsg);
	ck_assert_msg(strstr(r->statusmsg, why) != NULL,
	    "message \"%s\" lacks \"%s\"", r->statusmsg, why);
	ck_assert_uint_eq(json_object_size(r->data), 0);
	reply_free(r);
}

START_TEST(test_example_greets)
{
	json_t *in = json_pack("{s:s}", "name", "world");
	struct reply *r = call("example", "greet", in, STATUS_OK);

	ck_assert_str_eq(r->statusmsg, "OK");
	ck_assert_str_eq(
	    json_string_value(json_object_get(r->data, "greeting")),
	    "Hello, world!");
	reply_free(r);
	json_decref(in);
}
END_TEST

/* What the program is given: argv [path, action] and one request line. */
START_TEST(test_request_on_stdin)
{
	json_t *in = json_pack("{s:s,s:i}", "name", "world", "n", 3), *req;
	struct reply *r = call("echo", "run", in, STATUS_OK);
	char argv[512];

	snprintf(argv, sizeof(argv), "%s/echo|run|1", tmp);
	ck_assert_str_eq(
	    json_string_value(json_object_get(r->data, "argv")), argv);
	req = json_object_get(r->data, "request");
	ck_assert_ptr_nonnull(req);
	ck_assert_str_eq(json_string_value(json_object_get(req, "protocol")),
	    EXTERNAL_PROTOCOL);
	ck_assert_str_eq(json_string_value(json_object_get(req, "protocol")),
	    "metactl-external/1");
	ck_assert_str_eq(
	    json_string_value(json_object_get(req, "agent")), "echo");
	ck_assert_str_eq(
	    json_string_value(json_object_get(req, "action")), "run");
	ck_assert_str_eq(json_string_value(json_object_get(req, "request_id")),
	    r->request_id);
	ck_assert_str_eq(
	    json_string_value(json_object_get(req, "caller")), "uid=1000");
	ck_assert_str_eq(json_string_value(json_object_get(req, "identity")),
	    "web1.example.net");
	ck_assert(json_is_false(json_object_get(req, "dry_run")));
	ck_assert(json_equal(json_object_get(req, "data"), in));
	reply_free(r);
	json_decref(in);
}
END_TEST

START_TEST(test_hostile_input_is_data)
{
	char marker[280], name[1400], want[1420];
	struct reply *r;
	json_t *in;

	snprintf(marker, sizeof(marker), "%s/pwned", tmp);
	snprintf(name, sizeof(name),
	    "; rm -rf / ; touch %s $(touch %s) `touch %s` \"quoted\" \\ "
	    "%%s%%n 'single' | & > %s\n\t\xc3\xa9",
	    marker, marker, marker, marker);
	in = json_pack("{s:s}", "name", name);
	r = call("example", "greet", in, STATUS_OK);
	snprintf(want, sizeof(want), "Hello, %s!", name);
	ck_assert_str_eq(
	    json_string_value(json_object_get(r->data, "greeting")), want);
	ck_assert_int_eq(access(marker, F_OK), -1);
	ck_assert_int_eq(access("/bin/sh", X_OK), 0);
	reply_free(r);
	json_decref(in);
}
END_TEST

START_TEST(test_example_uptime)
{
	struct reply *r = call("example", "uptime", NULL, STATUS_OK);

	ck_assert(json_is_integer(json_object_get(r->data, "uptime")));
	ck_assert_int_gt(
	    json_integer_value(json_object_get(r->data, "uptime")), 0);
	reply_free(r);
}
END_TEST

START_TEST(test_no_input_is_empty_data)
{
	struct reply *r = call("echo", "run", NULL, STATUS_OK);
	json_t *data =
	    json_object_get(json_object_get(r->data, "request"), "data");

	ck_assert(json_is_object(data));
	ck_assert_uint_eq(json_object_size(data), 0);
	reply_free(r);
}
END_TEST

START_TEST(test_argv_env_and_cwd)
{
	struct reply *r = call("env", "run", NULL, STATUS_OK);
	json_t *want = json_pack(
	    "{s:s,s:s,s:s}", "args", "1:run", "cwd", "/", "home", "unset");

	ck_assert(json_equal(r->data, want));
	json_decref(want);
	reply_free(r);
}
END_TEST

START_TEST(test_program_status_passes_through)
{
	struct reply *r = call("refuses", "run", NULL, STATUS_INVALID_DATA);

	ck_assert_str_eq(r->statusmsg, "port: out of range");
	ck_assert_uint_eq(json_object_size(r->data), 0);
	reply_free(r);
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
	/* Whole output captured, but over EXTERNAL_OUTPUT_MAX. */
	h.d.conf.output_max = 1024 * 1024;
	assert_fails("huge", "output exceeds 524288 bytes");
	/* Output cut short by the agent's own cap, [limits] output_size. */
	h.d.conf.output_max = 1000;
	assert_fails("huge", "output exceeds");
}
END_TEST

START_TEST(test_dry_run_does_not_start)
{
	json_t *in = json_pack("{s:s}", "name", "world");
	struct reply *r = harness_call(&h, "example", "greet", in, 1);
	const json_t *cmd;
	char path[512];

	ck_assert_int_eq(r->statuscode, STATUS_OK);
	ck_assert_ptr_nonnull(strstr(r->statusmsg, "dry run"));
	ck_assert_ptr_null(json_object_get(r->data, "greeting"));
	ck_assert_uint_eq(
	    json_array_size(json_object_get(r->data, "commands")), 1);
	cmd = json_array_get(json_object_get(r->data, "commands"), 0);
	ck_assert_uint_eq(json_array_size(cmd), 2);
	snprintf(path, sizeof(path), "%s/example", tmp);
	ck_assert_str_eq(json_string_value(json_array_get(cmd, 0)), path);
	ck_assert_str_eq(json_string_value(json_array_get(cmd, 1)), "greet");
	reply_free(r);
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
	const struct plugin_action *a;
	struct reply *r;
	void *pd;

	ck_assert_int_eq(
	    registry_lookup(h.d.registry, "example", "greet", &a, &pd), 0);
	r = harness_run(&h, "example", "greet", a, NULL, NULL, 0);
	ck_assert_int_eq(r->statuscode, STATUS_UNKNOWN_ERROR);
	ck_assert_ptr_nonnull(strstr(r->statusmsg, "no agent attached"));
	reply_free(r);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("external");
	TCase *tc = tcase_create("external");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_example_greets);
	tcase_add_test(tc, test_request_on_stdin);
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
	return testutil_run(s);
}

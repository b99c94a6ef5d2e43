/*
 * test_service.c: the service agent in the agent's own action context
 * (agent_harness.h): app errors, the per-app lock, dry_run plans. The
 * daemons themselves run in tests/integration/service_agent.sh.
 */
#include "buildconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "message.h"
#include "plugins/plugin.h"
#include "tests/unit/agent_harness.h"
#include "tests/unit/testutil.h"

static struct harness h;
static char dir[256];
static struct reply *last;

static void
put(const char *rel, const char *text)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	testutil_write_file(path, text);
}

static int
mkdir_p(const char *path)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	return system(cmd);
}

static void
setup(void)
{
	char path[512];

	snprintf(dir, sizeof(dir), "/tmp/test_service.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	harness_init(&h, NULL);
	snprintf(path, sizeof(path), "%s/apps/shop/releases/v1", dir);
	ck_assert_int_eq(mkdir_p(path), 0);
	snprintf(path, sizeof(path), "%s/nodes", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	put("apps/shop/releases/v1/.metactl",
	    "[env]\nPORT = 9001\n\n[daemon.web]\nplatform = exec\n"
	    "command = bin/web --port %(PORT)\n\n[daemon.jobs]\n"
	    "platform = jvm\njvm.jar = jobs.jar\n");
	snprintf(path, sizeof(path), "%s/apps/shop/current", dir);
	ck_assert_int_eq(symlink("releases/v1", path), 0);
	free(h.d.conf.apps_dir);
	free(h.d.conf.apps_node_dir);
	free(h.d.conf.apps_supervise_dir);
	snprintf(path, sizeof(path), "%s/apps", dir);
	h.d.conf.apps_dir = strdup(path);
	snprintf(path, sizeof(path), "%s/nodes", dir);
	h.d.conf.apps_node_dir = strdup(path);
	snprintf(path, sizeof(path), "%s/services", dir);
	h.d.conf.apps_supervise_dir = strdup(path);
	h.d.apps_manager = "runit";
}

static void
teardown(void)
{
	char cmd[300];

	reply_free(last);
	last = NULL;
	harness_fini(&h);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct reply *
call(const char *action, const char *input, int dry_run, int want)
{
	json_t *in = json_loads(input, 0, NULL);
	struct reply *r;

	ck_assert_ptr_nonnull(in);
	reply_free(last);
	last = r = harness_call(&h, "service", action, in, dry_run);
	json_decref(in);
	ck_assert_msg(r->statuscode == want, "%s: status %d (%s)", action,
	    r->statuscode, r->statusmsg);
	return r;
}

START_TEST(test_no_manager)
{
	struct reply *r;

	h.d.apps_manager = NULL;
	r = call("restart", "{\"app\":\"shop\"}", 0, STATUS_UNKNOWN_ERROR);
	ck_assert_ptr_nonnull(strstr(r->statusmsg, "no service manager"));
	/* config needs no manager */
	call("config", "{\"app\":\"shop\"}", 0, STATUS_OK);
}
END_TEST

START_TEST(test_app_errors)
{
	char want[512];
	struct reply *r;

	r = call("status", "{\"app\":\"nosuch\"}", 0, STATUS_INVALID_DATA);
	snprintf(want, sizeof(want), "no app nosuch in %s/apps", dir);
	ck_assert_str_eq(r->statusmsg, want);
	put("apps/shop/releases/v1/.metactl",
	    "[daemon.web]\nplatform = exec\ncommand = x %(NOPE)\n");
	r = call("start", "{\"app\":\"shop\"}", 0, STATUS_INVALID_DATA);
	snprintf(want, sizeof(want), "%s/apps/shop/current/.metactl:3", dir);
	ck_assert_msg(strstr(r->statusmsg, want) != NULL, "%s", r->statusmsg);
}
END_TEST

START_TEST(test_unknown_daemon)
{
	struct reply *r;

	r = call("restart", "{\"app\":\"shop\",\"daemon\":\"nope\"}", 0,
	    STATUS_INVALID_DATA);
	ck_assert_str_eq(r->statusmsg,
	    "app shop has no daemon nope (its daemons: web, jobs)");
}
END_TEST

START_TEST(test_config)
{
	struct reply *r;
	json_t *port;

	put("nodes/shop.conf", "[env]\nPORT = 9002\n");
	r = call("config", "{\"app\":\"shop\"}", 0, STATUS_OK);
	port = json_object_get(
	    json_object_get(
		json_object_get(
		    json_object_get(
			json_object_get(r->data, "config"), "sections"),
		    "env"),
		"PORT"),
	    "value");
	ck_assert_str_eq(json_string_value(port), "9002");
}
END_TEST

/* dry_run: the plan is the answer, and nothing on disk changes. */
START_TEST(test_dry_run)
{
	struct reply *r;
	json_t *plan;
	char *text, path[512];
	struct stat st;

	r = call(
	    "restart", "{\"app\":\"shop\",\"daemon\":\"web\"}", 1, STATUS_OK);
	plan = json_object_get(r->data, "plan");
	ck_assert(json_is_array(plan));
	ck_assert_uint_gt(json_array_size(plan), 0);
	text = json_dumps(plan, 0);
	ck_assert_msg(
	    strstr(text, "/apps/shop/releases/v1/bin/web") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "--port") != NULL, "%s", text);
	free(text);
	ck_assert_str_eq(
	    json_string_value(json_object_get(r->data, "manager")), "runit");
	snprintf(path, sizeof(path), "%s/services", dir);
	ck_assert_int_eq(stat(path, &st), -1);
}
END_TEST

START_TEST(test_reload_without_signal)
{
	struct reply *r;

	r = call("reload", "{\"app\":\"shop\"}", 0, STATUS_INVALID_DATA);
	ck_assert_str_eq(r->statusmsg,
	    "app shop: daemon web has no reload signal ([daemon.web] reload)");
}
END_TEST

/* logs runs nothing: it names the command for each daemon. */
START_TEST(test_logs)
{
	struct reply *r;
	json_t *logs, *argv;
	char want[512];

	r = call(
	    "logs", "{\"app\":\"shop\",\"daemon\":\"jobs\"}", 0, STATUS_OK);
	logs = json_object_get(r->data, "logs");
	ck_assert_uint_eq(json_array_size(logs), 1);
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(logs, 0), "unit")),
	    "metactl-shop-jobs");
	argv = json_object_get(json_array_get(logs, 0), "argv");
	snprintf(want, sizeof(want),
	    "%s/services/metactl-shop-jobs/log/main/current", dir);
	ck_assert_str_eq(
	    json_string_value(json_array_get(argv, json_array_size(argv) - 1)),
	    want);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("service");
	TCase *tc = tcase_create("service");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_no_manager);
	tcase_add_test(tc, test_app_errors);
	tcase_add_test(tc, test_unknown_daemon);
	tcase_add_test(tc, test_config);
	tcase_add_test(tc, test_dry_run);
	tcase_add_test(tc, test_reload_without_signal);
	tcase_add_test(tc, test_logs);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}

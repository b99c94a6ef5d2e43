/* test_service_unit.c: the argv, cwd and files of each daemon platform. */
#include "buildconf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "plugins/service/unit.h"
#include "tests/unit/testutil.h"

static const struct svc_node node = {
    .manager = "runit",
    .service_dir = "/etc/service",
    .supervise_dir = "/var/lib/metactl/services",
    .apps_dir = "/srv/metactl",
    .cron_dir = "/etc/cron.d",
    .java = "/usr/bin/java",
    .jetty_home = "/usr/share/jetty9",
    .svwait = "/usr/libexec/metactl-svwait",
    .start_timeout_ms = 30000,
    .start_grace_ms = 1000,
};
static const char *const env[] = {"PORT=9001", NULL};
#define REL "/srv/metactl/shop/releases/v1"

/* The argv of u as one string, words joined by '|'. */
static void
assert_argv(const struct unit *u, const char *want)
{
	char got[1024] = "";

	for (const char *const *a = u->u.argv; *a != NULL; a++) {
		if (a != u->u.argv)
			strcat(got, "|");
		strcat(got, *a);
	}
	ck_assert_str_eq(got, want);
}

static void
build(const struct app_daemon *d, struct unit *u)
{
	struct error err;

	error_init(&err, "shop");
	ck_assert_msg(unit_build(&node, "shop", REL, d, env, u, &err) == 0,
	    "%s", err.text);
}

START_TEST(test_exec)
{
	struct app_daemon d = {.name = "worker",
	    .platform = APP_PLATFORM_EXEC,
	    .user = "shop",
	    .command = "bin/worker --port 9001 \"a b\""};
	struct unit u;

	build(&d, &u);
	ck_assert_str_eq(u.u.unit, "metactl-shop-worker");
	assert_argv(&u, REL "/bin/worker|--port|9001|a b");
	ck_assert_str_eq(u.u.cwd, REL);
	ck_assert_str_eq(u.u.user, "shop");
	ck_assert_str_eq(u.u.description, "shop worker");
	ck_assert_str_eq(u.u.restart, "always");
	ck_assert_ptr_eq(u.u.env, env);
	unit_clear(&u);

	d.command = "/usr/bin/python3 -m http.server";
	d.cwd = "www";
	build(&d, &u);
	assert_argv(&u, "/usr/bin/python3|-m|http.server");
	ck_assert_str_eq(u.u.cwd, REL "/www");
	unit_clear(&u);
}
END_TEST

START_TEST(test_jvm)
{
	struct app_daemon d = {.name = "jobs",
	    .platform = APP_PLATFORM_JVM,
	    .jvm_heap_min = "64m",
	    .jvm_heap_max = "256m",
	    .jvm_opts = "-Dfile.encoding=UTF-8 -server",
	    .jvm_jar = "lib/jobmanager.jar 9001 --verbose"};
	struct unit u;
	struct plan p = {0};

	build(&d, &u);
	assert_argv(&u,
	    "/usr/bin/java|-Xms64m|-Xmx256m|-Dfile.encoding=UTF-8|"
	    "-server|-jar|" REL "/lib/jobmanager.jar|9001|--verbose");
	ck_assert_str_eq(u.u.user, "nobody");
	ck_assert_int_eq(unit_setup(&u, &p), 0);
	ck_assert_uint_eq(p.n, 0);
	unit_clear(&u);

	d.jvm_heap_min = d.jvm_heap_max = d.jvm_opts = NULL;
	d.jvm_jar = "/opt/x.jar";
	build(&d, &u);
	assert_argv(&u, "/usr/bin/java|-jar|/opt/x.jar");
	unit_clear(&u);
}
END_TEST

START_TEST(test_jetty)
{
	struct app_daemon d = {.name = "web",
	    .platform = APP_PLATFORM_JETTY,
	    .jvm_heap_max = "128m",
	    .jetty_war = "target/shop & co.war",
	    .jetty_host = "127.0.0.1",
	    .jetty_port = 8080,
	    .jetty_context = "/shop"};
	struct unit u;
	struct plan p = {0};

	build(&d, &u);
	assert_argv(&u,
	    "/usr/bin/java|-Xmx128m|"
	    "-Djetty.home=/usr/share/jetty9|"
	    "-Djetty.base=/srv/metactl/shop/state/jetty/web|-jar|"
	    "/usr/share/jetty9/start.jar|--module=http,deploy|"
	    "jetty.http.host=127.0.0.1|jetty.http.port=8080");
	ck_assert_int_eq(unit_setup(&u, &p), 0);
	ck_assert_uint_eq(p.n, 3);
	ck_assert_int_eq(p.steps[0].kind, PLAN_MKDIR);
	ck_assert_str_eq(p.steps[0].path, "/srv/metactl/shop/state/jetty/web");
	ck_assert_str_eq(
	    p.steps[1].path, "/srv/metactl/shop/state/jetty/web/webapps");
	ck_assert_int_eq(p.steps[2].kind, PLAN_WRITE);
	ck_assert_str_eq(p.steps[2].path,
	    "/srv/metactl/shop/state/jetty/web/webapps/web.xml");
	ck_assert_ptr_nonnull(strstr(
	    p.steps[2].content, "<Set name=\"contextPath\">/shop</Set>"));
	ck_assert_ptr_nonnull(strstr(p.steps[2].content,
	    "<Set name=\"war\">" REL "/target/shop &amp; co.war</Set>"));
	plan_clear(&p);
	unit_clear(&u);
}
END_TEST

START_TEST(test_errors)
{
	struct app_daemon d = {.name = "w",
	    .platform = APP_PLATFORM_EXEC,
	    .command = "\"unterminated"};
	struct unit u;
	struct error err;

	error_init(&err, "shop");
	ck_assert_int_eq(
	    unit_build(&node, "shop", REL, &d, env, &u, &err), MCE_CONFIG);
	d.platform = APP_PLATFORM_JVM;
	d.command = NULL;
	ck_assert_int_eq(
	    unit_build(&node, "shop", REL, &d, env, &u, &err), MCE_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.text, "jvm.jar"));
	d.platform = APP_PLATFORM_JETTY;
	ck_assert_int_eq(
	    unit_build(&node, "shop", REL, &d, env, &u, &err), MCE_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.text, "jetty.port"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("service_unit");
	TCase *tc = tcase_create("unit");

	tcase_add_test(tc, test_exec);
	tcase_add_test(tc, test_jvm);
	tcase_add_test(tc, test_jetty);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}

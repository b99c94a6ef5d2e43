/*
 * test_appconf.c: the app configuration (lib/appconf.h). The data cases
 * of tests/data/appconf/CASE/: app.metactl, optional site.conf and
 * node.conf, optional app (the app's name, default "demo"), and
 * expect.json (appconf_to_json()) or expect.err (the whole error line).
 * Files are named relative to the case directory. Then the typed
 * daemons and crontab entries, appconf_split() and appconf_node_paths().
 */
#include "buildconf.h"

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appconf.h"
#include "cron.h"
#include "strv.h"
#include "testutil.h"

static char **cases;
static size_t ncases;
/* The layers' files in a case directory and in etc/examples/seed. */
static const char *const names[APPCONF_NLAYERS] = {
    "app.metactl", "site.conf", "node.conf"};

/*
 * The three layers of the case in dir, read into texts named as the files
 * are: the errors and provenance do not depend on where the tree is. A
 * missing app.metactl is read from the file, to fail as a missing file.
 */
static void
case_sources(const char *dir, struct appconf_src src[APPCONF_NLAYERS],
    char *texts[APPCONF_NLAYERS])
{
	char path[4200];

	memset(src, 0, APPCONF_NLAYERS * sizeof(*src));
	for (int l = 0; l < APPCONF_NLAYERS; l++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[l]);
		texts[l] = testutil_read_file(path, &src[l].len);
		src[l].text = texts[l];
		if (texts[l] != NULL || l == APPCONF_APP)
			src[l].path = names[l];
	}
}

START_TEST(data_case)
{
	char dir[4096], path[4200], app[128], want[1024], got[1024];
	struct appconf_src src[APPCONF_NLAYERS];
	char *texts[APPCONF_NLAYERS];
	struct appconf *a = NULL;
	struct error err;
	int r;

	snprintf(
	    dir, sizeof(dir), "%s/%s", testutil_data_dir("appconf"), cases[_i]);
	snprintf(path, sizeof(path), "%s/app", dir);
	if (testutil_first_line(path, app, sizeof(app)) < 0)
		snprintf(app, sizeof(app), "demo");
	case_sources(dir, src, texts);
	r = appconf_load(app, src, &a, &err);
	for (int l = 0; l < APPCONF_NLAYERS; l++)
		free(texts[l]);
	snprintf(path, sizeof(path), "%s/expect.err", dir);
	if (testutil_first_line(path, want, sizeof(want)) == 0) {
		ck_assert_msg(r < 0, "%s: loads, expected %s", cases[_i], want);
		ck_assert_ptr_null(a);
		ck_assert_str_eq(error_format(&err, got, sizeof(got)), want);
	} else {
		json_error_t jerr;
		json_t *exp, *j;

		snprintf(path, sizeof(path), "%s/expect.json", dir);
		exp = json_load_file(path, 0, &jerr);

		ck_assert_msg(r == 0, "%s: %s", cases[_i],
		    error_format(&err, got, sizeof(got)));
		j = appconf_to_json(a);
		ck_assert_msg(
		    exp != NULL, "%s: expect.json: %s", cases[_i], jerr.text);
		testutil_json_eq(
		    cases[_i], j, exp, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(j);
		json_decref(exp);
	}
	appconf_free(a);
}
END_TEST

/* Loads the seed example from etc/examples/seed. */
static struct appconf *
load_seed(void)
{
	char paths[APPCONF_NLAYERS][4096];
	const char *top = getenv("top_srcdir");
	struct appconf_src src[APPCONF_NLAYERS];
	struct appconf *a;
	struct error err;
	char buf[512];

	memset(src, 0, sizeof(src));
	for (int l = 0; l < APPCONF_NLAYERS; l++) {
		snprintf(paths[l], sizeof(paths[l]), "%s/etc/examples/seed/%s",
		    top != NULL ? top : ".", names[l]);
		src[l].path = paths[l];
	}
	ck_assert_msg(appconf_load("seed", src, &a, &err) == 0, "%s",
	    error_format(&err, buf, sizeof(buf)));
	return a;
}

START_TEST(typed_daemons)
{
	struct appconf *a = load_seed();
	const struct app_daemon *web, *jobs;
	const char *file;
	enum appconf_layer l;
	int line;

	ck_assert_str_eq(appconf_app(a), "seed");
	ck_assert_uint_eq(appconf_ndaemons(a), 2);
	web = appconf_daemon(a, 0);
	jobs = appconf_daemon(a, 1);
	ck_assert_ptr_null(appconf_daemon(a, 2));
	ck_assert_ptr_eq(appconf_daemon_find(a, "jobmanager"), jobs);
	ck_assert_ptr_null(appconf_daemon_find(a, "nosuch"));

	ck_assert_str_eq(web->name, "webapp");
	ck_assert_int_eq(web->platform, APP_PLATFORM_JETTY);
	ck_assert_str_eq(appconf_platform_name(web->platform), "jetty");
	ck_assert_str_eq(web->user, "nobody");
	ck_assert_ptr_null(web->group);
	ck_assert_ptr_null(web->cwd);
	ck_assert_str_eq(web->jetty_war, "webapp.war");
	ck_assert_int_eq(web->jetty_port, 8080);
	ck_assert_str_eq(web->jetty_host, "127.0.0.1");
	ck_assert_str_eq(web->jetty_context, "/");
	ck_assert_str_eq(web->restart, "always");
	ck_assert_int_eq(web->notify, 0);
	ck_assert_int_eq(web->stop_timeout_ms, 10000);
	ck_assert_ptr_null(web->reload_signal);
	ck_assert_ptr_null(web->jvm_jar);

	ck_assert_int_eq(jobs->platform, APP_PLATFORM_JVM);
	ck_assert_str_eq(jobs->jvm_jar, "jobmanager.jar 9001");
	ck_assert_str_eq(jobs->jvm_heap_min, "64M");
	ck_assert_str_eq(jobs->jvm_heap_max, "2G");
	ck_assert_str_eq(jobs->jvm_opts,
	    "-Dseed.db=jdbc:postgresql://db.prod.example.net:5432/seed "
	    "-Dseed.log=/srv/metactl/seed/state/log");
	ck_assert_str_eq(jobs->restart, "on-failure");
	ck_assert_int_eq(jobs->stop_timeout_ms, 20000);
	ck_assert_str_eq(jobs->reload_signal, "HUP");
	ck_assert_str_eq(jobs->description, "seed job manager");

	/* The value is the app layer's line, the port the node's. */
	ck_assert_int_eq(
	    appconf_origin(a, "daemon.jobmanager", "jvm.jar", &l, &file, &line),
	    0);
	ck_assert_int_eq(l, APPCONF_APP);
	ck_assert_ptr_nonnull(strstr(file, "app.metactl"));
	ck_assert_int_eq(line, 33);
	ck_assert_int_eq(
	    appconf_origin(a, "env", "JOB_MANAGER_PORT", &l, &file, &line), 0);
	ck_assert_int_eq(l, APPCONF_NODE);
	ck_assert_str_eq(appconf_layer_name(l), "node");
	ck_assert_int_eq(appconf_origin(a, "daemon.jobmanager", "jvm.heap.max",
			     &l, NULL, NULL),
	    0);
	ck_assert_int_eq(l, APPCONF_SITE);
	ck_assert_int_eq(
	    appconf_origin(a, "env", "NOSUCH", &l, NULL, NULL), -1);
	ck_assert_str_eq(
	    config_get(appconf_config(a), "build", "timeout"), "10m");
	appconf_free(a);
}
END_TEST

START_TEST(typed_crons_and_env)
{
	struct appconf *a = load_seed();
	const struct app_cron *c;
	const char *const *env = appconf_env(a);

	ck_assert_uint_eq(appconf_ncrons(a), 2);
	c = appconf_cron(a, 0);
	ck_assert_str_eq(c->name, "purge");
	ck_assert_str_eq(c->schedule, "15 3 * * *");
	ck_assert_str_eq(c->command,
	    "find /srv/metactl/seed/state/log -name '*.log' -mtime +14 "
	    "-delete");
	ck_assert_str_eq(c->description, "drop logs older than two weeks");
	ck_assert_str_eq(c->user, "nobody");
	c = appconf_cron(a, 1);
	ck_assert_str_eq(c->schedule, "*/10 * * * mon-fri");
	ck_assert_str_eq(c->command, "date +%s > /tmp/seed-stamp");
	ck_assert_ptr_null(appconf_cron(a, 2));

	ck_assert_str_eq(env[0], "APP_HOME=/srv/metactl/seed/current");
	ck_assert_str_eq(env[3], "JOB_MANAGER_PORT=9001");
	ck_assert_ptr_null(env[5]);
	appconf_free(a);
}
END_TEST

/* A layer given as text, as a site layer inside a request comes. */
START_TEST(text_layer_and_show)
{
	static const char app[] = "[env]\nPORT = 1\n[daemon.d]\nplatform = "
				  "exec\ncommand = /bin/d %(PORT)\n";
	static const char site[] = "[env]\nPORT = 2\n";
	struct appconf_src src[APPCONF_NLAYERS] = {
	    {"a/.metactl", app, sizeof(app) - 1, 0},
	    {"<request>", site, sizeof(site) - 1, 0},
	    {"/nonexistent/d.conf", NULL, 0, 1}};
	struct appconf *a;
	struct error err;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_int_eq(appconf_load("d", src, &a, &err), 0);
	ck_assert_str_eq(appconf_daemon(a, 0)->command, "/bin/d 2");
	ck_assert_ptr_nonnull(f = open_memstream(&text, &len));
	ck_assert_int_eq(appconf_show(a, f), 0);
	fclose(f);
	ck_assert_str_eq(text,
	    "# app d\n"
	    "# layer app: a/.metactl\n"
	    "# layer site: <request>\n"
	    "# layer node: none\n"
	    "\n[env]\n"
	    "PORT = 2  # site <request>:2\n"
	    "\n[daemon.d]\n"
	    "platform = exec  # app a/.metactl:4\n"
	    "command = /bin/d 2  # app a/.metactl:5\n");
	free(text);
	appconf_free(a);

	/* A missing layer that is not optional, a bad app name. */
	src[2].optional = 0;
	ck_assert_int_eq(appconf_load("d", src, &a, &err), -ENOENT);
	ck_assert_str_eq(err.source, "/nonexistent/d.conf");
	ck_assert_int_eq(appconf_load("../x", src, &a, &err), -EINVAL);
	ck_assert_ptr_null(a);
}
END_TEST

START_TEST(split)
{
	struct error err;
	char **v;

	v = appconf_split("  java -jar  \"a b.jar\" x\"y z\"w \"q\\\"\\\\\" "
			  "\"\" back\\slash ",
	    &err);
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v[0], "java");
	ck_assert_str_eq(v[1], "-jar");
	ck_assert_str_eq(v[2], "a b.jar");
	ck_assert_str_eq(v[3], "xy zw");
	ck_assert_str_eq(v[4], "q\"\\");
	ck_assert_str_eq(v[5], "");
	ck_assert_str_eq(v[6], "back\\slash");
	ck_assert_ptr_null(v[7]);
	strv_free(v);
	ck_assert_ptr_nonnull(v = appconf_split("", &err));
	ck_assert_ptr_null(v[0]);
	strv_free(v);
	ck_assert_ptr_null(appconf_split("a \"b c", &err));
	ck_assert_ptr_nonnull(strstr(err.text, "unterminated"));
}
END_TEST

START_TEST(node_paths)
{
	char tmp[] = "/tmp/test_appconf.XXXXXX", path[4200], release[4096];
	char bufs[APPCONF_NLAYERS][4096];
	struct appconf_src src[APPCONF_NLAYERS];

	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(path, sizeof(path), "%s/shop", tmp);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/shop/releases", tmp);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(appconf_node_paths(tmp, "/etc/n", "shop", src, bufs,
			     release, sizeof(release)),
	    -ENOENT);
	snprintf(path, sizeof(path), "%s/shop/releases/v1.2", tmp);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/shop/current", tmp);
	ck_assert_int_eq(symlink("releases/v1.2", path), 0);
	ck_assert_int_eq(appconf_node_paths(tmp, "/etc/n", "shop", src, bufs,
			     release, sizeof(release)),
	    0);
	snprintf(path, sizeof(path), "%s/shop/current/.metactl", tmp);
	ck_assert_str_eq(src[APPCONF_APP].path, path);
	ck_assert_int_eq(src[APPCONF_APP].optional, 0);
	snprintf(path, sizeof(path), "%s/shop/state/sites/v1.2.conf", tmp);
	ck_assert_str_eq(src[APPCONF_SITE].path, path);
	ck_assert_int_eq(src[APPCONF_SITE].optional, 1);
	ck_assert_str_eq(src[APPCONF_NODE].path, "/etc/n/shop.conf");
	ck_assert_int_eq(src[APPCONF_NODE].optional, 1);
	snprintf(path, sizeof(path), "%s/shop/releases/v1.2", tmp);
	ck_assert_str_eq(release, path);
	ck_assert_int_eq(
	    appconf_node_paths(tmp, "/etc/n", "../shop", src, bufs, NULL, 0),
	    -EINVAL);
	snprintf(path, sizeof(path), "%s/shop/current", tmp);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(symlink("elsewhere/v1.2", path), 0);
	ck_assert_int_eq(
	    appconf_node_paths(tmp, "/etc/n", "shop", src, bufs, NULL, 0),
	    -EINVAL);
	ck_assert_int_eq(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/shop/releases/v1.2", tmp);
	ck_assert_int_eq(rmdir(path), 0);
	snprintf(path, sizeof(path), "%s/shop/releases", tmp);
	ck_assert_int_eq(rmdir(path), 0);
	snprintf(path, sizeof(path), "%s/shop", tmp);
	ck_assert_int_eq(rmdir(path), 0);
	ck_assert_int_eq(rmdir(tmp), 0);
}
END_TEST

START_TEST(cron_schedules)
{
	static const struct {
		const char *line, *schedule, *why; /* why NULL: good */
		size_t at;
	} scheds[] = {
	    {"0 0 * * * x", "0 0 * * *", NULL, 0},
	    {"  1,2-5,*/15\t0-23/2 31 JAN-dec SUN,7  a b ",
		"1,2-5,*/15 0-23/2 31 JAN-dec SUN,7", NULL, 0},
	    {"@reboot x", "@reboot", NULL, 0},
	    {"60 * * * * x", NULL, "minute: 60 is not in 0-59", 0},
	    {"* * 0 * * x", NULL, "day of month: 0 is not in 1-31", 4},
	    {"* * * 13 * x", NULL, "month: 13 is not in 1-12", 6},
	    {"* * * * 8 x", NULL, "day of week: 8 is not in 0-7", 8},
	    {"5-1 * * * * x", NULL, "minute: the range ends before it starts",
		0},
	    {"5/2 * * * * x", NULL, "minute: a step needs '*' or a range", 1},
	    {"*/0 * * * * x", NULL, "minute: step not in 1-59", 2},
	    {"* * * * monday x", NULL,
		"day of week: expected a number or a name like sun", 8},
	    {"* * * * *", NULL, "no command after the schedule", 9},
	    {"* * *", NULL, "month: missing", 5},
	    {"@daily", NULL, "no command after the schedule", 6},
	    {"1,,2 * * * * x", NULL, "minute: expected a number or '*'", 2},
	};
	char why[160], *sched;
	const char *cmd;
	size_t at;

	for (size_t i = 0; i < sizeof(scheds) / sizeof(scheds[0]); i++) {
		int r = cron_parse(
		    scheds[i].line, &sched, &cmd, &at, why, sizeof(why));

		if (scheds[i].why == NULL) {
			ck_assert_msg(r == 0, "%s: %s", scheds[i].line, why);
			ck_assert_str_eq(sched, scheds[i].schedule);
			free(sched);
			continue;
		}
		ck_assert_msg(r == -EINVAL, "%s: accepted", scheds[i].line);
		ck_assert_str_eq(why, scheds[i].why);
		ck_assert_msg(
		    at == scheds[i].at, "%s: at %zu", scheds[i].line, at);
	}
	ck_assert_int_eq(cron_parse("0 0 * * *   run  it ", &sched, &cmd, &at,
			     why, sizeof(why)),
	    0);
	ck_assert_str_eq(cmd, "run  it ");
	free(sched);
}
END_TEST

int
main(void)
{
	const char *dir = testutil_data_dir("appconf");
	Suite *s = suite_create("appconf");
	TCase *tc = tcase_create("appconf");

	ncases = testutil_cases(dir, &cases);
	tcase_add_loop_test(tc, data_case, 0, (int)ncases);
	tcase_add_test(tc, typed_daemons);
	tcase_add_test(tc, typed_crons_and_env);
	tcase_add_test(tc, text_layer_and_show);
	tcase_add_test(tc, split);
	tcase_add_test(tc, cron_schedules);
	tcase_add_test(tc, node_paths);
	suite_add_tcase(s, tc);
	return testutil_run_cases(s, dir, cases, ncases, 12);
}

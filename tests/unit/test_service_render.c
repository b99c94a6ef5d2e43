/*
 * test_service_render.c: the definitions and commands metactl gives to
 * systemd, Solaris SMF and Upstart, and the crontab of an app.
 *
 * This is a mock of PID 1 managers: systemd, SMF and Upstart cannot run
 * as PID 1 on the machines that run these tests, so nothing here starts
 * a daemon. What is checked is what metactl would do: every plan (the
 * files written, with their content, and every argv, exactly) against
 * golden files, the quoting of tricky values line by line, and the
 * parsing of outputs recorded from systemctl show, svcs and initctl
 * status (written from the tools' manuals and sources). The rendered
 * systemd units also go through systemd's own verifier
 * (tests/service_verify.sh); runit and s6 run for real in their tests.
 *
 * Golden files: tests/data/service/golden/BACKEND/CASE.json. After a
 * deliberate change of the output, regenerate them with
 *   METACTL_GOLDEN_UPDATE=1 make check TESTS=tests/unit/test_service_render
 * and review the diff before committing it.
 */
#include "buildconf.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "strv.h"
#include "plugins/service/backend.h"
#include "plugins/service/cron.h"
#include "service_cases.h"
#include "testutil.h"

static const struct svc_backend *const backends[] = {
    &svc_backend_systemd, &svc_backend_smf, &svc_backend_upstart};
#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

typedef int (*op_fn)(
    const struct svc_node *, const struct svc_unit *, struct plan *);

/* The plan of one operation, or {"error": NAME}. */
static json_t *
op_json(op_fn op, const struct svc_unit *u)
{
	struct plan p = {0};
	json_t *j;
	int r;

	if ((r = op(&service_node, u, &p)) < 0) {
		ck_assert_uint_eq(p.n, 0);
		j = json_pack("{s:s}", "error", error_name(r));
	} else
		j = plan_to_json(&p);
	plan_clear(&p);
	return j;
}

static json_t *
backend_json(const struct svc_backend *b, const struct svc_unit *u)
{
	json_t *o = json_object(), *logs = json_array();
	char **v, **w;

	json_object_set_new(o, "install", op_json(b->install, u));
	json_object_set_new(o, "uninstall", op_json(b->uninstall, u));
	json_object_set_new(o, "start", op_json(b->start, u));
	json_object_set_new(o, "stop", op_json(b->stop, u));
	json_object_set_new(o, "restart", op_json(b->restart, u));
	json_object_set_new(o, "reload", op_json(b->reload, u));
	json_object_set_new(o, "status", op_json(b->status, u));
	ck_assert_ptr_nonnull(v = b->logs(&service_node, u));
	for (w = v; *w != NULL; w++)
		json_array_append_new(logs, json_string(*w));
	strv_free(v);
	json_object_set_new(o, "logs", logs);
	return o;
}

/* got against the golden file DIR/NAME.json (or rewrites it). */
static void
golden_check(const char *dir, const char *name, json_t *got)
{
	char path[4096];
	json_error_t jerr;
	json_t *want;

	snprintf(path, sizeof(path), "%s/golden/%s/%s.json",
	    testutil_data_dir("service"), dir, name);
	if (getenv("METACTL_GOLDEN_UPDATE") != NULL)
		ck_assert_int_eq(json_dump_file(got, path,
				     JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					 JSON_ENSURE_ASCII),
		    0);
	want = json_load_file(path, 0, &jerr);
	ck_assert_msg(want != NULL, "%s: %s", path, jerr.text);
	testutil_json_eq(path, got, want, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(want);
}

/* Every backend, every case: the whole plan of each operation. */
START_TEST(test_golden)
{
	const struct svc_backend *b = backends[_i / service_ncases];
	const struct service_case *c = &service_cases[_i % service_ncases];
	json_t *got = backend_json(b, &c->unit);

	golden_check(b->name, c->name, got);
	json_decref(got);
}
END_TEST

/* The content of the first write step of op's plan; free() it. */
static char *
written(op_fn op, const struct svc_unit *u, char *path, size_t size)
{
	struct plan p = {0};
	char *s = NULL;
	size_t i;

	ck_assert_int_eq(op(&service_node, u, &p), 0);
	for (i = 0; i < p.n && s == NULL; i++)
		if (p.steps[i].kind == PLAN_WRITE) {
			s = strdup(p.steps[i].content);
			snprintf(path, size, "%s", p.steps[i].path);
			ck_assert_int_eq(p.steps[i].mode, 0644);
		}
	plan_clear(&p);
	ck_assert_ptr_nonnull(s);
	return s;
}

static void
has_line(const char *text, const char *line)
{
	const char *p = text;
	size_t n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') &&
		    (p[n] == '\n' || p[n] == '\0'))
			return;
		p += n;
	}
	ck_abort_msg("no line <%s> in:\n%s", line, text);
}

static const struct svc_unit *
unit_of(const char *name)
{
	for (size_t i = 0; i < service_ncases; i++)
		if (strcmp(service_cases[i].name, name) == 0)
			return &service_cases[i].unit;
	ck_abort_msg("no case %s", name);
	return NULL;
}

/* systemd.syntax(7): quotes, C escapes, $$ and %% in command lines;
 * Environment= keeps '$' and doubles '%'. */
START_TEST(test_systemd_quoting)
{
	static const char *const soh[] = {"/bin/echo", "a\001b\177", NULL};
	struct svc_unit u;
	char path[4096];
	char *s = written(
	    svc_backend_systemd.install, unit_of("tricky"), path, sizeof(path));

	ck_assert_str_eq(
	    path, "/etc/systemd/system/metactl-shop-worker.service");
	has_line(s,
	    "ExecStart=\"/usr/bin/java\" \"-Dmsg=hello world\" "
	    "\"-Dq=\\\"quoted\\\" 'single'\" \"100%%\" \"%%n\" "
	    "\"$$HOME\" \"$${PATH}\" \"back\\\\slash\\\\\" "
	    "\"na\xc3\xafve-\xe6\x97\xa5\xe6\x9c\xac\" \";\" "
	    "\"#not-a-comment\" \"\" \"-jar\" "
	    "\"/srv/metactl/shop/current/worker.jar\"");
	has_line(s, "Environment=\"GREETING=hello world\"");
	has_line(s, "Environment=\"QUOTE=say \\\"hi\\\" 'there'\"");
	has_line(s, "Environment=\"PCT=100%% %%n\"");
	has_line(s, "Environment=\"DOLLAR=$HOME ${X}\"");
	has_line(s, "Environment=\"BACKSLASH=C:\\\\temp\\\\\"");
	has_line(s, "Environment=\"EMPTY=\"");
	has_line(s, "Description=shop worker: 100%% \"busy\" $HOME");
	has_line(
	    s, "WorkingDirectory=/srv/metactl/shop/current/dir with space");
	has_line(s, "Type=notify");
	has_line(s, "User=nobody");
	has_line(s, "Group=nogroup");
	has_line(s, "Restart=on-failure");
	has_line(s, "TimeoutStopSec=1500ms");
	has_line(s, "TimeoutStartSec=31s");
	has_line(s, "ExecStartPost=/bin/sleep 1");
	has_line(s, "WantedBy=multi-user.target");
	ck_assert_ptr_null(strstr(s, "ExecReload"));
	free(s);

	s = written(
	    svc_backend_systemd.install, unit_of("plain"), path, sizeof(path));
	has_line(s, "Type=exec");
	has_line(s, "ExecReload=/bin/kill -HUP $MAINPID");
	has_line(s, "Restart=always");
	has_line(s, "TimeoutStopSec=10s");
	free(s);

	s = written(svc_backend_systemd.install, unit_of("control"), path,
	    sizeof(path));
	has_line(
	    s, "ExecStart=\"/usr/bin/printf\" \"line1\\nline2\" \"a\\tb\"");
	free(s);

	/* A control character without a letter escape, and DEL. */
	u = unit_of("bare")[0];
	u.argv = soh;
	s = written(svc_backend_systemd.install, &u, path, sizeof(path));
	has_line(s, "ExecStart=\"/bin/echo\" \"a\\x01b\\x7f\"");
	ck_assert_ptr_null(strstr(s, "NetworkNamespacePath"));
	free(s);

	/* A sandboxed app's daemon joins the app's namespace. */
	u = unit_of("plain")[0];
	u.netns = "metactl-shop";
	s = written(svc_backend_systemd.install, &u, path, sizeof(path));
	has_line(s, "NetworkNamespacePath=/run/netns/metactl-shop");
	free(s);
}
END_TEST

/* Upstart: stanza arguments dequoted by libnih, exec lines by sh. */
START_TEST(test_upstart_quoting)
{
	char path[4096];
	char *s = written(
	    svc_backend_upstart.install, unit_of("tricky"), path, sizeof(path));

	ck_assert_str_eq(path, "/etc/init/metactl-shop-worker.conf");
	has_line(s,
	    "exec '/usr/bin/java' '-Dmsg=hello world' "
	    "'-Dq=\"quoted\" '\\''single'\\''' '100%' '%n' '$HOME' "
	    "'${PATH}' 'back'\"\\\\\"'slash'\"\\\\\"'' "
	    "'na\xc3\xafve-\xe6\x97\xa5\xe6\x9c\xac' ';' "
	    "'#not-a-comment' '' '-jar' "
	    "'/srv/metactl/shop/current/worker.jar'");
	has_line(s, "env \"QUOTE=say \"'\"'\"hi\"'\"'\" 'there'\"");
	has_line(s, "env \"BACKSLASH=C:\\\\temp\\\\\"");
	has_line(s, "env \"DOLLAR=$HOME ${X}\"");
	has_line(s, "chdir \"/srv/metactl/shop/current/dir with space\"");
	has_line(s, "setuid nobody");
	has_line(s, "setgid nogroup");
	has_line(s, "respawn");
	has_line(s, "normal exit 0");
	has_line(s, "kill timeout 2");
	ck_assert_ptr_null(strstr(s, "reload signal"));
	free(s);
	s = written(
	    svc_backend_upstart.install, unit_of("bare"), path, sizeof(path));
	ck_assert_ptr_null(strstr(s, "respawn"));
	has_line(s, "reload signal SIGUSR1");
	free(s);
}
END_TEST

/* SMF: XML escapes over sh quoting and method tokens in exec. */
START_TEST(test_smf_quoting)
{
	char path[4096];
	char *s = written(
	    svc_backend_smf.install, unit_of("tricky"), path, sizeof(path));

	ck_assert_str_eq(
	    path, "/var/svc/manifest/site/metactl-shop-worker.xml");
	ck_assert_ptr_nonnull(strstr(s,
	    "exec=\"exec &apos;/usr/bin/java&apos; &apos;-Dmsg=hello "
	    "world&apos; "
	    "&apos;-Dq=&quot;quoted&quot; &apos;\\&apos;&apos;single&apos;"
	    "\\&apos;&apos;&apos; &apos;100%%&apos; &apos;%%n&apos; "
	    "&apos;$HOME&apos;"));
	has_line(s,
	    "          <envvar name=\"QUOTE\" value=\"say &quot;hi&quot; "
	    "&apos;there&apos;\"/>");
	has_line(s, "          <envvar name=\"PCT\" value=\"100% %n\"/>");
	has_line(s,
	    "      <method_context working_directory=\"/srv/metactl/"
	    "shop/current/dir with space\">");
	has_line(s,
	    "        <method_credential user=\"nobody\" "
	    "group=\"nogroup\"/>");
	has_line(s,
	    "  <service name=\"site/metactl/shop/worker\" "
	    "type=\"service\" version=\"1\">");
	ck_assert_ptr_null(strstr(s, "name=\"refresh\""));
	free(s);
}
END_TEST

/* The exact argv of the commands, beyond the golden files. */
START_TEST(test_argv)
{
	const struct svc_unit *u = unit_of("plain");
	struct plan p = {0};

	ck_assert_int_eq(svc_backend_systemd.start(&service_node, u, &p), 0);
	ck_assert_uint_eq(p.n, 2);
	ck_assert_str_eq(p.steps[0].argv[0], "systemctl");
	ck_assert_str_eq(p.steps[0].argv[1], "start");
	ck_assert_str_eq(p.steps[0].argv[2], "metactl-shop-web.service");
	ck_assert_ptr_null(p.steps[0].argv[3]);
	ck_assert_int_eq(p.steps[0].timeout_ms, 30000 + 1000 + 10000);
	ck_assert_str_eq(p.steps[0].what, "start daemon web of app shop");
	ck_assert_str_eq(p.steps[1].argv[1], "is-active");
	ck_assert_str_eq(p.steps[1].argv[2], "--quiet");
	plan_clear(&p);

	ck_assert_int_eq(svc_backend_smf.start(&service_node, u, &p), 0);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_str_eq(p.steps[0].argv[0], "svcadm");
	ck_assert_str_eq(p.steps[0].argv[1], "enable");
	ck_assert_str_eq(p.steps[0].argv[2], "-s");
	ck_assert_str_eq(
	    p.steps[0].argv[3], "svc:/site/metactl/shop/web:default");
	plan_clear(&p);

	ck_assert_int_eq(svc_backend_upstart.status(&service_node, u, &p), 0);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_str_eq(p.steps[0].argv[0], "initctl");
	ck_assert_str_eq(p.steps[0].argv[1], "status");
	ck_assert_str_eq(p.steps[0].argv[2], "metactl-shop-web");
	ck_assert_uint_eq(p.steps[0].flags, PLAN_OUTPUT);
	plan_clear(&p);

	/* No reload signal: every manager refuses, and adds nothing. */
	for (size_t i = 0; i < NBACKENDS; i++) {
		ck_assert_int_eq(
		    backends[i]->reload(&service_node, unit_of("tricky"), &p),
		    -ENOTSUP);
		ck_assert_uint_eq(p.n, 0);
	}
	/* Control characters: only systemd can carry them. */
	ck_assert_int_eq(
	    svc_backend_smf.install(&service_node, unit_of("control"), &p),
	    -EINVAL);
	ck_assert_int_eq(
	    svc_backend_upstart.install(&service_node, unit_of("control"), &p),
	    -EINVAL);
	ck_assert_uint_eq(p.n, 0);
}
END_TEST

/* Values no manager can take. */
START_TEST(test_refused)
{
	static const char *const rel[] = {"bin/web", NULL};
	static const char *const badenv[] = {"1X=y", NULL};
	static const char *const latin1[] = {"/bin/echo", "caf\xe9", NULL};
	struct svc_unit u = unit_of("plain")[0];
	struct plan p = {0};

	for (size_t i = 0; i < NBACKENDS; i++) {
		u = unit_of("plain")[0];
		u.argv = rel;
		ck_assert_int_eq(
		    backends[i]->install(&service_node, &u, &p), -EINVAL);
		u = unit_of("plain")[0];
		u.user = "a b";
		ck_assert_int_eq(
		    backends[i]->install(&service_node, &u, &p), -EINVAL);
		u = unit_of("plain")[0];
		u.argv = latin1;
		ck_assert_int_eq(
		    backends[i]->install(&service_node, &u, &p), -EINVAL);
		ck_assert_uint_eq(p.n, 0);
	}
	u = unit_of("plain")[0];
	u.env = badenv;
	ck_assert_int_eq(
	    svc_backend_systemd.install(&service_node, &u, &p), -EINVAL);
	u = unit_of("plain")[0];
	u.description = "ends with \\";
	ck_assert_int_eq(
	    svc_backend_systemd.install(&service_node, &u, &p), -EINVAL);
	u = unit_of("plain")[0];
	u.restart = "sometimes";
	ck_assert_int_eq(
	    svc_backend_systemd.install(&service_node, &u, &p), -EINVAL);
	ck_assert_uint_eq(p.n, 0);
}
END_TEST

static const struct app_cron crons[] = {
    {.name = "cleanup",
	.schedule = "*/15 * * * *",
	.command = "/srv/metactl/shop/current/bin/cleanup --older 7d",
	.description = "remove old sessions",
	.user = "shop"},
    {.name = "report",
	.schedule = "0 6 * * mon-fri",
	.command = "date +%Y-%m-%d >> /var/log/shop/report.log",
	.description = NULL,
	.user = "shop"},
};

START_TEST(test_cron)
{
	struct plan p = {0};
	struct error err;
	json_t *j;

	error_init(&err, "crontab");
	ck_assert_int_eq(
	    cron_install(&service_node, "shop", crons, 2, &p, &err), 0);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_str_eq(p.steps[0].path, "/etc/cron.d/metactl-shop");
	ck_assert_int_eq(p.steps[0].mode, 0644);
	has_line(p.steps[0].content, "# cleanup: remove old sessions");
	has_line(p.steps[0].content,
	    "*/15 * * * * shop /srv/metactl/shop/current/bin/cleanup "
	    "--older 7d");
	has_line(p.steps[0].content,
	    "0 6 * * mon-fri shop date +\\%Y-\\%m-\\%d >> "
	    "/var/log/shop/report.log");
	ck_assert_ptr_nonnull(strstr(p.steps[0].content,
	    "# metactl-generated from the [crontab] of app shop."));
	golden_check("cron", "two", j = plan_to_json(&p));
	json_decref(j);
	plan_clear(&p);

	/* No entries: the file goes. */
	ck_assert_int_eq(
	    cron_install(&service_node, "shop", crons, 0, &p, &err), 0);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_int_eq(p.steps[0].kind, PLAN_REMOVE);
	ck_assert_str_eq(p.steps[0].path, "/etc/cron.d/metactl-shop");
	plan_clear(&p);
	ck_assert_int_eq(cron_remove(&service_node, "shop", &p, &err), 0);
	ck_assert_int_eq(p.steps[0].kind, PLAN_REMOVE);
	plan_clear(&p);
}
END_TEST

/* Each refusal, with words that say why; nothing is planned. */
START_TEST(test_cron_refused)
{
	struct app_cron bad[1];
	struct plan p = {0};
	struct error err;

	error_init(&err, "crontab");
	ck_assert_int_eq(
	    cron_install(&service_node, "shop.v2", crons, 2, &p, &err),
	    -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "cron ignores files"));
	ck_assert_int_eq(cron_remove(&service_node, "shop.v2", &p, &err), 0);
	ck_assert_int_eq(
	    cron_install(&service_node, "../etc", crons, 2, &p, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "app name"));

	bad[0] = crons[0];
	bad[0].command = "rm -rf /tmp/x\n* * * * * root evil";
	ck_assert_int_eq(
	    cron_install(&service_node, "shop", bad, 1, &p, &err), -EINVAL);
	ck_assert_ptr_nonnull(
	    strstr(err.text, "[crontab] cleanup of app shop"));
	ck_assert_ptr_nonnull(strstr(err.text, "newline"));
	bad[0] = crons[0];
	bad[0].schedule = "* * * *";
	ck_assert_int_eq(
	    cron_install(&service_node, "shop", bad, 1, &p, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "five cron fields"));
	bad[0].schedule = "* * * * ; *";
	ck_assert_int_eq(
	    cron_install(&service_node, "shop", bad, 1, &p, &err), -EINVAL);
	bad[0] = crons[0];
	bad[0].user = "root shop";
	ck_assert_int_eq(
	    cron_install(&service_node, "shop", bad, 1, &p, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "user"));
	bad[0] = crons[0];
	bad[0].description = "two\nlines";
	ck_assert_int_eq(
	    cron_install(&service_node, "shop", bad, 1, &p, &err), -EINVAL);
	ck_assert_uint_eq(p.n, 0);
}
END_TEST

/* A recorded output of a status command and what it means. */
struct status_case {
	const struct svc_backend *b;
	const char *file; /* under tests/data/service/status/ */
	int ret;
	const char *state;
	long pid;
	int ready;
	int last_exit;
	int last_signal;
	const char *detail;
	long long since_s; /* -1 unknown, -2: about now - 1 s after boot */
};

static const struct status_case status_cases[] = {
    {&svc_backend_systemd, "systemd/running.out", 0, "up", 4242, 1, -1, 0,
	"active (running)", -2},
    {&svc_backend_systemd, "systemd/failed.out", 0, "failed", 0, 0, 3, 0,
	"failed (failed), result exit-code", -2},
    {&svc_backend_systemd, "systemd/killed.out", 0, "starting", 0, 0, -1, 9,
	"activating (auto-restart), result signal", -2},
    {&svc_backend_systemd, "systemd/not-found.out", 0, "down", 0, 0, -1, 0,
	"not installed (LoadState=not-found)", -1},
    {&svc_backend_systemd, "systemd/garbage.out", -EINVAL, "unknown", 0, -1, -1,
	0, "", -1},
    {&svc_backend_smf, "smf/online.out", 0, "up", 1234, 1, -1, 0, "online", -3},
    {&svc_backend_smf, "smf/maintenance.out", 0, "failed", 0, 0, -1, 0,
	"maintenance", -1},
    {&svc_backend_smf, "smf/stopping.out", 0, "stopping", 1234, 0, -1, 0,
	"online*", -3},
    {&svc_backend_upstart, "upstart/running.out", 0, "up", 1234, 1, -1, 0,
	"start/running", -1},
    {&svc_backend_upstart, "upstart/waiting.out", 0, "down", 0, 0, -1, 0,
	"stop/waiting", -1},
    {&svc_backend_upstart, "upstart/post-start.out", 0, "starting", 1234, 0, -1,
	0, "start/post-start", -1},
    {&svc_backend_upstart, "upstart/garbage.out", -EINVAL, "unknown", 0, -1, -1,
	0, "", -1},
};
#define NSTATUS (sizeof(status_cases) / sizeof(status_cases[0]))

START_TEST(test_status)
{
	const struct status_case *c = &status_cases[_i];
	struct svc_state st;
	struct timespec ts;
	char path[4096];
	char *out;

	snprintf(path, sizeof(path), "%s/status/%s",
	    testutil_data_dir("service"), c->file);
	ck_assert_ptr_nonnull(out = testutil_read_file(path, NULL));
	ck_assert_int_eq(
	    c->b->status_parse(&service_node, unit_of("plain"), out, &st),
	    c->ret);
	free(out);
	ck_assert_str_eq(st.state, c->state);
	ck_assert_int_eq(st.pid, c->pid);
	ck_assert_int_eq(st.ready, c->ready);
	ck_assert_int_eq(st.last_exit, c->last_exit);
	ck_assert_int_eq(st.last_signal, c->last_signal);
	ck_assert_str_eq(st.detail, c->detail);
	if (c->since_s == -2) {
		/* The samples changed state 1 s after boot. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ck_assert_int_ge(st.since_s, (long long)ts.tv_sec - 2);
		ck_assert_int_le(st.since_s, (long long)ts.tv_sec);
	} else if (c->since_s == -3) {
		/* A clock time of today: less than a day ago. */
		ck_assert_int_ge(st.since_s, 0);
		ck_assert_int_lt(st.since_s, 86400);
	} else
		ck_assert_int_eq(st.since_s, c->since_s);
}
END_TEST

/* A directory tree under root, for detection. */
static void
mk(const char *root, const char *path)
{
	char buf[4096], *s;

	snprintf(buf, sizeof(buf), "%s%s", root, path);
	for (s = buf + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		mkdir(buf, 0755);
		*s = '/';
	}
	mkdir(buf, 0755);
}

static void
proc(const char *root, const char *pid, const char *cmd, size_t len)
{
	char buf[4096];
	FILE *f;

	snprintf(buf, sizeof(buf), "/proc/%s", pid);
	mk(root, buf);
	snprintf(buf, sizeof(buf), "%s/proc/%s/cmdline", root, pid);
	ck_assert_ptr_nonnull(f = fopen(buf, "w"));
	ck_assert_uint_eq(fwrite(cmd, 1, len, f), len);
	fclose(f);
}

START_TEST(test_detect)
{
	static const char runsvdir[] = "runsvdir\0-P\0/etc/service/\0log: ....";
	static const char s6[] = "/usr/bin/s6-svscan\0-t0\0/run/service";
	char root[] = "/tmp/metactl-detect-XXXXXX", cmd[256];
	char sub[4096];
	int k = 0;

	ck_assert_ptr_nonnull(mkdtemp(root));
	/* Nothing: no manager. */
	snprintf(sub, sizeof(sub), "%s/%d", root, k++);
	mk(sub, "/proc/1");
	ck_assert_ptr_null(svc_backend_detect(sub, NULL));
	/* runit: runsvdir -P on the scan directory. */
	proc(sub, "77", runsvdir, sizeof(runsvdir));
	ck_assert_str_eq(svc_backend_detect(sub, NULL), "runit");
	ck_assert_ptr_null(svc_backend_detect(sub, "/srv/service"));
	/* s6: s6-svscan on the directory, and its mark. */
	snprintf(sub, sizeof(sub), "%s/%d", root, k++);
	proc(sub, "12", s6, sizeof(s6));
	ck_assert_ptr_null(svc_backend_detect(sub, NULL));
	mk(sub, "/run/service/.s6-svscan");
	ck_assert_str_eq(svc_backend_detect(sub, NULL), "s6");
	ck_assert_str_eq(svc_backend_detect(sub, "/run/service"), "s6");
	/* Upstart: initctl and its runtime directory. */
	mk(sub, "/sbin/initctl");
	ck_assert_str_eq(svc_backend_detect(sub, NULL), "s6");
	mk(sub, "/run/upstart");
	ck_assert_str_eq(svc_backend_detect(sub, NULL), "upstart");
	/* SMF, then systemd, win over the rest. */
	mk(sub, "/etc/svc/volatile");
	ck_assert_str_eq(svc_backend_detect(sub, NULL), "smf");
	mk(sub, "/run/systemd/system");
	ck_assert_str_eq(svc_backend_detect(sub, NULL), "systemd");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("service_render");
	TCase *tc = tcase_create("render");

	tcase_add_loop_test(
	    tc, test_golden, 0, (int)(NBACKENDS * service_ncases));
	tcase_add_test(tc, test_systemd_quoting);
	tcase_add_test(tc, test_upstart_quoting);
	tcase_add_test(tc, test_smf_quoting);
	tcase_add_test(tc, test_argv);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_cron);
	tcase_add_test(tc, test_cron_refused);
	tcase_add_loop_test(tc, test_status, 0, (int)NSTATUS);
	tcase_add_test(tc, test_detect);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}

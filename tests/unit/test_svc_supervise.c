/*
 * test_svc_supervise.c: the plans of the runit and s6 backends
 * (plugins/service/runit.c, s6.c, svdir.c): files, exact argv, status
 * parsing, and the finish script's record of the last exit.
 */
#include "buildconf.h"

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "plugins/service/backend.h"
#include "plugins/service/plan_files.h"
#include "testutil.h"

static const char *const argv_web[] = {
    "/srv/shop/bin/web", "--name", "it's me", NULL};
static const char *const env_web[] = {"DB_URL=x y", "Q='", NULL};

static const struct svc_node node = {
    .manager = "runit",
    .service_dir = "/etc/service",
    .supervise_dir = "/var/lib/metactl/services",
    .svwait = "/usr/libexec/metactl/metactl-svwait",
    .start_timeout_ms = 5000,
    .start_grace_ms = 700,
};

static struct svc_unit
unit(void)
{
	struct svc_unit u = {.app = "shop",
	    .daemon = "web",
	    .unit = "metactl-shop-web",
	    .argv = argv_web,
	    .env = env_web,
	    .user = "shop",
	    .cwd = "/srv/shop/current",
	    .restart = "always"};

	return u;
}

/* The step of p that writes a path ending in suffix; fails without. */
static const struct plan_step *
written(const struct plan *p, const char *suffix)
{
	size_t i, n = strlen(suffix), len;

	for (i = 0; i < p->n; i++) {
		if (p->steps[i].kind != PLAN_WRITE)
			continue;
		len = strlen(p->steps[i].path);
		if (len >= n && strcmp(p->steps[i].path + len - n, suffix) == 0)
			return &p->steps[i];
	}
	ck_abort_msg("no write of *%s", suffix);
	return NULL;
}

/* Step i's argv joined by spaces. */
static const char *
argv_str(const struct plan *p, size_t i)
{
	static char buf[1024];
	char **v;

	buf[0] = '\0';
	ck_assert_uint_lt(i, p->n);
	ck_assert_int_eq(p->steps[i].kind, PLAN_RUN);
	for (v = p->steps[i].argv; *v != NULL; v++) {
		if (buf[0] != '\0')
			strcat(buf, " ");
		strcat(buf, *v);
	}
	return buf;
}

START_TEST(test_runit_install)
{
	struct svc_unit u = unit();
	struct plan p = {0};
	const struct plan_step *s;

	u.group = "web";
	ck_assert_int_eq(svc_backend_runit.install(&node, &u, &p), 0);
	s = written(&p, "/metactl-shop-web/run");
	ck_assert_uint_eq(s->mode, 0755);
	ck_assert_str_eq(s->content,
	    "#!/bin/sh\n"
	    "# metactl-shop-web, daemon web of app shop\n"
	    "exec 2>&1\n"
	    "cd '/srv/shop/current' || exit 111\n"
	    "exec 'chpst' '-u' 'shop:web' /usr/bin/env -i "
	    "'PATH=/usr/local/bin:/usr/bin:/bin' 'DB_URL=x y' 'Q='\\''' "
	    "'/srv/shop/bin/web' '--name' 'it'\\''s me'\n");
	ck_assert_str_eq(written(&p, "/metactl-shop-web/down")->content, "");
	ck_assert_str_eq(written(&p, "/log/run")->content,
	    "#!/bin/sh\nexec svlogd -tt main\n");
	ck_assert_int_eq(p.steps[p.n - 2].kind, PLAN_SYMLINK);
	ck_assert_str_eq(
	    p.steps[p.n - 2].path, "/etc/service/metactl-shop-web");
	ck_assert_str_eq(p.steps[p.n - 2].target,
	    "/var/lib/metactl/services/metactl-shop-web");
	ck_assert_str_eq(argv_str(&p, p.n - 1),
	    "/usr/libexec/metactl/metactl-svwait --timeout 5000 --grace 0 "
	    "runit-supervised /var/lib/metactl/services/metactl-shop-web");
	plan_clear(&p);
}
END_TEST

START_TEST(test_runit_commands)
{
	struct svc_unit u = unit();
	struct plan p = {0};
	char **logs;

	u.user = NULL;
	ck_assert_int_eq(svc_backend_runit.install(&node, &u, &p), 0);
	ck_assert_ptr_nonnull(
	    strstr(written(&p, "/run")->content, "'chpst' '-u' 'nobody' "));
	plan_clear(&p);
	u.argv = (const char *const[]){"web", NULL};
	ck_assert_int_eq(svc_backend_runit.install(&node, &u, &p), -EINVAL);
	ck_assert_int_eq(svc_backend_s6.install(&node, &u, &p), -EINVAL);
	ck_assert_uint_eq(p.n, 0);
	u = unit();
	ck_assert_int_eq(svc_backend_runit.start(&node, &u, &p), 0);
	ck_assert_uint_eq(p.n, 4);
	ck_assert_int_eq(p.steps[0].kind, PLAN_REMOVE);
	ck_assert_str_eq(
	    p.steps[0].path, "/var/lib/metactl/services/metactl-shop-web/down");
	ck_assert_str_eq(p.steps[1].path,
	    "/var/lib/metactl/services/metactl-shop-web/last-exit");
	ck_assert_str_eq(argv_str(&p, 2),
	    "sv up /var/lib/metactl/services/metactl-shop-web");
	ck_assert_str_eq(argv_str(&p, 3),
	    "/usr/libexec/metactl/metactl-svwait --timeout 5000 --grace 700 "
	    "runit-up /var/lib/metactl/services/metactl-shop-web");
	plan_clear(&p);
	ck_assert_int_eq(svc_backend_runit.reload(&node, &u, &p), -ENOTSUP);
	u.reload_signal = "SIGUSR1";
	ck_assert_int_eq(svc_backend_runit.reload(&node, &u, &p), 0);
	ck_assert_str_eq(
	    argv_str(&p, 0), "sv 1 /var/lib/metactl/services/metactl-shop-web");
	plan_clear(&p);
	ck_assert_ptr_nonnull(logs = svc_backend_runit.logs(&node, &u));
	ck_assert_str_eq(logs[2],
	    "/var/lib/metactl/services/metactl-shop-web/log/main/current");
	strv_free(logs);
}
END_TEST

START_TEST(test_runit_status_parse)
{
	struct svc_unit u = unit();
	struct svc_state st;

	ck_assert_int_eq(svc_backend_runit.status_parse(&node, &u,
			     "run: /x/metactl-shop-web: (pid 123) 45s; run: "
			     "log: (pid 124) 45s\n-1 15\n",
			     &st),
	    0);
	ck_assert_str_eq(st.state, "up");
	ck_assert_int_eq(st.pid, 123);
	ck_assert_int_eq(st.since_s, 45);
	ck_assert_int_eq(st.last_exit, -1);
	ck_assert_int_eq(st.last_signal, 15);
	ck_assert_str_eq(st.detail, "run: /x/metactl-shop-web: (pid 123) 45s");
	svc_backend_runit.status_parse(&node, &u,
	    "down: /x/metactl-shop-web: 3s, normally up\n3 0\n", &st);
	ck_assert_str_eq(st.state, "down");
	ck_assert_int_eq(st.pid, 0);
	ck_assert_int_eq(st.since_s, 3);
	ck_assert_int_eq(st.last_exit, 3);
	svc_backend_runit.status_parse(&node, &u,
	    "warning: /x: unable to open supervise/ok: file does not exist\n",
	    &st);
	ck_assert_str_eq(st.state, "failed");
	ck_assert_int_eq(st.last_exit, -1);
}
END_TEST

START_TEST(test_s6_plans)
{
	struct svc_unit u = unit();
	struct plan p = {0};

	u.notify = 1;
	u.reload_signal = "HUP";
	ck_assert_int_eq(svc_backend_s6.install(&node, &u, &p), 0);
	ck_assert_str_eq(written(&p, "/notification-fd")->content, "3\n");
	ck_assert_ptr_nonnull(strstr(written(&p, "/run")->content,
	    "exec 's6-setuidgid' 'shop' /usr/bin/env -i "));
	ck_assert_str_eq(argv_str(&p, p.n - 2), "s6-svscanctl -a /etc/service");
	ck_assert_ptr_null(strstr(written(&p, "/finish")->content, "125"));
	plan_clear(&p);
	u.restart = "on-failure";
	ck_assert_int_eq(svc_backend_s6.install(&node, &u, &p), 0);
	ck_assert_ptr_nonnull(strstr(written(&p, "/finish")->content,
	    "[ \"$code\" != 0 ] || exit 125\n"));
	plan_clear(&p);
	u.restart = "never";
	ck_assert_int_eq(svc_backend_runit.install(&node, &u, &p), 0);
	ck_assert_ptr_nonnull(
	    strstr(written(&p, "/finish")->content, "last-exit\nsv down .\n"));
	plan_clear(&p);
	ck_assert_int_eq(svc_backend_s6.start(&node, &u, &p), 0);
	ck_assert_str_eq(argv_str(&p, 2),
	    "s6-svc -T 5000 -wU -u "
	    "/var/lib/metactl/services/metactl-shop-web");
	ck_assert_str_eq(argv_str(&p, 3),
	    "/usr/libexec/metactl/metactl-svwait --timeout 5000 --grace 700 "
	    "grace /var/lib/metactl/services/metactl-shop-web");
	plan_clear(&p);
	ck_assert_int_eq(svc_backend_s6.stop(&node, &u, &p), 0);
	ck_assert_str_eq(argv_str(&p, 1),
	    "s6-svc -T 5000 -wD -d /var/lib/metactl/services/metactl-shop-web");
	plan_clear(&p);
	ck_assert_int_eq(svc_backend_s6.reload(&node, &u, &p), 0);
	ck_assert_str_eq(argv_str(&p, 0),
	    "s6-svc -h /var/lib/metactl/services/metactl-shop-web");
	plan_clear(&p);
}
END_TEST

START_TEST(test_s6_status_parse)
{
	struct svc_unit u = unit();
	struct svc_state st;

	u.notify = 1;
	svc_backend_s6.status_parse(&node, &u, "true true 123 -1 NA 45\n", &st);
	ck_assert_str_eq(st.state, "up");
	ck_assert_int_eq(st.pid, 123);
	ck_assert_int_eq(st.ready, 1);
	ck_assert_int_eq(st.since_s, 45);
	ck_assert_int_eq(st.last_exit, -1);
	u.notify = 0;
	svc_backend_s6.status_parse(
	    &node, &u, "false false -1 3 NA 2\n3 0\n", &st);
	ck_assert_str_eq(st.state, "down");
	ck_assert_int_eq(st.pid, 0);
	ck_assert_int_eq(st.ready, -1);
	ck_assert_int_eq(st.last_exit, 3);
	svc_backend_s6.status_parse(&node, &u, "s6-svstat: fatal\n", &st);
	ck_assert_str_eq(st.state, "failed");
}
END_TEST

/* Runs the finish script in dir with args; the last-exit it leaves. */
static void
finish(const char *dir, const char *args, char *got, size_t size)
{
	char cmd[PATH_MAX + 64], path[PATH_MAX];

	snprintf(cmd, sizeof(cmd), "cd %s && sh ./finish %s", dir, args);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/last-exit", dir);
	ck_assert_int_eq(testutil_first_line(path, got, size), 0);
}

/* runit passes (code or -1, wait status & 0xff); s6 (code or 256, sig). */
START_TEST(test_finish_script)
{
	struct svc_node n = node;
	struct svc_unit u = unit();
	char top[] = "/tmp/test_svc_supervise.XXXXXX", dir[PATH_MAX], got[64];
	struct plan p = {0};
	struct plan_step rm = {.kind = PLAN_REMOVE, .path = top};
	const struct plan_step *s;
	char err[256];

	ck_assert_ptr_nonnull(mkdtemp(top));
	n.supervise_dir = top;
	ck_assert_int_eq(svc_backend_runit.install(&n, &u, &p), 0);
	s = written(&p, "/finish");
	ck_assert_int_eq(plan_file_step(&p.steps[0], err, sizeof(err)), 0);
	ck_assert_int_eq(plan_file_step(s, err, sizeof(err)), 0);
	snprintf(dir, sizeof(dir), "%s/metactl-shop-web", top);
	finish(dir, "3 0", got, sizeof(got));
	ck_assert_str_eq(got, "3 0");
	finish(dir, "-1 143", got, sizeof(got));
	ck_assert_str_eq(got, "-1 15");
	finish(dir, "256 9 metactl-shop-web 42", got, sizeof(got));
	ck_assert_str_eq(got, "-1 9");
	finish(dir, "0", got, sizeof(got));
	ck_assert_str_eq(got, "0 0");
	plan_clear(&p);
	ck_assert_int_eq(plan_file_step(&rm, err, sizeof(err)), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("svc_supervise");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_runit_install);
	tcase_add_test(tc, test_runit_commands);
	tcase_add_test(tc, test_runit_status_parse);
	tcase_add_test(tc, test_s6_plans);
	tcase_add_test(tc, test_s6_status_parse);
	tcase_add_test(tc, test_finish_script);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}

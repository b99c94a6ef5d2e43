/*
 * test_agent_spawn.c: the one process runner of metactld (agent/spawn.c):
 * argv without a shell, the default environment and directory, stdin,
 * capped capture, the timeout and cancellation killing the whole process
 * group, dry-run, another user, and a loop that keeps running meanwhile.
 */
#include "buildconf.h"

#include <check.h>
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/spawn.h"
#include "testutil.h"

static uv_loop_t loop;

/* One run's outcome, with the output copied. */
struct outcome {
	int called;
	struct spawn_result r;
	char *out, *err;
};

static void
setup(void)
{
	ck_assert_int_eq(uv_loop_init(&loop), 0);
}

static void
teardown(void)
{
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}

static void
record(const struct spawn_result *r, void *arg)
{
	struct outcome *o = arg;

	o->called++;
	o->r = *r;
	o->out = strndup(r->out, r->out_len);
	o->err = strndup(r->err, r->err_len);
}

static void
outcome_clear(struct outcome *o)
{
	free(o->out);
	free(o->err);
}

/* Runs p to its end; the outcome is in o. */
static void
run(struct spawn_params *p, struct outcome *o)
{
	struct spawn *s = NULL;

	if (p->out_max == 0)
		p->out_max = 4096;
	if (p->err_max == 0)
		p->err_max = 4096;
	if (p->timeout_ms == 0)
		p->timeout_ms = 10000;
	ck_assert_int_eq(spawn_start(&loop, p, record, o, &s), 0);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(o->called, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(o->called, 1);
}

START_TEST(test_argv_env_cwd)
{
	static const char *const argv[] = {"/bin/sh", "-c",
	    "printf '%s|%s|' \"$1\" \"$(pwd)\"; env | sort | tr '\\n' ' '; "
	    "echo oops >&2; exit 4",
	    "sh", "a b; $(id)", NULL};
	struct spawn_params p = {.argv = argv};
	struct outcome o = {0};

	run(&p, &o);
	ck_assert_int_eq(o.r.exit_status, 4);
	ck_assert_int_eq(o.r.term_signal, 0);
	/* One argument, as given; /; PATH and what the shell sets itself. */
	ck_assert_msg(strncmp(o.out, "a b; $(id)|/|", 13) == 0, "%s", o.out);
	ck_assert_ptr_nonnull(strstr(o.out, SPAWN_DEFAULT_PATH " "));
	ck_assert_ptr_null(strstr(o.out, "HOME="));
	ck_assert_str_eq(o.err, "oops\n");
	outcome_clear(&o);
}
END_TEST

START_TEST(test_env_cwd_and_stdin_given)
{
	static const char *const argv[] = {
	    "/bin/sh", "-c", "printf '%s|%s|' \"$X\" \"$(pwd)\"; cat", NULL};
	static const char *const env[] = {"X=42", "PATH=/bin:/usr/bin", NULL};
	struct spawn_params p = {
	    .argv = argv, .env = env, .cwd = "/tmp", .input = "in\n"};
	struct outcome o = {0};

	p.input_len = 3;
	run(&p, &o);
	ck_assert_str_eq(o.out, "42|/tmp|in\n");
	outcome_clear(&o);
	memset(&o, 0, sizeof(o));

	/* Without input stdin is /dev/null: cat ends at once. */
	memset(&p, 0, sizeof(p));
	p.argv = argv;
	run(&p, &o);
	ck_assert_int_eq(o.r.exit_status, 0);
	ck_assert_str_eq(o.out, "|/|");
	outcome_clear(&o);
}
END_TEST

START_TEST(test_caps)
{
	static const char *const argv[] = {"/bin/sh", "-c",
	    "head -c 5000 /dev/zero | tr '\\000' o; "
	    "head -c 300 /dev/zero | tr '\\000' e >&2",
	    NULL};
	struct spawn_params p = {.argv = argv, .out_max = 1000, .err_max = 10};
	struct outcome o = {0};

	run(&p, &o);
	ck_assert_int_eq(o.r.exit_status, 0);
	ck_assert_uint_eq(o.r.out_len, 1000);
	ck_assert_int_eq(o.r.out_truncated, 1);
	ck_assert_uint_eq(o.r.err_len, 10);
	ck_assert_int_eq(o.r.err_truncated, 1);
	ck_assert_str_eq(o.err, "eeeeeeeeee");
	outcome_clear(&o);
}
END_TEST

static pid_t
read_pid(const char *path)
{
	char line[32];

	ck_assert_int_eq(testutil_first_line(path, line, sizeof(line)), 0);
	return (pid_t)atoi(line);
}

/* A timer that fires while the child runs: the loop is not blocked. */
static void
tick(uv_timer_t *t)
{
	(*(int *)t->data)++;
}

START_TEST(test_timeout_kills_group)
{
	char dir[] = "/tmp/test_agent_spawn.XXXXXX", script[256], pidf[128];
	const char *argv[] = {"/bin/sh", "-c", script, NULL};
	struct spawn_params p = {.argv = argv, .timeout_ms = 300};
	struct outcome o = {0};
	uv_timer_t timer;
	int ticks = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(pidf, sizeof(pidf), "%s/pid", dir);
	snprintf(script, sizeof(script),
	    "sleep 30 & echo $! > %s; echo started; wait", pidf);
	uv_timer_init(&loop, &timer);
	timer.data = &ticks;
	uv_timer_start(&timer, tick, 50, 0);
	uv_unref((uv_handle_t *)&timer);
	run(&p, &o);
	ck_assert_int_eq(ticks, 1);
	ck_assert_int_eq(o.r.timed_out, 1);
	ck_assert_int_eq(o.r.term_signal, SIGKILL);
	ck_assert_str_eq(o.out, "started\n");
	ck_assert_msg(
	    testutil_gone(read_pid(pidf)), "the background child survived");
	/* The timer lives on this stack: closed before the return. */
	uv_close((uv_handle_t *)&timer, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	unlink(pidf);
	rmdir(dir);
	outcome_clear(&o);
}
END_TEST

START_TEST(test_cancel_kills_group)
{
	char dir[] = "/tmp/test_agent_spawn.XXXXXX", script[256], pidf[128];
	const char *argv[] = {"/bin/sh", "-c", script, NULL};
	struct spawn_params p = {
	    .argv = argv, .out_max = 64, .err_max = 64, .timeout_ms = 30000};
	struct outcome o = {0};
	struct spawn *s;
	int i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(pidf, sizeof(pidf), "%s/pid", dir);
	snprintf(script, sizeof(script), "sleep 30 & echo $! > %s; wait", pidf);
	ck_assert_int_eq(spawn_start(&loop, &p, record, &o, &s), 0);
	for (i = 0; i < 400 && access(pidf, F_OK) != 0; i++)
		uv_run(&loop, UV_RUN_NOWAIT), usleep(5000);
	ck_assert_int_eq(access(pidf, F_OK), 0);
	spawn_cancel(s);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(o.called, 0);
	ck_assert_msg(
	    testutil_gone(read_pid(pidf)), "the background child survived");
	unlink(pidf);
	rmdir(dir);
}
END_TEST

START_TEST(test_dry_run_and_errors)
{
	static const char *const argv[] = {"/bin/rm", "-rf", "/", NULL};
	static const char *const missing[] = {"/nonexistent/program", NULL};
	static const char *const empty[] = {NULL};
	struct spawn_params p = {.argv = argv, .dry_run = 1};
	struct outcome o = {0};
	struct spawn *s;

	run(&p, &o);
	ck_assert_int_eq(o.r.exit_status, 0);
	ck_assert_str_eq(o.out, "");
	outcome_clear(&o);
	memset(&o, 0, sizeof(o));

	p = (struct spawn_params){.argv = missing, .out_max = 8};
	ck_assert_int_eq(spawn_start(&loop, &p, record, &o, &s), -ENOENT);
	p.argv = empty;
	ck_assert_int_eq(spawn_start(&loop, &p, record, &o, &s), -EINVAL);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(o.called, 0);
}
END_TEST

START_TEST(test_as_another_user)
{
	static const char *const argv[] = {"/usr/bin/id", NULL};
	struct passwd *pw = getpwnam("nobody");
	struct spawn_params p = {.argv = argv};
	struct outcome o = {0};
	char want[64];

	if (getuid() != 0 || pw == NULL)
		return; /* needs root and a "nobody" */
	p.set_ids = 1;
	p.uid = pw->pw_uid;
	p.gid = pw->pw_gid;
	run(&p, &o);
	ck_assert_int_eq(o.r.exit_status, 0);
	snprintf(want, sizeof(want), "uid=%u(nobody)", (unsigned)pw->pw_uid);
	ck_assert_msg(strncmp(o.out, want, strlen(want)) == 0, "%s", o.out);
	/* Supplementary groups dropped: no root group left. */
	ck_assert_ptr_null(strstr(o.out, "(root)"));
	outcome_clear(&o);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("agent_spawn");
	TCase *tc = tcase_create("spawn");

	signal(SIGPIPE, SIG_IGN);
	log_init("test_agent_spawn", 0, LOG_LEVEL_ERR);
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_argv_env_cwd);
	tcase_add_test(tc, test_env_cwd_and_stdin_given);
	tcase_add_test(tc, test_caps);
	tcase_add_test(tc, test_timeout_kills_group);
	tcase_add_test(tc, test_cancel_kills_group);
	tcase_add_test(tc, test_dry_run_and_errors);
	tcase_add_test(tc, test_as_another_user);
	suite_add_tcase(su, tc);
	return testutil_run(su);
}

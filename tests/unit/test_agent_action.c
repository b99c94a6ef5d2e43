/*
 * test_agent_action.c: the action context of metactld (agent/action.c):
 * children with argv, captured and capped output, the timeout killing the
 * whole process group, dry-run, per-key locks, the concurrency limit and its
 * queue, and the reply each action completes with.
 */
#include "buildconf.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "message.h"
#include "plugins/plugin.h"
#include "agent/agentd.h"
#include "test_agent_sink.h"
#include "testutil.h"

static struct agentd d;
static uv_loop_t loop;

static void
setup(void)
{
	struct node_sources ns = {0};
	struct error err;

	memset(&d, 0, sizeof(d));
	uv_loop_init(&loop);
	d.loop = &loop;
	conf_defaults(&d.conf);
	free(d.conf.identity);
	d.conf.identity = strdup("test1");
	d.conf.action_timeout_ms = 10000;
	queue_init(&d.actions);
	ck_assert_int_eq(node_load(&loop, &ns, &d.node, &err), 0);
}

static void
teardown(void)
{
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
	node_free(d.node);
	conf_clear(&d.conf);
}

/* What the test actions do: one spawn described by these. */
struct job {
	const char *const *argv;
	const char *input;
	int timeout_ms;
	const char *lock;
	struct spawn_result r; /* copy, with the strings duplicated */
	char *out, *err;
	int called;
	int order; /* when the lock was granted */
};
static struct job *jobs[8];
static int lock_seq;

static void
job_done(struct action_ctx *ctx, const struct spawn_result *r, void *arg)
{
	struct job *j = arg;

	j->called++;
	j->r = *r;
	j->out = strdup(r->out);
	j->err = strdup(r->err);
	action_done(ctx,
	    r->exit_status == 0 && !r->timed_out ? STATUS_OK : STATUS_ABORTED,
	    NULL, json_pack("{s:i}", "exit", r->exit_status));
}

static void
job_spawn(struct action_ctx *ctx, void *arg)
{
	struct job *j = arg;
	struct spawn_options o = {
	    .argv = j->argv,
	    .input = j->input,
	    .input_len = j->input ? strlen(j->input) : 0,
	    .timeout_ms = j->timeout_ms,
	};

	j->order = ++lock_seq;
	if (action_spawn(ctx, &o, job_done, j) < 0)
		action_done(ctx, STATUS_UNKNOWN_ERROR, "spawn failed", NULL);
}

static void
job_run(struct action_ctx *ctx, const json_t *input)
{
	struct job *j = jobs[json_integer_value(json_object_get(input, "job"))];

	ck_assert_str_eq(action_caller(ctx), "uid=1000");
	ck_assert_str_eq(action_node(ctx)->identity, "test1");
	if (j->lock != NULL)
		ck_assert_int_eq(action_lock(ctx, j->lock, job_spawn, j), 0);
	else
		job_spawn(ctx, j);
}

static const struct plugin_action job_action = {"job", job_run};

static void
submit(int n, struct test_sink *s, int dry_run)
{
	char id[MESSAGE_ID_LEN + 1];
	struct action_start st = {
	    .id = id,
	    .caller = "uid=1000",
	    .agent = "test",
	    .action = "job",
	    .input = json_pack("{s:i}", "job", n),
	    .dry_run = dry_run,
	    .impl = &job_action,
	    .sink = &s->base,
	};

	message_new_id(id);
	action_submit(&d, &st);
}

static void
job_clear(struct job *j)
{
	free(j->out);
	free(j->err);
}

START_TEST(test_spawn_captures)
{
	static const char *const argv[] = {
	    "/bin/sh", "-c", "echo out; echo err >&2; exit 3", NULL};
	struct job j = {.argv = argv};
	struct test_sink s;

	jobs[0] = &j;
	test_sink_init(&s);
	submit(0, &s, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(j.called, 1);
	ck_assert_int_eq(j.r.exit_status, 3);
	ck_assert_int_eq(j.r.term_signal, 0);
	ck_assert_int_eq(j.r.timed_out, 0);
	ck_assert_str_eq(j.out, "out\n");
	ck_assert_str_eq(j.err, "err\n");
	ck_assert_int_eq(s.sent, 1);
	ck_assert_int_eq(s.refs, 1);
	ck_assert_int_eq(s.reply->statuscode, STATUS_ABORTED);
	ck_assert_str_eq(s.reply->sender, "test1");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(s.reply->data, "exit")), 3);
	ck_assert_ptr_null(json_object_get(s.reply->data, "commands"));
	reply_free(s.reply);
	job_clear(&j);
}
END_TEST

START_TEST(test_spawn_stdin_and_cap)
{
	static const char *const cat[] = {"/bin/cat", NULL};
	static const char *const big[] = {"/bin/sh", "-c",
	    "i=0; while [ $i -lt 1000 ]; do echo 0123456789; i=$((i+1)); done",
	    NULL};
	struct job a = {.argv = cat, .input = "hello\n"};
	struct job b = {.argv = big};
	struct test_sink sa, sb;

	d.conf.output_max = 100;
	jobs[0] = &a;
	jobs[1] = &b;
	test_sink_init(&sa);
	test_sink_init(&sb);
	submit(0, &sa, 0);
	submit(1, &sb, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_str_eq(a.out, "hello\n");
	ck_assert_int_eq(a.r.out_truncated, 0);
	ck_assert_int_eq(b.r.exit_status, 0);
	ck_assert_uint_eq(b.r.out_len, 100);
	ck_assert_uint_eq(strlen(b.out), 100);
	ck_assert_int_eq(b.r.out_truncated, 1);
	reply_free(sa.reply);
	reply_free(sb.reply);
	job_clear(&a);
	job_clear(&b);
}
END_TEST

START_TEST(test_timeout_kills_group)
{
	char tmpl[] = "/tmp/test_agent_action.XXXXXX";
	char script[512], pidfile[128];
	const char *argv[] = {"/bin/sh", "-c", script, NULL};
	struct job j = {.argv = argv, .timeout_ms = 300};
	struct test_sink s;
	FILE *f;
	int pid = 0;

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	snprintf(pidfile, sizeof(pidfile), "%s/pid", tmpl);
	snprintf(script, sizeof(script),
	    "sleep 30 & echo $! > %s; echo started; wait", pidfile);
	jobs[0] = &j;
	test_sink_init(&s);
	submit(0, &s, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(j.called, 1);
	ck_assert_int_eq(j.r.timed_out, 1);
	ck_assert_int_eq(j.r.term_signal, SIGKILL);
	ck_assert_str_eq(j.out, "started\n");
	ck_assert_int_eq(s.reply->statuscode, STATUS_ABORTED);
	ck_assert_ptr_nonnull(f = fopen(pidfile, "r"));
	ck_assert_int_eq(fscanf(f, "%d", &pid), 1);
	fclose(f);
	ck_assert_msg(testutil_gone(pid), "background child %d survived", pid);
	unlink(pidfile);
	rmdir(tmpl);
	reply_free(s.reply);
	job_clear(&j);
}
END_TEST

START_TEST(test_dry_run_records_argv)
{
	static const char *const argv[] = {
	    "/bin/rm", "-rf", "/nonexistent", NULL};
	struct job j = {.argv = argv};
	struct test_sink s;
	json_t *cmds;

	jobs[0] = &j;
	test_sink_init(&s);
	submit(0, &s, 1);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(j.called, 1);
	ck_assert_int_eq(j.r.exit_status, 0);
	ck_assert_str_eq(j.out, "");
	ck_assert_int_eq(s.reply->statuscode, STATUS_OK);
	cmds = json_object_get(s.reply->data, "commands");
	ck_assert_ptr_nonnull(cmds);
	ck_assert_uint_eq(json_array_size(cmds), 1);
	ck_assert_str_eq(
	    json_string_value(json_array_get(json_array_get(cmds, 0), 0)),
	    "/bin/rm");
	ck_assert_str_eq(
	    json_string_value(json_array_get(json_array_get(cmds, 0), 2)),
	    "/nonexistent");
	reply_free(s.reply);
	job_clear(&j);
}
END_TEST

START_TEST(test_limit_and_queue)
{
	static const char *const argv[] = {"/bin/sh", "-c", "sleep 0.1", NULL};
	struct job j[3] = {{.argv = argv}, {.argv = argv}, {.argv = argv}};
	struct test_sink s[3];

	d.conf.actions_max = 1;
	d.conf.queue_max = 1;
	for (int i = 0; i < 3; i++) {
		jobs[i] = &j[i];
		test_sink_init(&s[i]);
		submit(i, &s[i], 0);
	}
	ck_assert_uint_eq(d.actions.nrunning, 1);
	ck_assert_uint_eq(d.actions.nwaiting, 1);
	/* The third finds the queue full and is refused at once. */
	ck_assert_int_eq(s[2].sent, 1);
	ck_assert_int_eq(s[2].reply->statuscode, STATUS_ABORTED);
	ck_assert_str_eq(s[2].reply->statusmsg, error_str(MCE_BUSY));
	ck_assert_int_eq(j[2].called, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_uint_eq(d.actions.nrunning, 0);
	ck_assert_uint_eq(d.actions.nwaiting, 0);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(j[i].called, 1);
		ck_assert_int_eq(s[i].reply->statuscode, STATUS_OK);
	}
	for (int i = 0; i < 3; i++) {
		reply_free(s[i].reply);
		job_clear(&j[i]);
	}
}
END_TEST

START_TEST(test_drain_queue)
{
	static const char *const argv[] = {"/bin/sh", "-c", "sleep 0.1", NULL};
	struct job j[2] = {{.argv = argv}, {.argv = argv}};
	struct test_sink s[2];

	d.conf.actions_max = 1;
	for (int i = 0; i < 2; i++) {
		jobs[i] = &j[i];
		test_sink_init(&s[i]);
		submit(i, &s[i], 0);
	}
	ck_assert_uint_eq(d.actions.nwaiting, 1);
	/* Shutdown: the waiting one is refused, the running one goes on. */
	queue_drain(&d);
	ck_assert_uint_eq(d.actions.nwaiting, 0);
	ck_assert_int_eq(s[1].sent, 1);
	ck_assert_int_eq(s[1].reply->statuscode, STATUS_ABORTED);
	ck_assert_str_eq(s[1].reply->statusmsg, "agent is shutting down");
	ck_assert_int_eq(s[1].refs, 1);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(j[0].called, 1);
	ck_assert_int_eq(j[1].called, 0);
	ck_assert_int_eq(s[0].reply->statuscode, STATUS_OK);
	for (int i = 0; i < 2; i++) {
		test_sink_clear(&s[i]);
		job_clear(&j[i]);
	}
}
END_TEST

START_TEST(test_lock_serialises)
{
	static const char *const slow[] = {"/bin/sh", "-c", "sleep 0.2", NULL};
	static const char *const fast[] = {"/bin/true", NULL};
	struct job a = {.argv = slow, .lock = "deploy:app"};
	struct job b = {.argv = fast, .lock = "deploy:app"};
	struct job c = {.argv = fast, .lock = "deploy:other"};
	struct test_sink sa, sb, sc;

	lock_seq = 0;
	jobs[0] = &a;
	jobs[1] = &b;
	jobs[2] = &c;
	test_sink_init(&sa);
	test_sink_init(&sb);
	test_sink_init(&sc);
	submit(0, &sa, 0);
	submit(1, &sb, 0);
	submit(2, &sc, 0);
	/* a holds the lock; b waits; c has another key and went ahead. */
	ck_assert_int_eq(a.order, 1);
	ck_assert_int_eq(b.order, 0);
	ck_assert_int_eq(c.order, 2);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(b.order, 3);
	ck_assert_int_eq(sb.reply->statuscode, STATUS_OK);
	reply_free(sa.reply);
	reply_free(sb.reply);
	reply_free(sc.reply);
	job_clear(&a);
	job_clear(&b);
	job_clear(&c);
}
END_TEST

START_TEST(test_spawn_missing_program)
{
	static const char *const argv[] = {"/nonexistent/program", NULL};
	struct job j = {.argv = argv};
	struct test_sink s;

	jobs[0] = &j;
	test_sink_init(&s);
	submit(0, &s, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(j.called, 0);
	ck_assert_int_eq(s.reply->statuscode, STATUS_UNKNOWN_ERROR);
	ck_assert_str_eq(s.reply->statusmsg, "spawn failed");
	reply_free(s.reply);
}
END_TEST

/*
 * Two children: the first completes the action while the second runs.
 * The second's process group is killed and its callback never runs.
 */
static char two_dir[64];
static int late_called;

static void
late_done(struct action_ctx *ctx, const struct spawn_result *r, void *arg)
{
	late_called++;
}

static void
first_done(struct action_ctx *ctx, const struct spawn_result *r, void *arg)
{
	action_log(
	    ctx, LOG_LEVEL_WARN, "first child exited %d", r->exit_status);
	action_done(ctx, STATUS_OK, NULL, NULL);
}

static void
two_run(struct action_ctx *ctx, const json_t *input)
{
	char slow[256], wait_pid[256];
	const char *slow_argv[] = {"/bin/sh", "-c", slow, NULL};
	const char *wait_argv[] = {"/bin/sh", "-c", wait_pid, NULL};
	struct spawn_options o = {.argv = slow_argv};

	snprintf(slow, sizeof(slow),
	    "sleep 30 & echo $! > %s/pid.tmp; mv %s/pid.tmp %s/pid; wait",
	    two_dir, two_dir, two_dir);
	snprintf(wait_pid, sizeof(wait_pid),
	    "while [ ! -e %s/pid ]; do sleep 0.01; done", two_dir);
	ck_assert_int_eq(action_spawn(ctx, &o, late_done, NULL), 0);
	o.argv = wait_argv;
	ck_assert_int_eq(action_spawn(ctx, &o, first_done, NULL), 0);
}

START_TEST(test_done_kills_children)
{
	static const struct plugin_action two = {"two", two_run};
	char id[MESSAGE_ID_LEN + 1], path[128], line[32], log[128], want[128];
	struct test_sink s;
	struct action_start st = {
	    .id = id,
	    .caller = "uid=1000",
	    .agent = "test",
	    .action = "two",
	    .impl = &two,
	    .sink = &s.base,
	};
	char *text;
	int saved;

	snprintf(two_dir, sizeof(two_dir), "/tmp/test_agent_action.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(two_dir));
	/* The log goes to stderr: catch it in a file. */
	snprintf(log, sizeof(log), "%s/log", two_dir);
	fflush(stderr);
	saved = dup(2);
	ck_assert_ptr_nonnull(freopen(log, "w", stderr));
	message_new_id(id);
	test_sink_init(&s);
	late_called = 0;
	action_submit(&d, &st);
	uv_run(&loop, UV_RUN_DEFAULT);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ck_assert_int_eq(s.sent, 1);
	ck_assert_int_eq(s.reply->statuscode, STATUS_OK);
	ck_assert_int_eq(late_called, 0);
	snprintf(path, sizeof(path), "%s/pid", two_dir);
	ck_assert_int_eq(testutil_first_line(path, line, sizeof(line)), 0);
	ck_assert_msg(
	    testutil_gone(atoi(line)), "the second child's group survived");
	/* action_log(): the request id and agent.action first. */
	ck_assert_ptr_nonnull(text = testutil_read_file(log, NULL));
	snprintf(want, sizeof(want),
	    "request %s: test.two: first child exited 0", id);
	ck_assert_msg(
	    strstr(text, want) != NULL, "log lacks \"%s\": %s", want, text);
	free(text);
	unlink(path);
	unlink(log);
	rmdir(two_dir);
	reply_free(s.reply);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("agent_action");
	TCase *tc = tcase_create("action");

	signal(SIGPIPE, SIG_IGN);
	log_init("test_agent_action", 0, LOG_LEVEL_WARN);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_spawn_captures);
	tcase_add_test(tc, test_spawn_stdin_and_cap);
	tcase_add_test(tc, test_timeout_kills_group);
	tcase_add_test(tc, test_dry_run_records_argv);
	tcase_add_test(tc, test_limit_and_queue);
	tcase_add_test(tc, test_drain_queue);
	tcase_add_test(tc, test_lock_serialises);
	tcase_add_test(tc, test_spawn_missing_program);
	tcase_add_test(tc, test_done_kills_children);
	suite_add_tcase(su, tc);
	return testutil_run(su);
}

/*
 * test_agent_node.c: facts and classes (agent/node.c), and the readiness
 * notifications (agent/notify.c).
 */
#include "buildconf.h"

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "filter.h"
#include "agent/agentd.h"
#include "testutil.h"

static char dir[40];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_agent_node.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *
write_file(const char *name, const char *text, mode_t mode)
{
	static char path[2][128];
	static int which;
	FILE *f;

	which ^= 1;
	snprintf(path[which], sizeof(path[which]), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path[which], "w"));
	fputs(text, f);
	fclose(f);
	chmod(path[which], mode);
	return path[which];
}

START_TEST(test_flat_facts)
{
	const char *text = "# comment\n"
			   "---\n"
			   "role: web\n"
			   "os.release.major: 12\n"
			   "os.name: \"Debian GNU/Linux\"\n"
			   "load: 0.5\n"
			   "virtual: false\n"
			   "empty:\n";
	struct error err;
	json_t *f = node_parse_facts(text, strlen(text), "facts", &err);

	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(
	    json_string_value(filter_fact_lookup(f, "role")), "web");
	ck_assert_int_eq(
	    json_integer_value(filter_fact_lookup(f, "os.release.major")), 12);
	ck_assert_str_eq(json_string_value(filter_fact_lookup(f, "os.name")),
	    "Debian GNU/Linux");
	ck_assert(json_is_real(filter_fact_lookup(f, "load")));
	ck_assert(json_is_false(filter_fact_lookup(f, "virtual")));
	ck_assert_str_eq(json_string_value(filter_fact_lookup(f, "empty")), "");
	json_decref(f);
}
END_TEST

START_TEST(test_json_facts)
{
	const char *text = " {\"role\":\"db\",\"os\":{\"family\":\"debian\"}}";
	struct error err;
	json_t *f = node_parse_facts(text, strlen(text), "facts", &err);

	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(
	    json_string_value(filter_fact_lookup(f, "os.family")), "debian");
	json_decref(f);
}
END_TEST

START_TEST(test_bad_facts)
{
	static const struct {
		const char *text;
		int line;
	} cases[] = {
	    {"role: web\nno colon here\n", 2},
	    {"a b: c\n", 1},
	    {"x.: 1\n", 1},
	    {"[1, 2]", 1},
	    {"{\"a\": ", 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct error err;
		json_t *f = node_parse_facts(
		    cases[i].text, strlen(cases[i].text), "facts", &err);

		ck_assert_msg(f == NULL, "case %zu parsed", i);
		ck_assert_str_eq(err.source, "facts");
		ck_assert(err.text[0] != '\0');
		if (cases[i].line > 0)
			ck_assert_int_eq(err.line, cases[i].line);
	}
}
END_TEST

START_TEST(test_classes)
{
	const char *text = "web\n  # comment\n\ndb::primary  \nroles/x\n";
	char **c = NULL;
	size_t n = 0;
	struct error err;

	ck_assert_int_eq(
	    node_parse_classes(text, strlen(text), &c, &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(c[0], "web");
	ck_assert_str_eq(c[1], "db::primary");
	ck_assert_str_eq(c[2], "roles/x");
	ck_assert_ptr_null(c[3]);
	for (size_t i = 0; i < n; i++)
		free(c[i]);
	free(c);

	error_init(&err, "classes");
	ck_assert_int_eq(
	    node_parse_classes("ok\nbad class\n", 13, &c, &n, &err),
	    MCE_CONFIG);
	ck_assert_int_eq(err.line, 2);
}
END_TEST

START_TEST(test_load_command_wins)
{
	struct node_sources s = {0};
	struct node *n = NULL;
	struct error err;
	char cmd[256];
	const char *script = write_file("facts.sh",
	    "#!/bin/sh\n"
	    "printf '{\"role\":\"db\",\"dc\":\"%s\"}' \"$1\"\n",
	    0755);

	snprintf(cmd, sizeof(cmd), "%s dc9", script);
	s.facts_file =
	    write_file("facts.yaml", "role: web\nsite: prod\n", 0644);
	s.facts_command = cmd;
	s.classes_file = write_file("classes.txt", "web\n", 0644);
	s.command_timeout_ms = 5000;
	ck_assert_int_eq(node_load(uv_default_loop(), &s, &n, &err), 0);
	ck_assert_str_eq(
	    json_string_value(json_object_get(n->facts, "role")), "db");
	ck_assert_str_eq(
	    json_string_value(json_object_get(n->facts, "site")), "prod");
	ck_assert_str_eq(
	    json_string_value(json_object_get(n->facts, "dc")), "dc9");
	ck_assert_uint_eq(n->nclasses, 1);
	node_hold(n);
	node_free(n);
	ck_assert_uint_eq(n->refs, 1);
	node_free(n);
}
END_TEST

START_TEST(test_load_errors)
{
	struct node_sources s = {0};
	struct node *n = NULL;
	struct error err;
	char cmd[256];

	s.facts_file = write_file("bad.yaml", "ok: 1\nbroken\n", 0644);
	ck_assert_int_eq(
	    node_load(uv_default_loop(), &s, &n, &err), MCE_CONFIG);
	ck_assert_str_eq(err.source, s.facts_file);
	ck_assert_int_eq(err.line, 2);
	ck_assert_ptr_null(n);

	s.facts_file = "/nonexistent/facts";
	ck_assert_int_lt(node_load(uv_default_loop(), &s, &n, &err), 0);

	/* A command that hangs is killed at its timeout. */
	s.facts_file = NULL;
	snprintf(cmd, sizeof(cmd), "%s",
	    write_file("hang.sh", "#!/bin/sh\nsleep 30\n", 0755));
	s.facts_command = cmd;
	s.command_timeout_ms = 200;
	ck_assert_int_eq(
	    node_load(uv_default_loop(), &s, &n, &err), MCE_TIMEOUT);

	s.facts_command = "/bin/false";
	ck_assert_int_eq(
	    node_load(uv_default_loop(), &s, &n, &err), MCE_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.text, "exit status 1"));
}
END_TEST

/* What node_load_start() called back with. */
struct loaded {
	int called;
	int r;
	struct node *n;
	struct error err;
	int ticks_then; /* timer ticks seen before the callback */
};
static int ticks;

static void
on_loaded(int r, struct node *n, const struct error *err, void *arg)
{
	struct loaded *l = arg;

	l->called++;
	l->r = r;
	l->n = n;
	l->err = *err;
	l->ticks_then = ticks;
}

static void
tick(uv_timer_t *t)
{
	ticks++;
}

/* The facts command runs while the loop goes on; its failures say why. */
START_TEST(test_load_in_background)
{
	uv_loop_t loop;
	uv_timer_t timer;
	struct node_sources s = {.command_timeout_ms = 300};
	struct node_load *nl;
	struct loaded l = {0};
	char cmd[256];

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	snprintf(cmd, sizeof(cmd), "%s",
	    write_file("hang.sh", "#!/bin/sh\nsleep 30\n", 0755));
	s.facts_command = cmd;
	ticks = 0;
	uv_timer_init(&loop, &timer);
	uv_timer_start(&timer, tick, 20, 20);
	uv_unref((uv_handle_t *)&timer);
	node_load_start(&loop, &s, on_loaded, &l, &nl);
	ck_assert_ptr_nonnull(nl);
	ck_assert_int_eq(l.called, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(l.called, 1);
	ck_assert_int_eq(l.r, MCE_TIMEOUT);
	ck_assert_ptr_null(l.n);
	ck_assert_ptr_nonnull(strstr(l.err.text, "timed out after 300 ms"));
	/* The loop ran meanwhile (a private loop would not tick it). */
	ck_assert_int_ge(l.ticks_then, 1);

	/* A failing command: its exit status and first stderr line. */
	snprintf(cmd, sizeof(cmd), "%s",
	    write_file("fail.sh",
		"#!/bin/sh\necho 'no inventory' >&2\necho more >&2\nexit 2\n",
		0755));
	memset(&l, 0, sizeof(l));
	node_load_start(&loop, &s, on_loaded, &l, &nl);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(l.r, MCE_CONFIG);
	ck_assert_str_eq(l.err.source, "facts_command");
	ck_assert_ptr_nonnull(
	    strstr(l.err.text, "failed with exit status 2: no inventory"));
	ck_assert_ptr_null(strstr(l.err.text, "more"));

	/* Without a command there is nothing to wait for. */
	memset(&l, 0, sizeof(l));
	s.facts_command = NULL;
	s.facts_file = write_file("f.yaml", "role: web\n", 0644);
	node_load_start(&loop, &s, on_loaded, &l, &nl);
	ck_assert_ptr_null(nl);
	ck_assert_int_eq(l.called, 1);
	ck_assert_int_eq(l.r, 0);
	ck_assert_str_eq(
	    json_string_value(json_object_get(l.n->facts, "role")), "web");
	node_free(l.n);

	/* A program that does not exist. */
	memset(&l, 0, sizeof(l));
	s.facts_command = "/nonexistent/facts";
	node_load_start(&loop, &s, on_loaded, &l, &nl);
	ck_assert_int_eq(l.called, 1);
	ck_assert_int_eq(l.r, MCE_CONFIG);
	ck_assert_ptr_nonnull(strstr(l.err.text, "cannot run /nonexistent"));

	uv_close((uv_handle_t *)&timer, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

/* A load superseded (a second reload, shutdown) kills its command. */
START_TEST(test_load_cancelled)
{
	uv_loop_t loop;
	struct node_sources s = {.command_timeout_ms = 30000};
	struct node_load *nl;
	struct loaded l = {0};
	char cmd[256], pidf[128], line[32];
	int i;

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	snprintf(pidf, sizeof(pidf), "%s/pid", dir);
	snprintf(cmd, sizeof(cmd), "%s",
	    write_file("slow.sh",
		"#!/bin/sh\necho $$ > \"$(dirname \"$0\")/pid\"\n"
		"exec sleep 30\n",
		0755));
	s.facts_command = cmd;
	node_load_start(&loop, &s, on_loaded, &l, &nl);
	ck_assert_ptr_nonnull(nl);
	for (i = 0; i < 400 && testutil_first_line(pidf, line, 32) != 0; i++)
		uv_run(&loop, UV_RUN_NOWAIT), usleep(5000);
	ck_assert_int_eq(testutil_first_line(pidf, line, sizeof(line)), 0);
	node_load_cancel(nl);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(l.called, 0);
	for (i = 0; i < 400 && kill(atoi(line), 0) == 0; i++)
		usleep(5000);
	ck_assert_msg(kill(atoi(line), 0) != 0, "the command survived");
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

START_TEST(test_notify)
{
	struct agentd d;
	struct sockaddr_un sa;
	char path[100], buf[128];
	int fd, p[2];
	ssize_t n;

	memset(&d, 0, sizeof(d));
	snprintf(path, sizeof(path), "%s/notify", dir);
	ck_assert_int_ge(fd = socket(AF_UNIX, SOCK_DGRAM, 0), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(pipe(p), 0);
	d.conf.notification_fd = p[1];
	setenv("NOTIFY_SOCKET", path, 1);

	notify_ready(&d);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_ptr_nonnull(strstr(buf, "READY=1"));
	/* s6: one newline, then the descriptor is closed. */
	ck_assert_int_eq(read(p[0], buf, sizeof(buf)), 1);
	ck_assert_int_eq(buf[0], '\n');
	ck_assert_int_eq(read(p[0], buf, sizeof(buf)), 0);
	ck_assert_int_eq(d.conf.notification_fd, -1);

	notify_stopping();
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "STOPPING=1");
	unsetenv("NOTIFY_SOCKET");
	close(fd);
	close(p[0]);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("agent_node");
	TCase *tc = tcase_create("node");

	log_init("test_agent_node", 0, LOG_LEVEL_ERR);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_flat_facts);
	tcase_add_test(tc, test_json_facts);
	tcase_add_test(tc, test_bad_facts);
	tcase_add_test(tc, test_classes);
	tcase_add_test(tc, test_load_command_wins);
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_load_in_background);
	tcase_add_test(tc, test_load_cancelled);
	tcase_add_test(tc, test_notify);
	suite_add_tcase(su, tc);
	return testutil_run(su);
}

/*
 * test_agent_node.c: facts and classes (agent/node.c), and the readiness
 * notifications (agent/notify.c).
 */
#include "buildconf.h"

#include <check.h>
#include <fcntl.h>
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
	tcase_add_test(tc, test_notify);
	suite_add_tcase(su, tc);
	return testutil_run(su);
}

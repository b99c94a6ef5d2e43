/* test_transport.c: broker URLs and the local UNIX socket. */
#include "buildconf.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "transport.h"

START_TEST(url_full)
{
	struct transport_url u;
	struct error err;

	ck_assert_int_eq(
	    transport_url_parse(
		"amqp://alice:s3cret@broker.example:5673/fleet", &u, &err),
	    0);
	ck_assert_str_eq(u.host, "broker.example");
	ck_assert_int_eq(u.port, 5673);
	ck_assert_str_eq(u.user, "alice");
	ck_assert_str_eq(u.password, "s3cret");
	ck_assert_str_eq(u.vhost, "fleet");
	ck_assert_int_eq(u.tls, 0);
	transport_url_clear(&u);
}
END_TEST

START_TEST(url_defaults)
{
	struct transport_url u;
	struct error err;

	ck_assert_int_eq(transport_url_parse("amqps://h", &u, &err), 0);
	ck_assert_str_eq(u.host, "h");
	ck_assert_int_eq(u.port, 5671);
	ck_assert_int_eq(u.tls, 1);
	ck_assert_str_eq(u.user, "guest");
	ck_assert_str_eq(u.vhost, "/");
	transport_url_clear(&u);
}
END_TEST

START_TEST(url_bad)
{
	static const char *const bad[] = {
	    "http://h/", "amqp://h:port/", "", "amqp://h:99999999999/"};
	struct transport_url u;
	struct error err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error_init(&err, NULL);
		ck_assert_int_eq(
		    transport_url_parse(bad[i], &u, &err), MCE_CONFIG);
		ck_assert_ptr_nonnull(strstr(err.text, "malformed broker URL"));
	}
}
END_TEST

START_TEST(url_redacted)
{
	static const char *const cases[][2] = {
	    {"amqp://metactl:s3cret@h:5672/v", "amqp://metactl:***@h:5672/v"},
	    {"amqps://u:p@ss@h/", "amqps://u:***@h/"},
	    {"amqp://u@h/", "amqp://u@h/"},
	    {"amqp://h:5672/", "amqp://h:5672/"},
	    {"amqp://u:pw@h:port/", "amqp://u:***@h:port/"},
	};
	struct transport_url u;
	struct error err;
	char buf[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_str_eq(
		    transport_url_redact(cases[i][0], buf, sizeof(buf)),
		    cases[i][1]);
	/* A malformed URL is named in the error, its password is not. */
	error_init(&err, NULL);
	ck_assert_int_eq(
	    transport_url_parse("amqp://u:s3cret@h:port/", &u, &err),
	    MCE_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.text, "amqp://u:***@h:port/"));
	ck_assert_ptr_null(strstr(err.text, "s3cret"));
}
END_TEST

/* A client's reply queue decides where a node's reply goes: the reply
 * exchange (federated between sites) only for the metactl.reply. prefix,
 * the default exchange for any name an older client had the broker pick. */
START_TEST(reply_exchange)
{
	static const char *const cases[][2] = {
	    {"metactl.reply.0123456789abcdef0123456789abcdef", "metactl.reply"},
	    {"metactl.reply.", "metactl.reply"},
	    {"amq.gen-JzTY20BRgKO-HjmUJj0wLg", ""},
	    {"metactl.reply", ""},
	    {"metactl.replyx.1", ""},
	    {"metactl.node.web1", ""},
	    {"", ""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_str_eq(
		    transport_reply_exchange(cases[i][0]), cases[i][1]);
}
END_TEST

START_TEST(unix_roundtrip)
{
	char dir[] = "/tmp/metactl-test.XXXXXX";
	char path[256];
	struct stat st;
	uid_t uid = (uid_t)-1;
	int lfd, cfd, afd;
	char buf[16];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/agent.sock", dir);
	lfd = transport_unix_listen(path, 0666);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0666);
	cfd = transport_unix_connect(path);
	ck_assert_int_ge(cfd, 0);
	afd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(afd, 0);
	ck_assert_int_eq(transport_unix_peer_uid(afd, &uid), 0);
	ck_assert_int_eq(uid, getuid());
	ck_assert_int_eq(write(cfd, "{}\n", 3), 3);
	ck_assert_int_eq(read(afd, buf, sizeof(buf)), 3);
	close(afd);
	close(cfd);
	/* A live socket is never taken over. */
	ck_assert_int_eq(transport_unix_listen(path, 0666), -EADDRINUSE);
	close(lfd);

	/* A stale socket file (no listener) is replaced. */
	lfd = transport_unix_listen(path, 0600);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	close(lfd);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}
END_TEST

START_TEST(unix_errors)
{
	char longpath[300];

	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	ck_assert_int_eq(transport_unix_listen(longpath, 0666), -ENAMETOOLONG);
	ck_assert_int_eq(
	    transport_unix_connect("/nonexistent/metactl.sock"), -ENOENT);
}
END_TEST

START_TEST(broker_down)
{
	/* Nothing listens on port 1 of loopback: the error is immediate. */
	const char *urls[] = {"amqp://guest:guest@127.0.0.1:1/",
	    "amqp://guest:guest@127.0.0.1:2/"};
	struct transport_amqp_options o = {
	    .urls = urls, .nurls = 2, .timeout_ms = 2000};
	struct transport_amqp *t = NULL;
	struct error err;

	error_init(&err, NULL);
	ck_assert_int_eq(transport_amqp_open(&o, &t, &err), MCE_BROKER);
	ck_assert_ptr_null(t);
	/* The error names the last URL tried. */
	ck_assert_ptr_nonnull(strstr(err.text, "127.0.0.1:2"));
	ck_assert_ptr_nonnull(strstr(err.text, "cannot connect"));
}
END_TEST

START_TEST(url_pick)
{
	static const char *names[] = {"a1", "a2", "a3", "a4", "a5", "a6"};
	static const size_t want[] = {1, 0, 2, 0, 2, 1};
	size_t seen[3] = {0, 0, 0};
	char name[32];

	/* Stable: the same identity picks the same URL, run after run
	 * (32-bit FNV-1a). */
	ck_assert_uint_eq(
	    transport_url_pick("web1", 1000000007), 2479091680u % 1000000007);
	for (size_t i = 0; i < 6; i++)
		ck_assert_uint_eq(transport_url_pick(names[i], 3), want[i]);
	ck_assert_uint_eq(transport_url_pick("web1", 1), 0);
	ck_assert_uint_eq(transport_url_pick("web1", 0), 0);
	ck_assert_uint_eq(transport_url_pick("", 3), 2166136261u % 3);
	/* Spread: 3000 host names fall about evenly on three brokers. */
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "node%d.example.net", i);
		seen[transport_url_pick(name, 3)]++;
	}
	for (int i = 0; i < 3; i++)
		ck_assert_uint_gt(seen[i], 900);
}
END_TEST

START_TEST(broker_rotation)
{
	/* Nothing listens on ports 1-3 of loopback: every URL is tried once,
	 * from the first one asked for, wrapping around. */
	const char *urls[] = {"amqp://guest:guest@127.0.0.1:1/",
	    "amqp://guest:guest@127.0.0.1:2/",
	    "amqp://guest:guest@127.0.0.1:3/"};
	struct transport_amqp_options o = {
	    .urls = urls, .nurls = 3, .timeout_ms = 2000, .first = 1};
	struct transport_amqp *t = NULL;
	struct error err;

	error_init(&err, NULL);
	ck_assert_int_eq(transport_amqp_open(&o, &t, &err), MCE_BROKER);
	ck_assert_ptr_null(t);
	/* From index 1: 2, 3, then 1 last. */
	ck_assert_ptr_nonnull(strstr(err.text, "127.0.0.1:1/"));
	o.first = 5; /* modulo 3: from index 2, index 1 last */
	error_init(&err, NULL);
	ck_assert_int_eq(transport_amqp_open(&o, &t, &err), MCE_BROKER);
	ck_assert_ptr_nonnull(strstr(err.text, "127.0.0.1:2/"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("transport");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, url_full);
	tcase_add_test(tc, url_defaults);
	tcase_add_test(tc, url_bad);
	tcase_add_test(tc, url_redacted);
	tcase_add_test(tc, reply_exchange);
	tcase_add_test(tc, unix_roundtrip);
	tcase_add_test(tc, unix_errors);
	tcase_add_test(tc, broker_down);
	tcase_add_test(tc, url_pick);
	tcase_add_test(tc, broker_rotation);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}

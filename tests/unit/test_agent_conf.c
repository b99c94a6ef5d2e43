/*
 * test_agent_conf.c: metactld.conf (agent/conf.c): the defaults, the
 * shipped sample, every setting, and errors that name file and line.
 */
#include "buildconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "agent/conf.h"
#include "conftab_man.h"
#include "testutil.h"

static char path[64];

static const char *
write_conf(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/test_agent_conf.XXXXXX");
	ck_assert_int_ge(mkstemp(path), 0);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	return path;
}

static void
teardown(void)
{
	if (path[0] != '\0')
		unlink(path);
	path[0] = '\0';
}

START_TEST(test_defaults)
{
	struct conf c;
	struct error err;

	conf_defaults(&c);
	ck_assert_int_eq(conf_load(&c, write_conf(""), &err), 0);
	ck_assert_ptr_nonnull(c.identity);
	ck_assert(c.identity[0] != '\0');
	ck_assert_uint_eq(c.ncollectives, 1);
	ck_assert_str_eq(c.collectives[0], "metactl");
	ck_assert_uint_eq(c.nbrokers, 0);
	ck_assert_int_eq(c.local_enable, 1);
	ck_assert_int_eq(c.socket_mode, 0666);
	ck_assert_uint_eq(c.message_max, 1024 * 1024);
	ck_assert_uint_eq(c.actions_max, 8);
	ck_assert_int_eq(c.notification_fd, -1);
	ck_assert_int_eq(c.policy_allow_unconfigured, 0);
	ck_assert_int_eq(c.heartbeat, 60);
	ck_assert_int_eq(c.max_ttl_s, 600);
	ck_assert_uint_eq(c.local_conns_max, 64);
	ck_assert_uint_eq(c.local_uid_conns_max, 16);
	ck_assert_uint_eq(c.local_uid_buffer_max, 4 * 1024 * 1024);
	ck_assert_int_eq(c.local_line_timeout_ms, 10000);
	ck_assert_str_eq(c.policy_dir, SYSCONFDIR "/metactl/policy");
	/* The audit trail is on unless configured off. */
	ck_assert_str_eq(c.audit_path, LOCALSTATEDIR "/log/metactl/audit.log");
	conf_clear(&c);
}
END_TEST

START_TEST(test_audit_off)
{
	struct conf c;
	struct error err;

	conf_defaults(&c);
	ck_assert_int_eq(
	    conf_load(&c, write_conf("[log]\naudit = off\n"), &err), 0);
	ck_assert_ptr_null(c.audit_path);
	conf_clear(&c);
}
END_TEST

/* Every key in metactld.conf(5) with its default, and in the sample. */
START_TEST(test_manual)
{
	conftab_man_check(conf_keys, "man/metactld.conf.5", NULL);
	conftab_sample_check(conf_keys, "etc/metactld.conf");
}
END_TEST

/* What conf_keys prints of c, in a new string. */
static char *
printed(const struct conf *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	conftab_print(conf_keys, c, f);
	fclose(f);
	return text;
}

/* metactld -n -d prints every setting in the file's syntax: loading what
 * it printed gives the same settings; the password is not shown. */
START_TEST(test_print)
{
	struct conf c, again;
	struct error err;
	char *one, *two, buf[512];
	int r;

	conf_defaults(&c);
	r = conf_load(&c,
	    write_conf("[broker]\nurls = amqp://a/ amqp://b/\n"
		       "password = s3cret\nheartbeat = 0\n"
		       "[security]\nkey = /k\ncertificate = /c\nca = /a\n"
		       "[local]\nmode = 0600\nbuffer_per_uid = 3M\n"
		       "[log]\naudit = off\nlevel = debug\n"
		       "[limits]\naction_timeout = 1500ms\n"),
	    &err);
	ck_assert_msg(r == 0, "%s", error_format(&err, buf, sizeof(buf)));
	one = printed(&c);
	ck_assert_ptr_null(strstr(one, "s3cret"));
	ck_assert_ptr_nonnull(strstr(one, "password = ***\n"));
	ck_assert_ptr_nonnull(strstr(one, "urls = amqp://a/ amqp://b/\n"));
	ck_assert_ptr_nonnull(strstr(one, "mode = 0600\n"));
	ck_assert_ptr_nonnull(strstr(one, "audit = off\n"));
	ck_assert_ptr_nonnull(strstr(one, "action_timeout = 1500ms\n"));
	teardown();
	conf_defaults(&again);
	r = conf_load(&again, write_conf(one), &err);
	ck_assert_msg(r == 0, "%s", error_format(&err, buf, sizeof(buf)));
	two = printed(&again);
	ck_assert_str_eq(one, two);
	free(one);
	free(two);
	conf_clear(&c);
	conf_clear(&again);
}
END_TEST

/* A reload keeps what changes only on restart and takes the rest. */
START_TEST(test_reload)
{
	struct conf oc, nc;
	struct error err;

	conf_defaults(&oc);
	ck_assert_int_eq(conf_load(&oc,
			     write_conf("[node]\nidentity = a\n"
					"collectives = x y\n"
					"[log]\nlevel = info\n"
					"[local]\nline_timeout = 5s\n"),
			     &err),
	    0);
	teardown();
	conf_defaults(&nc);
	ck_assert_int_eq(conf_load(&nc,
			     write_conf("[node]\nidentity = b\n"
					"collectives = z\n"
					"[log]\nlevel = debug\n"
					"[local]\nline_timeout = 1s\n"),
			     &err),
	    0);
	conf_keep_running(&nc, &oc);
	ck_assert_str_eq(nc.identity, "a");
	/* Collectives are re-bound on the live connection. */
	ck_assert_uint_eq(nc.ncollectives, 1);
	ck_assert_str_eq(nc.collectives[0], "z");
	ck_assert_int_eq(nc.log_level, LOG_LEVEL_DEBUG);
	ck_assert_int_eq(nc.local_line_timeout_ms, 1000);
	/* oc holds what was loaded, to be freed with it. */
	ck_assert_str_eq(oc.identity, "b");
	ck_assert_uint_eq(oc.ncollectives, 2);
	conf_clear(&oc);
	conf_clear(&nc);
}
END_TEST

START_TEST(test_sample)
{
	struct conf c;
	struct error err;
	char buf[512];
	int r;

	conf_defaults(&c);
	r = conf_load(&c, SRCDIR "/etc/metactld.conf", &err);
	ck_assert_msg(r == 0, "%s", error_format(&err, buf, sizeof(buf)));
	ck_assert_str_eq(c.key_path, "/etc/metactl/ssl/node.key");
	ck_assert_str_eq(c.audit_path, "/var/log/metactl/audit.log");
	ck_assert_int_eq(c.heartbeat, 60);
	conf_clear(&c);
}
END_TEST

START_TEST(test_everything)
{
	struct conf c;
	struct error err;
	char buf[512];
	int r;

	conf_defaults(&c);
	r = conf_load(&c,
	    write_conf("[node]\n"
		       "identity = web1\n"
		       "collectives = metactl, eu\n"
		       "facts = /f\n"
		       "facts_command = /bin/facts --json\n"
		       "classes = /c\n"
		       "[broker]\n"
		       "urls = amqp://a:5672/v amqps://b:5671/v\n"
		       "user = u\n"
		       "password = \"p w\"\n"
		       "cafile = /ca.pem\n"
		       "heartbeat = 0\n"
		       "reconnect_min = 100ms\n"
		       "reconnect_max = 5s\n"
		       "[security]\n"
		       "key = /k\n"
		       "certificate = /crt\n"
		       "ca = /ca\n"
		       "max_ttl = 1m\n"
		       "[local]\n"
		       "enable = no\n"
		       "mode = 0600\n"
		       "[log]\n"
		       "target = stderr\n"
		       "level = debug\n"
		       "[limits]\n"
		       "message_size = 64k\n"
		       "concurrent_actions = 2\n"
		       "queue = 0\n"
		       "action_timeout = 2m\n"
		       "[metrics]\n"
		       "listen = [::1]:9464\n"
		       "[daemon]\n"
		       "notification_fd = 3\n"),
	    &err);
	ck_assert_msg(r == 0, "%s", error_format(&err, buf, sizeof(buf)));
	ck_assert_str_eq(c.identity, "web1");
	ck_assert_uint_eq(c.ncollectives, 2);
	ck_assert_str_eq(c.collectives[1], "eu");
	ck_assert_str_eq(c.facts_command, "/bin/facts --json");
	ck_assert_uint_eq(c.nbrokers, 2);
	ck_assert_str_eq(c.brokers[1], "amqps://b:5671/v");
	ck_assert_str_eq(c.broker_password, "p w");
	ck_assert_int_eq(c.heartbeat, 0);
	ck_assert_int_eq(c.reconnect_min_ms, 100);
	ck_assert_int_eq(c.max_ttl_s, 60);
	ck_assert_int_eq(c.local_enable, 0);
	ck_assert_int_eq(c.socket_mode, 0600);
	ck_assert_int_eq(c.log_syslog, 0);
	ck_assert_int_eq(c.log_level, LOG_LEVEL_DEBUG);
	ck_assert_uint_eq(c.message_max, 65536);
	ck_assert_uint_eq(c.actions_max, 2);
	ck_assert_uint_eq(c.queue_max, 0);
	ck_assert_int_eq(c.action_timeout_ms, 120000);
	ck_assert_int_eq(c.notification_fd, 3);
	ck_assert_str_eq(c.metrics_listen, "[::1]:9464");
	conf_clear(&c);
}
END_TEST

START_TEST(test_errors)
{
	static const struct {
		const char *text;
		int line;
		const char *words;
	} cases[] = {
	    {"[node]\nidentiy = x\n", 2, "unknown setting"},
	    {"[nodes]\nidentity = x\n", 2, "unknown setting"},
	    {"[node]\nidentity = a b\n", 2, "identity"},
	    /* A name a reply's sender field could not carry. */
	    {"[node]\nidentity = web:1\n", 2, "'@' and '-' only"},
	    /* The node queue metactl.node.IDENTITY is an AMQP short
	     * string (255 bytes). */
	    {"[node]\nidentity = "
	     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		2, "longer than 242 characters"},
	    {"[node]\ncollectives = a.b\n", 2, "collective"},
	    {"[node]\ncollectives = a#\n", 2, "'_' and '-' only"},
	    {"[broker]\nurls = http://x\n", 2, "amqp://"},
	    {"[broker]\nurls = amqp://x\n", 2, "[security]"},
	    {"[broker]\nurls = amqps://x\n[security]\nkey=/k\ncertificate=/c\n"
	     "ca=/a\n",
		2, "cafile"},
	    {"[local]\nmode = 999\n", 2, "octal"},
	    {"[log]\ntarget = file\n", 2, "syslog"},
	    {"[log]\nlevel = loud\n", 2, "debug"},
	    {"[limits]\nconcurrent_actions = 0\n", 2, "range"},
	    {"[limits]\nmessage_size = 10\n", 2, "between"},
	    {"[limits]\naction_timeout = soon\n", 2, ""},
	    {"[daemon]\nnotification_fd = 1\n", 2, "descriptor"},
	    {"[local]\nenable = maybe\n", 2, ""},
	    {"[node\n", 1, ""},
	    {"[broker]\nheartbeat = 2h\n", 2, "between 1s and 1h, or 0"},
	    {"[broker]\nreconnect_min = 5s\nreconnect_max = 1s\n", 3,
		"reconnect_min"},
	    {"[local]\nconnections = 0\n", 2, "range"},
	    {"[local]\nline_timeout = 0\n", 2, "range"},
	    {"[local]\nbuffer_per_uid = 1M\n", 2, "two messages"},
	    {"[log]\naudit =\n", 2, "off"},
	    {"[daemon]\nnotification_fd = x\n", 2, "integer"},
	    {"[metrics]\nlisten = 127.0.0.1\n", 2, "address and port"},
	    {"[metrics]\nlisten = localhost:9464\n", 2, "address and port"},
	    {"[metrics]\nlisten = 127.0.0.1:70000\n", 2, "address and port"},
	    {"[metrics]\nlisten = ::1:9464\n", 2, "address and port"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct conf c;
		struct error err;
		const char *p = write_conf(cases[i].text);
		int r;

		conf_defaults(&c);
		r = conf_load(&c, p, &err);
		ck_assert_msg(r < 0, "case %zu accepted", i);
		ck_assert_msg(strcmp(err.source, p) == 0, "case %zu: source %s",
		    i, err.source);
		ck_assert_msg(err.line == cases[i].line, "case %zu: line %d", i,
		    err.line);
		ck_assert_msg(strstr(err.text, cases[i].words) != NULL,
		    "case %zu: %s", i, err.text);
		conf_clear(&c);
		teardown();
	}
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("agent_conf");
	TCase *tc = tcase_create("conf");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_sample);
	tcase_add_test(tc, test_everything);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_audit_off);
	tcase_add_test(tc, test_manual);
	tcase_add_test(tc, test_reload);
	tcase_add_test(tc, test_print);
	suite_add_tcase(su, tc);
	return testutil_run(su);
}

/*
 * test_orch_conf.c: where metactl's client configuration comes from and
 * what it holds: search order, environment overrides, defaults, errors.
 */
#include "buildconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conftab_man.h"
#include "orchestrator/clientconf.h"
#include "test_orch_run.h"

static char dir[] = "/tmp/orchconfXXXXXX";
static char path_a[512], path_b[512], path_xdg[512];
static struct client_conf c;

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void
setup(void)
{
	char sub[64];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path_a, sizeof(path_a), "%s/a.conf", dir);
	snprintf(path_b, sizeof(path_b), "%s/b.conf", dir);
	snprintf(sub, sizeof(sub), "%s/metactl", dir);
	mkdir(sub, 0700);
	snprintf(path_xdg, sizeof(path_xdg), "%s/client.conf", sub);
	write_file(path_a, "collective = from_a\n");
	write_file(path_b, "collective = from_b\n");
	write_file(path_xdg, "collective = from_xdg\n");
	setenv("XDG_CONFIG_HOME", dir, 1);
	setenv("XDG_CACHE_HOME", dir, 1);
	setenv("HOME", dir, 1);
	unsetenv("METACTL_CONFIG");
	unsetenv("METACTL_BROKER");
	memset(&c, 0, sizeof(c));
}

static void
teardown(void)
{
	char sub[300];

	client_conf_clear(&c);
	unlink(path_a);
	unlink(path_b);
	unlink(path_xdg);
	snprintf(sub, sizeof(sub), "%s/metactl", dir);
	rmdir(sub);
	rmdir(dir);
	strcpy(dir, "/tmp/orchconfXXXXXX");
}

START_TEST(search_order)
{
	struct error err;

	ck_assert_int_eq(client_conf_load(&c, path_a, &err), 0);
	ck_assert_str_eq(c.collective, "from_a");
	client_conf_clear(&c);
	setenv("METACTL_CONFIG", path_b, 1);
	/* --config wins over the environment, which wins over XDG. */
	ck_assert_int_eq(client_conf_load(&c, path_a, &err), 0);
	ck_assert_str_eq(c.collective, "from_a");
	client_conf_clear(&c);
	ck_assert_int_eq(client_conf_load(&c, NULL, &err), 0);
	ck_assert_str_eq(c.collective, "from_b");
	client_conf_clear(&c);
	unsetenv("METACTL_CONFIG");
	ck_assert_int_eq(client_conf_load(&c, NULL, &err), 0);
	ck_assert_str_eq(c.collective, "from_xdg");
	ck_assert_str_eq(c.path, path_xdg);
}
END_TEST

START_TEST(defaults_without_a_file)
{
	struct error err;
	char cache[300];

	unlink(path_xdg);
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	ck_assert_int_eq(client_conf_load(&c, NULL, &err), 0);
	if (access(SYSCONFDIR "/metactl/client.conf", F_OK) == 0)
		return; /* the machine's own file applies */
	ck_assert_ptr_null(c.path);
	ck_assert_str_eq(c.collective, "metactl");
	ck_assert_uint_eq(c.nbrokers, 0); /* local mode */
	ck_assert_ptr_null(c.broker_cafile);
	ck_assert_int_eq(c.timeout_ms, 10000);
	ck_assert_int_eq(c.discovery_ms, 2000);
	ck_assert_int_eq(c.connect_timeout_ms, 3000);
	snprintf(cache, sizeof(cache), "%s/metactl/nodes.json", dir);
	ck_assert_str_eq(c.cache, cache);
}
END_TEST

START_TEST(values_and_overrides)
{
	struct error err;

	write_file(path_a,
	    "broker = amqp://a/ , amqp://b/\n"
	    "broker_cafile = ~/broker-ca.pem\n"
	    "key = ~/alice.key\n"
	    "timeout = 1500ms\n"
	    "discovery_timeout = 3s\n"
	    "cache =\n");
	ck_assert_int_eq(client_conf_load(&c, path_a, &err), 0);
	ck_assert_uint_eq(c.nbrokers, 2);
	ck_assert_str_eq(c.brokers[1], "amqp://b/");
	ck_assert_ptr_null(c.brokers[2]);
	ck_assert_int_eq(c.timeout_ms, 1500);
	ck_assert_int_eq(c.discovery_ms, 3000);
	ck_assert_str_eq(c.cache, "");
	ck_assert(strncmp(c.key, dir, strlen(dir)) == 0); /* ~ expanded */
	ck_assert(strncmp(c.broker_cafile, dir, strlen(dir)) == 0);
	ck_assert_str_eq(c.broker_cafile + strlen(dir), "/broker-ca.pem");
	client_conf_clear(&c);
	setenv("METACTL_BROKER", "amqp://env/", 1);
	ck_assert_int_eq(client_conf_load(&c, path_a, &err), 0);
	ck_assert_uint_eq(c.nbrokers, 1);
	ck_assert_str_eq(c.brokers[0], "amqp://env/");
	client_conf_clear(&c);
	setenv("METACTL_BROKER", "", 1); /* empty: local mode */
	ck_assert_int_eq(client_conf_load(&c, path_a, &err), 0);
	ck_assert_uint_eq(c.nbrokers, 0);
}
END_TEST

START_TEST(errors_say_where)
{
	struct error err;
	char buf[512];

	write_file(path_a, "collective = x\ncolour = blue\n");
	ck_assert_int_lt(client_conf_load(&c, path_a, &err), 0);
	error_format(&err, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "a.conf:2"));
	ck_assert_ptr_nonnull(strstr(buf, "colour"));
	write_file(path_a, "collective = prod.eu\n");
	ck_assert_int_lt(client_conf_load(&c, path_a, &err), 0);
	ck_assert_ptr_nonnull(
	    strstr(err.text, "collective: letters, digits, '_' and '-' only"));
	write_file(path_a, "timeout = 0\n");
	ck_assert_int_lt(client_conf_load(&c, path_a, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.text, "timeout"));
	write_file(path_a, "[client]\nbroker = x\n");
	ck_assert_int_lt(client_conf_load(&c, path_a, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.text, "[client]"));
	ck_assert_int_lt(client_conf_load(&c, "/nonexistent/c.conf", &err), 0);
}
END_TEST

/* Every key in metactl(1), CONFIGURATION, with its default, and in the
 * sample client.conf. */
START_TEST(manual)
{
	conftab_man_check(
	    client_conf_keys, "man/metactl.1", ".Sh CONFIGURATION");
	conftab_sample_check(client_conf_keys, "etc/client.conf");
}
END_TEST

ORCH_SUITE("orch_conf", setup, teardown, search_order, defaults_without_a_file,
    values_and_overrides, errors_say_where, manual)

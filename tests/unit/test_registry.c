/* test_registry.c: built-ins pair with their DDLs; external agents load. */
#include "buildconf.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ddl.h"
#include "error.h"
#include "plugins/external.h"
#include "plugins/registry.h"
#include "testutil.h"

static char tmp[256];

static const char *
srcdir(void)
{
	const char *s = getenv("top_srcdir");

	return s != NULL ? s : ".";
}

static char *
src_path(const char *rel)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", srcdir(), rel), 0);
	return p;
}

static void
make_tmp(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/test_registry.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void
remove_tmp(void)
{
	char *cmd;

	ck_assert_int_ge(asprintf(&cmd, "rm -rf '%s'", tmp), 0);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static void
write_file(const char *name, const char *text, mode_t mode)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", tmp, name), 0);
	testutil_write_file(p, text);
	ck_assert_int_eq(chmod(p, mode), 0);
	free(p);
}

static void
write_json(const char *name, json_t *doc)
{
	char *text = json_dumps(doc, JSON_INDENT(2));

	write_file(name, text, 0644);
	free(text);
}

static json_t *
rpcutil_ddl(void)
{
	char *p = src_path("schemas/ddl/rpcutil.json");
	json_t *doc = json_load_file(p, 0, NULL);

	ck_assert_ptr_nonnull(doc);
	free(p);
	return doc;
}

/* registry_load must fail with err.text containing want. */
static void
assert_load_fails(const char *ddl_dir, const char *ext_dir, const char *want)
{
	struct registry *r = NULL;
	struct error err;
	char buf[512];

	error_init(&err, "<test>");
	ck_assert_int_lt(registry_load(ddl_dir, ext_dir, &r, &err), 0);
	ck_assert_ptr_null(r);
	error_format(&err, buf, sizeof(buf));
	ck_assert_msg(strstr(err.text, want) != NULL,
	    "error \"%s\" lacks \"%s\"", buf, want);
}

START_TEST(test_builtin_ddls_pair)
{
	char *dir = src_path("schemas/ddl");
	const struct plugin_action *a;
	struct registry *r = NULL;
	const struct ddl *d;
	struct error err;
	size_t i, j;
	void *pd;

	error_init(&err, "<test>");
	ck_assert_int_eq(registry_load(dir, NULL, &r, &err), 0);
	ck_assert_uint_ge(registry_count(r), 1);
	ck_assert_ptr_null(registry_agent(r, registry_count(r)));
	for (i = 0; i < registry_count(r); i++) {
		if (i > 0)
			ck_assert_str_lt(
			    registry_agent(r, i - 1), registry_agent(r, i));
		d = registry_ddl(r, registry_agent(r, i));
		ck_assert_ptr_nonnull(d);
		ck_assert_str_eq(d->agent, registry_agent(r, i));
		ck_assert_uint_ge(d->nactions, 1);
		for (j = 0; j < d->nactions; j++) {
			a = NULL;
			ck_assert_int_eq(registry_lookup(r, d->agent,
					     d->actions[j].name, &a, &pd),
			    0);
			ck_assert_str_eq(a->name, d->actions[j].name);
			ck_assert_ptr_nonnull(a->run);
			ck_assert_ptr_null(pd);
		}
	}
	ck_assert_ptr_nonnull(registry_ddl(r, "rpcutil"));
	ck_assert_ptr_null(registry_ddl(r, "nosuch"));
	ck_assert_int_eq(
	    registry_lookup(r, "nosuch", "ping", &a, &pd), MCE_UNKAGENT);
	ck_assert_int_eq(
	    registry_lookup(r, "rpcutil", "nosuch", &a, &pd), MCE_UNKACTION);
	/* The deploy agent has a recovery hook (run at start), rpcutil none;
	 * "recover" is no action a request can name. */
	for (i = 0; i < registry_count(r); i++) {
		a = registry_recover(r, i);
		if (strcmp(registry_agent(r, i), "deploy") == 0) {
			ck_assert_ptr_nonnull(a);
			ck_assert_str_eq(a->name, "recover");
			ck_assert_ptr_nonnull(a->run);
		} else if (strcmp(registry_agent(r, i), "rpcutil") == 0)
			ck_assert_ptr_null(a);
	}
	ck_assert_ptr_null(registry_recover(r, registry_count(r)));
	ck_assert_int_eq(
	    registry_lookup(r, "deploy", "recover", &a, &pd), MCE_UNKACTION);
	ck_assert_int_eq(registry_init(r), 0);
	registry_fini(r);
	registry_free(r);
	registry_free(NULL);
	free(dir);
}
END_TEST

START_TEST(test_ddl_action_without_code)
{
	json_t *doc = rpcutil_ddl();

	json_object_set_new(json_object_get(doc, "actions"), "reboot",
	    json_pack("{s:s,s:{},s:{}}", "description", "not implemented",
		"input", "output"));
	make_tmp();
	write_json("rpcutil.json", doc);
	assert_load_fails(tmp, NULL,
	    "DDL action \"reboot\" has no implementation in plugin "
	    "rpcutil");
	remove_tmp();
	json_decref(doc);
}
END_TEST

START_TEST(test_code_without_ddl_action)
{
	json_t *doc = rpcutil_ddl();

	json_object_del(json_object_get(doc, "actions"), "get_facts");
	make_tmp();
	write_json("rpcutil.json", doc);
	assert_load_fails(tmp, NULL,
	    "plugin rpcutil implements action \"get_facts\" but its DDL does "
	    "not describe it");
	remove_tmp();
	json_decref(doc);
}
END_TEST

START_TEST(test_plugin_without_ddl)
{
	make_tmp();
	assert_load_fails(tmp, NULL, "plugin rpcutil has no DDL");
	remove_tmp();
}
END_TEST

START_TEST(test_malformed_ddl)
{
	make_tmp();
	write_file(
	    "rpcutil.json", "{\"agent\": \"rpcutil\", \"actions\": [", 0644);
	assert_load_fails(tmp, NULL, "DDL of plugin rpcutil: ");
	remove_tmp();
}
END_TEST

START_TEST(test_ddl_of_another_agent)
{
	json_t *doc = rpcutil_ddl();

	json_object_set_new(doc, "agent", json_string("other"));
	make_tmp();
	write_json("rpcutil.json", doc);
	assert_load_fails(tmp, NULL, "not plugin rpcutil");
	remove_tmp();
	json_decref(doc);
}
END_TEST

static const char agent_ddl[] =
    "{\"agent\":\"%s\",\"version\":\"2.0\",\"description\":\"test\","
    "\"timeout\":3,\"actions\":{\"run\":{\"description\":\"runs\","
    "\"display\":\"always\",\"input\":{},\"output\":{}}}}";

static void
write_agent(const char *name, mode_t mode)
{
	char ddl[512], file[256];

	snprintf(ddl, sizeof(ddl), agent_ddl, name);
	snprintf(file, sizeof(file), "%s.json", name);
	write_file(file, ddl, 0644);
	write_file(name, "#!/bin/sh\nexit 0\n", mode);
}

START_TEST(test_external_agents_load)
{
	char *dir = src_path("schemas/ddl");
	const struct plugin_action *a;
	struct registry *r = NULL;
	struct error err;
	void *pd = NULL;

	make_tmp();
	write_agent("zeta", 0755);
	write_agent("alpha", 0700);
	write_file(".hidden", "ignored", 0600);
	error_init(&err, "<test>");
	ck_assert_int_eq(registry_load(dir, tmp, &r, &err), 0);
	ck_assert_uint_eq(registry_count(r), 7);
	ck_assert_str_eq(registry_agent(r, 0), "alpha");
	ck_assert_str_eq(registry_agent(r, 1), "deploy");
	ck_assert_str_eq(registry_agent(r, 2), "lbreg");
	ck_assert_str_eq(registry_agent(r, 3), "rpcutil");
	ck_assert_str_eq(registry_agent(r, 4), "sandbox");
	ck_assert_str_eq(registry_agent(r, 5), "service");
	ck_assert_str_eq(registry_agent(r, 6), "zeta");
	ck_assert_str_eq(registry_ddl(r, "zeta")->version, "2.0");
	ck_assert_int_eq(registry_lookup(r, "zeta", "run", &a, &pd), 0);
	ck_assert_str_eq(a->name, "run");
	ck_assert_ptr_eq(a->run, external_run);
	ck_assert_ptr_nonnull(pd);
	ck_assert_int_eq(
	    registry_lookup(r, "zeta", "walk", &a, &pd), MCE_UNKACTION);
	ck_assert_int_eq(registry_init(r), 0);
	registry_fini(r);
	registry_free(r);
	remove_tmp();
	free(dir);
}
END_TEST

START_TEST(test_external_errors)
{
	char *dir = src_path("schemas/ddl");
	char ddl[512];

	make_tmp();
	write_file("lonely", "#!/bin/sh\n", 0755);
	assert_load_fails(dir, tmp, "external agent lonely has no DDL");
	remove_tmp();

	make_tmp();
	write_file("orphan.json", "{}", 0644);
	assert_load_fails(dir, tmp,
	    "DDL orphan.json has no external agent executable orphan");
	remove_tmp();

	make_tmp();
	write_agent("shared", 0775);
	assert_load_fails(dir, tmp, "writable by group or others");
	remove_tmp();

	make_tmp();
	write_agent("plain", 0644);
	assert_load_fails(dir, tmp, "not an executable file");
	remove_tmp();

	make_tmp();
	write_agent("Bad-Name", 0755);
	assert_load_fails(dir, tmp, "not an agent name");
	remove_tmp();

	/* The name rules of lib/names.h: 64 characters at most. */
	make_tmp();
	write_agent(
	    "a234567890123456789012345678901234567890123456789012345678901234"
	    "5",
	    0755);
	assert_load_fails(
	    dir, tmp, "is not an agent name: longer than 64 characters");
	remove_tmp();

	make_tmp();
	write_agent("rpcutil", 0755);
	assert_load_fails(dir, tmp, "has the name of a built-in plugin");
	remove_tmp();

	make_tmp();
	write_file("mislabelled", "#!/bin/sh\n", 0755);
	snprintf(ddl, sizeof(ddl), agent_ddl, "other");
	write_file("mislabelled.json", ddl, 0644);
	assert_load_fails(dir, tmp, "not external agent mislabelled");
	remove_tmp();

	make_tmp();
	write_file("garbled", "#!/bin/sh\n", 0755);
	write_file("garbled.json", "\x01\xff not json", 0644);
	assert_load_fails(dir, tmp, "DDL of external agent garbled: ");
	remove_tmp();

	assert_load_fails(
	    dir, "/nonexistent/agents", "external agent directory");
	free(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("registry");
	TCase *tc = tcase_create("registry");

	tcase_add_test(tc, test_builtin_ddls_pair);
	tcase_add_test(tc, test_ddl_action_without_code);
	tcase_add_test(tc, test_code_without_ddl_action);
	tcase_add_test(tc, test_plugin_without_ddl);
	tcase_add_test(tc, test_malformed_ddl);
	tcase_add_test(tc, test_ddl_of_another_agent);
	tcase_add_test(tc, test_external_agents_load);
	tcase_add_test(tc, test_external_errors);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}

/*
 * test_orch_registry.c: the node registry: expected sets from stored
 * inventories, sightings and misses, forgetting, the file.
 */
#include "buildconf.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filter.h"
#include "orchestrator/registry.h"
#include "test_orch_run.h"

static struct registry reg;
static struct strv got;
static char dir[64], path[128];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/orchregXXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/nodes.json", dir);
	registry_load(&reg, path); /* missing: empty */
}

static void
teardown(void)
{
	char sub[160];

	registry_clear(&reg);
	strv_clear(&got);
	unlink(path);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	rmdir(sub);
	rmdir(dir);
}

/* An inventory reply's data for a node of role with class and agents. */
static void
inventory(const char *id, const char *role, const char *cls, int64_t now)
{
	json_t *d = json_pack("{s:{s:s, s:{s:s}}, s:[s], s:[s, s], s:[s]}",
	    "facts", "role", role, "os", "family", "debian", "classes", cls,
	    "agents", "rpcutil", strcmp(role, "web") == 0 ? "example" : "x",
	    "collectives", "prod");

	ck_assert_int_ge(registry_inventory(&reg, id, d, now), 0);
	json_decref(d);
}

/* The expected set of filter text (JSON) in prod, as one string. */
static const char *
expected(const char *filter_json)
{
	static char buf[256];
	json_t *f = json_loads(filter_json, 0, NULL);
	size_t i;

	ck_assert_ptr_nonnull(f);
	strv_clear(&got);
	ck_assert_int_eq(registry_expected(&reg, "prod", f, &got), 0);
	buf[0] = '\0';
	for (i = 0; i < got.n; i++) {
		strcat(buf, got.v[i]);
		strcat(buf, " ");
	}
	json_decref(f);
	return buf;
}

START_TEST(any_filter_from_the_inventories)
{
	inventory("web1", "web", "frontend", 1000);
	inventory("web2", "web", "web", 1000);
	inventory("db1", "db", "db", 1000);
	ck_assert_uint_eq(registry_count(&reg, "prod"), 3);
	ck_assert_uint_eq(registry_count(&reg, "dev"), 0);
	ck_assert_str_eq(expected("{}"), "db1 web1 web2 ");
	ck_assert_str_eq(expected("{\"fact\":[{\"fact\":\"role\","
				  "\"operator\":\"==\",\"value\":\"web\"}]}"),
	    "web1 web2 ");
	/* The same set written as a compound filter. */
	ck_assert_str_eq(expected("{\"compound\":\"role=web\"}"), "web1 web2 ");
	ck_assert_str_eq(expected("{\"class\":[\"frontend\"]}"), "web1 ");
	ck_assert_str_eq(expected("{\"agent\":[\"example\"]}"), "web1 web2 ");
	ck_assert_str_eq(
	    expected("{\"fact\":[{\"fact\":\"os.family\",\"operator\":\"==\","
		     "\"value\":\"debian\"}]}"),
	    "db1 web1 web2 ");
	ck_assert_str_eq(expected("{\"identity\":[\"/^db/\"]}"), "db1 ");
}
END_TEST

START_TEST(a_node_without_inventory)
{
	json_t *f = json_pack("{s:[s]}", "class", "web");

	/* Seen answering a ping only: expected for an empty filter and a
	 * plain -I naming it, never for a filter on facts. */
	ck_assert_int_eq(registry_seen(&reg, "web9", "prod", 1000), 1);
	ck_assert_int_eq(registry_seen(&reg, "web9", "prod", 1100), 0);
	ck_assert_str_eq(expected("{}"), "web9 ");
	ck_assert_str_eq(expected("{\"identity\":[\"web9\"]}"), "web9 ");
	ck_assert_str_eq(expected("{\"identity\":[\"/web/\"]}"), "");
	ck_assert_str_eq(expected("{\"class\":[\"web\"]}"), "");
	ck_assert_int_eq(registry_selects(&reg, "web9", f), 0);
	json_decref(f);
	f = json_object();
	ck_assert_int_eq(registry_selects(&reg, "nosuch", f), 0);
	json_decref(f);
}
END_TEST

START_TEST(misses_then_forgotten)
{
	const int64_t day = 86400000;
	int i;

	inventory("web1", "web", "web", 1000);
	/* Five misses in a row, but seen within forget_after: kept. */
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(
		    registry_missed(&reg, "web1", 2000, 5, day), 0);
	/* A sighting resets the count. */
	registry_seen(&reg, "web1", "prod", 3000);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(
		    registry_missed(&reg, "web1", 3000 + 2 * day, 5, day), 0);
	/* The fifth miss, a day after the last sighting: forgotten. */
	ck_assert_int_eq(
	    registry_missed(&reg, "web1", 3000 + 2 * day, 5, day), 1);
	ck_assert_ptr_null(registry_node(&reg, "web1"));
	ck_assert_int_eq(registry_forget(&reg, "web1"), -ENOENT);
	inventory("db1", "db", "db", 1000);
	ck_assert_int_eq(registry_forget(&reg, "db1"), 0);
	ck_assert_str_eq(expected("{}"), "");
}
END_TEST

START_TEST(the_file)
{
	struct stat st;
	FILE *f;

	inventory("web1", "web", "web", 1000);
	registry_set_refreshed(&reg, "prod", 1234);
	ck_assert_int_eq(registry_save(&reg, path), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	registry_clear(&reg);
	registry_load(&reg, path);
	ck_assert_str_eq(expected("{\"class\":[\"web\"]}"), "web1 ");
	ck_assert_int_eq(registry_refreshed(&reg, "prod"), 1234);
	ck_assert_int_eq(registry_refreshed(&reg, "dev"), 0);
	registry_clear(&reg);
	/* A version-1 node cache is ignored (and replaced by a save). */
	f = fopen(path, "w");
	fputs("{\"version\":1,\"nodes\":{\"web1\":5},\"discoveries\":{}}", f);
	fclose(f);
	registry_load(&reg, path);
	ck_assert_uint_eq(registry_count(&reg, "prod"), 0);
	registry_clear(&reg);
	/* So is a corrupt file. */
	f = fopen(path, "w");
	fputs("{not json", f);
	fclose(f);
	registry_load(&reg, path);
	ck_assert_str_eq(expected("{}"), "");
}
END_TEST

ORCH_SUITE("orch_registry", setup, teardown, any_filter_from_the_inventories,
    a_node_without_inventory, misses_then_forgotten, the_file)

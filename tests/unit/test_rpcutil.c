/* test_rpcutil.c: every rpcutil action, run through the registry. */
#include "buildconf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ddl.h"
#include "error.h"
#include "message.h"
#include "plugins/plugin.h"
#include "plugins/registry.h"
#include "tests/unit/fake_ctx.h"
#include "tests/unit/testutil.h"

static struct registry *reg;
static json_t *facts, *stats;
static const char *const classes[] = {"web", "base"};
static const char *const collectives[] = {"prod", "eu"};
static const char *const agents[] = {"nosuch", "rpcutil"};
static const struct ddl *agent_ddls[2];
static struct node_info node;

static void
setup(void)
{
	const char *top = getenv("top_srcdir");
	struct error err;
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/schemas/ddl", top != NULL ? top : ".");
	error_init(&err, "<test>");
	ck_assert_int_eq(registry_load(dir, NULL, &reg, &err), 0);
	facts = json_pack("{s:s,s:{s:s,s:{s:s,s:i}},s:b}", "role", "web", "os",
	    "family", "debian", "release", "major", "12", "minor", 4, "virtual",
	    1);
	stats = json_pack("{s:i,s:i}", "total", 7, "denied", 2);
	agent_ddls[0] = NULL;
	agent_ddls[1] = registry_ddl(reg, "rpcutil");
	node = (struct node_info){
	    .identity = "web1.example.net",
	    .version = "9.8.7",
	    .facts = facts,
	    .classes = classes,
	    .nclasses = 2,
	    .collectives = collectives,
	    .ncollectives = 2,
	    .agents = agents,
	    .nagents = 2,
	    .start_ms = message_now_ms() - 5500,
	    .stats = stats,
	    .agent_ddls = agent_ddls,
	};
}

static void
teardown(void)
{
	registry_free(reg);
	json_decref(facts);
	json_decref(stats);
}

/*
 * Runs the action; it must complete exactly once with status want, and
 * every key of its data must be an output its DDL declares.
 */
static struct action_ctx *
call(const char *action, const json_t *input, int want)
{
	const struct ddl_action *a;
	struct action_ctx *c;
	const char *key;
	json_t *v;
	size_t i;

	c = fake_ctx_call(reg, "rpcutil", action, input, &node, 0);
	ck_assert_int_eq(fake_ctx_done_count(c), 1);
	ck_assert_msg(fake_ctx_status(c) == want, "%s: status %d (%s)", action,
	    fake_ctx_status(c), fake_ctx_msg(c));
	a = ddl_find_action(registry_ddl(reg, "rpcutil"), action);
	ck_assert_ptr_nonnull(a);
	json_object_foreach((json_t *)fake_ctx_data(c), key, v)
	{
		for (i = 0; i < a->noutputs; i++)
			if (strcmp(a->outputs[i].name, key) == 0)
				break;
		ck_assert_msg(i < a->noutputs,
		    "%s returns \"%s\", which its DDL does not declare", action,
		    key);
	}
	return c;
}

static json_int_t
int_of(struct action_ctx *c, const char *key)
{
	json_t *v = json_object_get(fake_ctx_data(c), key);

	ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
	return json_integer_value(v);
}

static void
assert_json(const json_t *got, const char *want_text)
{
	json_t *want = json_loads(want_text, JSON_DECODE_ANY, NULL);
	char *g = json_dumps(got, JSON_SORT_KEYS | JSON_ENCODE_ANY);

	ck_assert_ptr_nonnull(want);
	ck_assert_msg(json_equal(got, want), "got %s, want %s", g, want_text);
	free(g);
	json_decref(want);
}

START_TEST(test_ping)
{
	int64_t before = message_now_ms(), pong;
	struct action_ctx *c = call("ping", NULL, STATUS_OK);

	pong = int_of(c, "pong");
	ck_assert_int_ge(pong, before);
	ck_assert_int_le(pong, message_now_ms());
	fake_ctx_free(c);
}
END_TEST

START_TEST(test_inventory)
{
	struct action_ctx *c = call("inventory", NULL, STATUS_OK);
	const json_t *d = fake_ctx_data(c);

	ck_assert_str_eq(
	    json_string_value(json_object_get(d, "identity")), node.identity);
	ck_assert_str_eq(
	    json_string_value(json_object_get(d, "version")), "9.8.7");
	assert_json(json_object_get(d, "agents"), "[\"nosuch\",\"rpcutil\"]");
	assert_json(json_object_get(d, "classes"), "[\"web\",\"base\"]");
	assert_json(json_object_get(d, "collectives"), "[\"prod\",\"eu\"]");
	/* role, os.family, os.release.major, os.release.minor, virtual */
	ck_assert_int_eq(int_of(c, "fact_count"), 5);
	ck_assert_int_ge(int_of(c, "uptime"), 5);
	ck_assert_int_lt(int_of(c, "uptime"), 60);
	fake_ctx_free(c);
}
END_TEST

START_TEST(test_inventory_of_a_bare_node)
{
	struct action_ctx *c;
	json_t *in;

	node = (struct node_info){.identity = "bare"};
	c = call("inventory", NULL, STATUS_OK);
	assert_json(fake_ctx_data(c),
	    "{\"identity\":\"bare\",\"version\":null,\"agents\":[],"
	    "\"fact_count\":0,\"classes\":[],\"collectives\":[],\"uptime\":0}");
	fake_ctx_free(c);
	c = call("daemon_stats", NULL, STATUS_OK);
	assert_json(json_object_get(fake_ctx_data(c), "stats"), "{}");
	fake_ctx_free(c);
	in = json_pack("{s:s}", "fact", "role");
	c = call("get_fact", in, STATUS_OK);
	assert_json(json_object_get(fake_ctx_data(c), "value"), "null");
	fake_ctx_free(c);
	json_decref(in);
}
END_TEST

START_TEST(test_get_fact)
{
	json_t *in = json_pack("{s:s}", "fact", "os.release.major");
	struct action_ctx *c = call("get_fact", in, STATUS_OK);

	assert_json(fake_ctx_data(c),
	    "{\"fact\":\"os.release.major\",\"value\":\"12\"}");
	fake_ctx_free(c);
	json_object_set_new(in, "fact", json_string("os.release"));
	c = call("get_fact", in, STATUS_OK);
	assert_json(json_object_get(fake_ctx_data(c), "value"),
	    "{\"major\":\"12\",\"minor\":4}");
	fake_ctx_free(c);
	json_object_set_new(in, "fact", json_string("os.kernel"));
	c = call("get_fact", in, STATUS_OK);
	assert_json(
	    fake_ctx_data(c), "{\"fact\":\"os.kernel\",\"value\":null}");
	fake_ctx_free(c);
	json_decref(in);
}
END_TEST

START_TEST(test_get_facts)
{
	json_t *in =
	    json_pack("{s:s}", "facts", " role,os.release.minor , nope");
	struct action_ctx *c = call("get_facts", in, STATUS_OK);

	assert_json(fake_ctx_data(c),
	    "{\"values\":{\"role\":\"web\",\"os.release.minor\":4,"
	    "\"nope\":null}}");
	fake_ctx_free(c);
	json_object_set_new(in, "facts", json_string(" , ,"));
	c = call("get_facts", in, STATUS_INVALID_DATA);
	ck_assert_ptr_nonnull(strstr(fake_ctx_msg(c), "facts"));
	fake_ctx_free(c);
	json_decref(in);
}
END_TEST

START_TEST(test_missing_inputs)
{
	struct action_ctx *c = call("get_fact", NULL, STATUS_MISSING_DATA);

	fake_ctx_free(c);
	c = call("get_facts", NULL, STATUS_MISSING_DATA);
	fake_ctx_free(c);
}
END_TEST

/* The DDL the agent validates with lets fact names through, not commands. */
START_TEST(test_ddl_checks_fact_names)
{
	static const char *const good[] = {
	    "os.release.major", "role", "a_b-c:d"};
	static const char *const bad[] = {
	    "os; rm -rf /", "$(id)", "-n", "a b", ""};
	const struct ddl *d = registry_ddl(reg, "rpcutil");
	struct error err;
	json_t *in;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		in = json_pack("{s:s}", "fact", good[i]);
		ck_assert_msg(
		    ddl_validate(ddl_find_action(d, "get_fact"), in, &err) == 0,
		    "%s: %s", good[i], err.text);
		json_decref(in);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		in = json_pack("{s:s}", "fact", bad[i]);
		ck_assert_msg(ddl_validate(ddl_find_action(d, "get_fact"), in,
				  &err) == MCE_INVALID,
		    "get_fact accepts \"%s\"", bad[i]);
		json_decref(in);
		in = json_pack("{s:s}", "facts", bad[i]);
		ck_assert_msg(ddl_validate(ddl_find_action(d, "get_facts"), in,
				  &err) == MCE_INVALID,
		    "get_facts accepts \"%s\"", bad[i]);
		json_decref(in);
	}
	in = json_pack("{s:s}", "facts", "role, os.family,virtual");
	ck_assert_int_eq(
	    ddl_validate(ddl_find_action(d, "get_facts"), in, &err), 0);
	json_decref(in);
	in = json_object();
	ck_assert_int_eq(ddl_validate(ddl_find_action(d, "get_fact"), in, &err),
	    MCE_MISSING);
	json_decref(in);
}
END_TEST

START_TEST(test_agent_inventory)
{
	const struct ddl *d = registry_ddl(reg, "rpcutil");
	struct action_ctx *c = call("agent_inventory", NULL, STATUS_OK);
	json_t *a = json_object_get(fake_ctx_data(c), "agents"), *want;

	want = json_pack("[{s:s,s:n,s:n},{s:s,s:s,s:s}]", "name", "nosuch",
	    "version", "description", "name", "rpcutil", "version", d->version,
	    "description", d->description);
	ck_assert(json_equal(a, want));
	json_decref(want);
	fake_ctx_free(c);

	/* An agent that does not provide the DDLs still gets the names. */
	node.agent_ddls = NULL;
	c = call("agent_inventory", NULL, STATUS_OK);
	assert_json(json_object_get(fake_ctx_data(c), "agents"),
	    "[{\"name\":\"nosuch\",\"version\":null,\"description\":null},"
	    "{\"name\":\"rpcutil\",\"version\":null,\"description\":null}]");
	fake_ctx_free(c);
}
END_TEST

START_TEST(test_daemon_stats)
{
	struct action_ctx *c = call("daemon_stats", NULL, STATUS_OK);
	const json_t *d = fake_ctx_data(c);

	assert_json(json_object_get(d, "stats"), "{\"total\":7,\"denied\":2}");
	ck_assert_int_eq(int_of(c, "pid"), getpid());
	ck_assert_int_ge(int_of(c, "uptime"), 5);
	ck_assert_int_eq(int_of(c, "start_time"), node.start_ms / 1000);
	/* A test process has at least a page and less than a gigabyte. */
	ck_assert_int_ge(int_of(c, "rss"), 4096);
	ck_assert_int_lt(int_of(c, "rss"), 1LL << 30);
	ck_assert_str_eq(
	    json_string_value(json_object_get(d, "version")), "9.8.7");
	fake_ctx_free(c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rpcutil");
	TCase *tc = tcase_create("rpcutil");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ping);
	tcase_add_test(tc, test_inventory);
	tcase_add_test(tc, test_inventory_of_a_bare_node);
	tcase_add_test(tc, test_get_fact);
	tcase_add_test(tc, test_get_facts);
	tcase_add_test(tc, test_missing_inputs);
	tcase_add_test(tc, test_ddl_checks_fact_names);
	tcase_add_test(tc, test_agent_inventory);
	tcase_add_test(tc, test_daemon_stats);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}

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
#include "tests/unit/agent_harness.h"
#include "tests/unit/testutil.h"

static struct harness h;
static const char *const classes[] = {"web", "base"};
static const char *const collectives[] = {"prod", "eu"};

/* The node: the rpcutil built-in and the example external agent. */
static void
setup(void)
{
	const char *top = getenv("top_srcdir");
	char ext[512];

	snprintf(
	    ext, sizeof(ext), "%s/plugins/external", top != NULL ? top : ".");
	harness_init(&h, ext);
	free(h.d.conf.identity);
	h.d.conf.identity = strdup("web1.example.net");
	harness_set_node(&h,
	    json_pack("{s:s,s:{s:s,s:{s:s,s:i}},s:b}", "role", "web", "os",
		"family", "debian", "release", "major", "12", "minor", 4,
		"virtual", 1),
	    classes, 2);
	harness_set_collectives(&h, collectives, 2);
	h.d.start_ms = message_now_ms() - 5500;
}

static struct reply *last;

static void
teardown(void)
{
	reply_free(last);
	last = NULL;
	harness_fini(&h);
}

/*
 * Runs the action; it must complete exactly once with status want, and
 * every key of its data must be an output its DDL declares. The reply is
 * freed by the next call or by teardown.
 */
static struct reply *
call(const char *action, const json_t *input, int want)
{
	const struct ddl_action *a;
	struct reply *r;
	const char *key;
	json_t *v;
	size_t i;

	reply_free(last);
	last = r = harness_call(&h, "rpcutil", action, input, 0);
	ck_assert_msg(r->statuscode == want, "%s: status %d (%s)", action,
	    r->statuscode, r->statusmsg);
	ck_assert_str_eq(r->sender, "web1.example.net");
	a = ddl_find_action(registry_ddl(h.d.registry, "rpcutil"), action);
	ck_assert_ptr_nonnull(a);
	json_object_foreach(r->data, key, v)
	{
		for (i = 0; i < a->noutputs; i++)
			if (strcmp(a->outputs[i].name, key) == 0)
				break;
		ck_assert_msg(i < a->noutputs,
		    "%s returns \"%s\", which its DDL does not declare", action,
		    key);
	}
	return r;
}

static json_int_t
int_of(struct reply *c, const char *key)
{
	json_t *v = json_object_get(c->data, key);

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
	struct reply *c = call("ping", NULL, STATUS_OK);

	pong = int_of(c, "pong");
	ck_assert_int_ge(pong, before);
	ck_assert_int_le(pong, message_now_ms());
}
END_TEST

START_TEST(test_inventory)
{
	struct reply *c = call("inventory", NULL, STATUS_OK);
	const json_t *d = c->data;

	ck_assert_str_eq(json_string_value(json_object_get(d, "identity")),
	    "web1.example.net");
	ck_assert_str_eq(
	    json_string_value(json_object_get(d, "version")), PACKAGE_VERSION);
	assert_json(json_object_get(d, "agents"),
	    "[\"deploy\",\"example\",\"lbreg\",\"rpcutil\",\"sandbox\","
	    "\"service\"]");
	assert_json(json_object_get(d, "classes"), "[\"web\",\"base\"]");
	assert_json(json_object_get(d, "collectives"), "[\"prod\",\"eu\"]");
	/* role, os.family, os.release.major, os.release.minor, virtual */
	ck_assert_int_eq(int_of(c, "fact_count"), 5);
	/* The facts themselves, whole: metactl's registry matches filters
	 * against them. */
	ck_assert_str_eq(json_string_value(json_object_get(
			     json_object_get(d, "facts"), "role")),
	    "web");
	ck_assert_ptr_nonnull(json_object_get(
	    json_object_get(json_object_get(d, "facts"), "os"), "release"));
	ck_assert_int_ge(int_of(c, "uptime"), 5);
	ck_assert_int_lt(int_of(c, "uptime"), 60);
}
END_TEST

START_TEST(test_inventory_of_a_bare_node)
{
	struct reply *c;
	json_t *in;

	harness_set_node(&h, json_object(), NULL, 0);
	harness_set_collectives(&h, NULL, 0);
	h.d.start_ms = 0;
	c = call("inventory", NULL, STATUS_OK);
	assert_json(json_object_get(c->data, "classes"), "[]");
	assert_json(json_object_get(c->data, "collectives"), "[]");
	ck_assert_int_eq(int_of(c, "fact_count"), 0);
	assert_json(json_object_get(c->data, "facts"), "{}");
	ck_assert_int_eq(int_of(c, "uptime"), 0);
	in = json_pack("{s:s}", "fact", "role");
	c = call("get_fact", in, STATUS_OK);
	assert_json(json_object_get(c->data, "value"), "null");
	json_decref(in);
}
END_TEST

START_TEST(test_get_fact)
{
	json_t *in = json_pack("{s:s}", "fact", "os.release.major");
	struct reply *c = call("get_fact", in, STATUS_OK);

	assert_json(
	    c->data, "{\"fact\":\"os.release.major\",\"value\":\"12\"}");
	json_object_set_new(in, "fact", json_string("os.release"));
	c = call("get_fact", in, STATUS_OK);
	assert_json(json_object_get(c->data, "value"),
	    "{\"major\":\"12\",\"minor\":4}");
	json_object_set_new(in, "fact", json_string("os.kernel"));
	c = call("get_fact", in, STATUS_OK);
	assert_json(c->data, "{\"fact\":\"os.kernel\",\"value\":null}");
	json_decref(in);
}
END_TEST

START_TEST(test_get_facts)
{
	json_t *in =
	    json_pack("{s:s}", "facts", " role,os.release.minor , nope");
	struct reply *c = call("get_facts", in, STATUS_OK);

	assert_json(c->data,
	    "{\"values\":{\"role\":\"web\",\"os.release.minor\":4,"
	    "\"nope\":null}}");
	json_object_set_new(in, "facts", json_string(" , ,"));
	c = call("get_facts", in, STATUS_INVALID_DATA);
	ck_assert_ptr_nonnull(strstr(c->statusmsg, "facts"));
	json_decref(in);
}
END_TEST

START_TEST(test_missing_inputs)
{
	call("get_fact", NULL, STATUS_MISSING_DATA);
	call("get_facts", NULL, STATUS_MISSING_DATA);
}
END_TEST

/* The DDL the agent validates with lets fact names through, not commands. */
START_TEST(test_ddl_checks_fact_names)
{
	static const char *const good[] = {
	    "os.release.major", "role", "a_b-c:d"};
	static const char *const bad[] = {
	    "os; rm -rf /", "$(id)", "-n", "a b", ""};
	const struct ddl *d = registry_ddl(h.d.registry, "rpcutil");
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

/* The real context fills each agent's DDL, built-in or external. */
START_TEST(test_agent_inventory)
{
	const struct ddl *r = registry_ddl(h.d.registry, "rpcutil");
	const struct ddl *e = registry_ddl(h.d.registry, "example");
	const struct ddl *s = registry_ddl(h.d.registry, "service");
	const struct ddl *dp = registry_ddl(h.d.registry, "deploy");
	const struct ddl *lb = registry_ddl(h.d.registry, "lbreg");
	const struct ddl *sb = registry_ddl(h.d.registry, "sandbox");
	struct reply *c = call("agent_inventory", NULL, STATUS_OK);
	json_t *a = json_object_get(c->data, "agents"), *want;

	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(dp);
	ck_assert_ptr_nonnull(sb);
	ck_assert_ptr_nonnull(r->version);
	ck_assert_ptr_nonnull(r->description);
	want = json_pack("[{s:s,s:s,s:s},{s:s,s:s,s:s},{s:s,s:s,s:s},"
			 "{s:s,s:s,s:s},{s:s,s:s,s:s},{s:s,s:s,s:s}]",
	    "name", "deploy", "version", dp->version, "description",
	    dp->description, "name", "example", "version", e->version,
	    "description", e->description, "name", "lbreg", "version",
	    lb->version, "description", lb->description, "name", "rpcutil",
	    "version", r->version, "description", r->description, "name",
	    "sandbox", "version", sb->version, "description", sb->description,
	    "name", "service", "version", s->version, "description",
	    s->description);
	testutil_json_eq("agents", a, want, JSON_SORT_KEYS);
	json_decref(want);
}
END_TEST

START_TEST(test_daemon_stats)
{
	struct reply *c;
	const json_t *d;

	call("ping", NULL, STATUS_OK);
	c = call("daemon_stats", NULL, STATUS_OK);
	d = c->data;
	/* The agent's own counters, taken when the action started. */
	ck_assert_ptr_null(json_object_get(d, "stats"));
	ck_assert_int_eq(int_of(c, "received"), 0);
	ck_assert_int_eq(int_of(c, "replied"), 1);
	ck_assert_int_eq(int_of(c, "dropped"), 0);
	ck_assert_int_eq(int_of(c, "refused"), 0);
	ck_assert_int_eq(int_of(c, "actions"), 2);
	ck_assert_int_eq(int_of(c, "running"), 1);
	ck_assert_int_eq(int_of(c, "queued"), 0);
	ck_assert_int_eq(int_of(c, "replies_dropped"), 0);
	ck_assert_int_eq(int_of(c, "reconnects"), 0);
	ck_assert_int_eq(int_of(c, "pid"), getpid());
	ck_assert_int_ge(int_of(c, "uptime"), 5);
	ck_assert_int_eq(int_of(c, "start_time"), h.d.start_ms / 1000);
	/* A test process has at least a page and less than a gigabyte. */
	ck_assert_int_ge(int_of(c, "rss"), 4096);
	ck_assert_int_lt(int_of(c, "rss"), 1LL << 30);
	ck_assert_str_eq(
	    json_string_value(json_object_get(d, "version")), PACKAGE_VERSION);
}
END_TEST

/* The last run of each action, kept by the agent; nothing else runs. */
START_TEST(test_running)
{
	struct reply *c;
	json_t *in;
	const json_t *run;
	int64_t before = message_now_ms();

	c = call("running", NULL, STATUS_OK);
	ck_assert_int_eq(int_of(c, "count"), 0);
	ck_assert_int_eq(
	    json_array_size(json_object_get(c->data, "running")), 0);
	ck_assert(json_is_null(json_object_get(c->data, "last_run")));
	call("ping", NULL, STATUS_OK);
	call("get_fact", NULL, STATUS_MISSING_DATA);
	in = json_pack("{s:s,s:s}", "agent", "rpcutil", "action", "ping");
	c = call("running", in, STATUS_OK);
	json_decref(in);
	ck_assert_int_eq(int_of(c, "count"), 0);
	run = json_object_get(c->data, "last_run");
	ck_assert_int_eq(json_integer_value(json_object_get(run, "status")), 0);
	ck_assert_int_ge(
	    json_integer_value(json_object_get(run, "at")), before);
	ck_assert_ptr_nonnull(
	    json_string_value(json_object_get(run, "caller")));
	/* Every action that ran, its status as it ended. */
	run = json_object_get(
	    json_object_get(c->data, "last_runs"), "rpcutil.get_fact");
	ck_assert_int_eq(json_integer_value(json_object_get(run, "status")),
	    STATUS_MISSING_DATA);
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
	tcase_add_test(tc, test_running);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}

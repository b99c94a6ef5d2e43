/* agent_harness.c: see agent_harness.h. */
#include "buildconf.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/registry.h"
#include "strv.h"
#include "agent_harness.h"
#include "test_agent_sink.h"

void
harness_init(struct harness *h, const char *ext_dir)
{
	const char *top = getenv("top_srcdir");
	struct node_sources ns = {0};
	struct error err;
	char dir[512];

	/* A child that stops reading its stdin must not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	log_init("test", 0, LOG_LEVEL_WARN);
	memset(h, 0, sizeof(*h));
	ck_assert_int_eq(uv_loop_init(&h->loop), 0);
	h->d.loop = &h->loop;
	conf_defaults(&h->d.conf);
	queue_init(&h->d.actions);
	ck_assert_int_eq(node_load(&h->loop, &ns, &h->d.node, &err), 0);
	snprintf(dir, sizeof(dir), "%s/schemas/ddl", top != NULL ? top : ".");
	error_init(&err, "<test>");
	ck_assert_msg(registry_load(dir, ext_dir, &h->d.registry, &err) == 0,
	    "%s: %s", err.source, err.text);
	ck_assert_int_eq(registry_init(h->d.registry), 0);
}

void
harness_fini(struct harness *h)
{
	uv_run(&h->loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&h->loop), 0);
	ck_assert_uint_eq(h->d.actions.nrunning, 0);
	registry_fini(h->d.registry);
	registry_free(h->d.registry);
	node_free(h->d.node);
	conf_clear(&h->d.conf);
}

void
harness_set_node(
    struct harness *h, json_t *facts, const char *const *classes, size_t n)
{
	json_decref(h->d.node->facts);
	h->d.node->facts = facts;
	strv_free(h->d.node->classes);
	ck_assert_ptr_nonnull(h->d.node->classes = strv_copy(classes, n));
	h->d.node->nclasses = n;
}

void
harness_set_collectives(
    struct harness *h, const char *const *collectives, size_t n)
{
	strv_free(h->d.conf.collectives);
	ck_assert_ptr_nonnull(
	    h->d.conf.collectives = strv_copy(collectives, n));
	h->d.conf.ncollectives = n;
}

struct reply *
harness_run(struct harness *h, const char *agent, const char *action,
    const struct plugin_action *impl, void *plugin_data, const json_t *input,
    int dry_run)
{
	char id[MESSAGE_ID_LEN + 1];
	struct test_sink sink;
	struct reply *r;
	struct action_start s = {
	    .id = id,
	    .caller = "uid=1000",
	    .agent = agent,
	    .action = action,
	    .input = input != NULL ? json_deep_copy(input) : NULL,
	    .dry_run = dry_run,
	    .deadline_ms = h->deadline_ms,
	    .impl = impl,
	    .plugin_data = plugin_data,
	    .sink = &sink.base,
	};

	message_new_id(id);
	test_sink_init(&sink);
	action_submit(&h->d, &s);
	uv_run(&h->loop, UV_RUN_DEFAULT);
	ck_assert_msg(
	    sink.sent == 1, "%s.%s: %d replies", agent, action, sink.sent);
	ck_assert_uint_eq(sink.refs, 1);
	ck_assert_str_eq(sink.reply->request_id, id);
	r = sink.reply;
	sink.reply = NULL;
	return r;
}

struct reply *
harness_call(struct harness *h, const char *agent, const char *action,
    const json_t *input, int dry_run)
{
	const struct plugin_action *impl;
	void *pd;

	ck_assert_msg(
	    registry_lookup(h->d.registry, agent, action, &impl, &pd) == 0,
	    "no action %s.%s", agent, action);
	return harness_run(h, agent, action, impl, pd, input, dry_run);
}

/*
 * test_agent_dispatch.c: the request pipeline of metactld
 * (agent/dispatch.c) with the real codec, signatures, replay cache,
 * filters, registry, DDL and policy: hostile bytes never crash; over the
 * broker nothing unverified and nothing for other nodes is answered, the
 * rest is answered signed with the request's digest; on the local socket
 * every refusal is answered, unsigned; each stage's refusal comes before
 * the next stage's; filter misses are silent; every refusal leaves one
 * audit record (unanswered ones within their rate limit).
 */
#include "buildconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "message.h"
#include "sign.h"
#include "policy/policy.h"
#include "plugins/registry.h"
#include "agent/agentd.h"
#include "test_agent_sink.h"
#include "testutil.h"

static struct agentd d;
static uv_loop_t loop;
static char dir[64];
static struct sign_key *alice;
static json_t *alice_cert;
static struct test_sink sink;
/* What make() puts in the next request, and the digest of the last. */
static const char *const *audience;
static size_t naudience;
static int dry_run;
static char last_digest[MESSAGE_DIGEST_LEN + 1];

static void
write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void
setup(void)
{
	struct sign_key *ca, *node_key;
	json_t *node_cert;
	unsigned char pk[SIGN_PUBLICKEYBYTES];
	struct policy_options po = {0};
	struct replay_config rc;
	struct error err;
	char path[128];
	int64_t now = message_now_ms() / 1000;

	ck_assert_int_eq(sign_init(), 0);
	snprintf(dir, sizeof(dir), "/tmp/test_agent_dispatch.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	memset(&d, 0, sizeof(d));
	uv_loop_init(&loop);
	d.loop = &loop;
	queue_init(&d.actions);
	conf_defaults(&d.conf);
	free(d.conf.identity);
	d.conf.identity = strdup("n1");
	d.conf.message_max = 4096;

	ck_assert_ptr_nonnull(d.node = calloc(1, sizeof(*d.node)));
	d.node->refs = 1;
	d.node->facts =
	    json_pack("{s:s,s:{s:i}}", "role", "web", "os", "major", 12);
	d.node->classes = calloc(2, sizeof(char *));
	d.node->classes[0] = strdup("web");
	d.node->nclasses = 1;

	ck_assert_int_eq(
	    registry_load(SRCDIR "/schemas/ddl", NULL, &d.registry, &err), 0);
	ck_assert_int_eq(registry_init(d.registry), 0);
	d.nagents = registry_count(d.registry);
	d.agents = calloc(d.nagents + 1, sizeof(char *));
	for (size_t i = 0; i < d.nagents; i++)
		d.agents[i] = registry_agent(d.registry, i);

	write_file("rpcutil.policy",
	    "policy default deny\n"
	    "allow\tuid=1000 cert=alice\tping get_fact\t*\n");
	po.dir = dir;
	po.default_name = "default";
	ck_assert_int_eq(policy_set_load(&po, &d.policy, &err), 0);

	replay_config_default(&rc);
	ck_assert_ptr_nonnull(d.replay = replay_new(&rc));
	ck_assert_ptr_nonnull(d.replay_local = replay_new(&rc));
	snprintf(path, sizeof(path), "%s/audit", dir);
	ck_assert_int_eq(audit_open(path, &d.audit), 0);

	ck_assert_int_eq(sign_key_generate(&ca), 0);
	ck_assert_ptr_nonnull(d.trust = trust_new());
	sign_key_public(ca, pk);
	trust_set_ca(d.trust, pk);
	ck_assert_int_eq(sign_key_generate(&alice), 0);
	sign_key_public(alice, pk);
	ck_assert_int_eq(cert_issue(ca, "ca", "alice", CERT_ROLE_CALLER, pk,
			     now - 60, now + 3600, &alice_cert),
	    0);
	ck_assert_int_eq(sign_key_generate(&node_key), 0);
	sign_key_public(node_key, pk);
	ck_assert_int_eq(cert_issue(ca, "ca", "n1", CERT_ROLE_NODE, pk,
			     now - 60, now + 3600, &node_cert),
	    0);
	trust_set_own(d.trust, node_key, node_cert);
	sign_key_free(ca);
	audience = NULL;
	naudience = 0;
	dry_run = 0;

	test_sink_init(&sink);
}

static void
teardown(void)
{
	char cmd[128];

	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	ck_assert_int_eq(sink.refs, 1);
	test_sink_clear(&sink);
	audit_close(d.audit);
	trust_free(d.trust);
	replay_free(d.replay);
	replay_free(d.replay_local);
	policy_set_free(d.policy);
	registry_fini(d.registry);
	registry_free(d.registry);
	free(d.agents);
	node_free(d.node);
	conf_clear(&d.conf);
	sign_key_free(alice);
	json_decref(alice_cert);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Audit records whose text contains words. */
static int
audit_count(const char *words)
{
	char path[128], line[4096];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/audit", dir);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, words) != NULL;
	fclose(f);
	return n;
}

static int
audit_lines(void)
{
	return audit_count("");
}

/* A request as the wire carries it; signed by alice when sign is set. */
static char *
make(const char *agent, const char *action, json_t *data, json_t *filter,
    int sign, size_t *len, char id[MESSAGE_ID_LEN + 1])
{
	struct request *r = request_new();
	struct envelope *env = NULL;
	char *body, *out;
	size_t blen;

	r->caller = strdup("alice");
	r->collective = strdup("metactl");
	r->agent = strdup(agent);
	r->action = strdup(action);
	if (data != NULL) {
		json_decref(r->data);
		r->data = data;
	}
	if (filter != NULL) {
		json_decref(r->filter);
		r->filter = filter;
	}
	if (id != NULL)
		memcpy(id, r->id, MESSAGE_ID_LEN + 1);
	ck_assert_int_eq(request_set_audience(r, audience, naudience), 0);
	r->dry_run = dry_run;
	ck_assert_int_eq(request_encode(r, &body, &blen), 0);
	message_digest(body, blen, last_digest);
	if (sign)
		ck_assert_int_eq(
		    sign_envelope(alice, alice_cert, body, blen, &env), 0);
	else
		ck_assert_ptr_nonnull(env = envelope_new(body, blen));
	ck_assert_int_eq(envelope_encode(env, &out, len), 0);
	envelope_free(env);
	free(body);
	request_free(r);
	return out;
}

static void
send_local(const char *buf, size_t len, uid_t uid)
{
	struct dispatch_origin o = {.local = 1, .uid = uid};

	dispatch_message(&d, buf, len, &o, &sink.base);
}

static void
send_broker(const char *buf, size_t len)
{
	struct dispatch_origin o = {.local = 0};

	dispatch_message(&d, buf, len, &o, &sink.base);
}

/* Exactly one new reply, with this status and a message containing words. */
static void
expect(int sent_before, int status, const char *words)
{
	ck_assert_int_eq(sink.sent, sent_before + 1);
	ck_assert_msg(sink.reply->statuscode == status,
	    "status %d (%s), want %d", sink.reply->statuscode,
	    sink.reply->statusmsg, status);
	ck_assert_msg(strstr(sink.reply->statusmsg, words) != NULL,
	    "\"%s\" lacks \"%s\"", sink.reply->statusmsg, words);
	ck_assert_str_eq(sink.reply->sender, "n1");
}

START_TEST(test_hostile_bytes)
{
	static const char *const cases[] = {
	    "",
	    "{",
	    "[]",
	    "null",
	    "\"x\"",
	    "{\"protocol\":2}",
	    "{\"protocol\":1,\"body\":\"{}\"}",
	    "{\"protocol\":3,\"body\":\"{}\"}",
	    "{\"protocol\":2,\"body\":\"x\"}",
	    "{\"protocol\":2,\"body\":\"{}\"}",
	    "{\"protocol\":2,\"body\":\"[1,2]\"}",
	    "{\"protocol\":2,\"body\":\"{\\\"type\\\":\\\"reply\\\"}\"}",
	    "{\"protocol\":2,\"body\":\"\\u0000\"}",
	    "{\"protocol\":2,\"body\":\"\xff\xfe\"}",
	    "{\"protocol\":2,\"body\":12345678901234567890123}",
	    "{\"protocol\":2,\"body\":\"{}\",\"signature\":7}",
	    "{\"protocol\":2,\"body\":\"{}\",\"certificate\":\"x\"}",
	};
	char deep[2100];
	int n = 0, quiet = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		send_local(cases[i], strlen(cases[i]), 1000);
		expect(n++, STATUS_UNKNOWN_ERROR, "malformed");
		ck_assert_int_eq(sink.base.sign, 0);
		/* The broker answers nothing that did not verify. */
		send_broker(cases[i], strlen(cases[i]));
		ck_assert_int_eq(sink.sent, n);
		quiet++;
	}
	ck_assert_uint_eq(d.stats.unanswered, (uint64_t)quiet);
	/* Nesting far beyond what the codec accepts. */
	memset(deep, '[', 1000);
	memset(deep + 1000, ']', 1000);
	deep[2000] = '\0';
	send_local(deep, 2000, 1000);
	expect(n++, STATUS_UNKNOWN_ERROR, "malformed");
	/* Embedded NUL. */
	send_local("{\"protocol\":1,\0}", 16, 1000);
	expect(n++, STATUS_UNKNOWN_ERROR, "malformed");
	/* Unanswered refusals are audited at most DISPATCH_QUIET_MAX times a
	 * window; the next record that gets through counts the others. */
	ck_assert_int_gt(quiet, DISPATCH_QUIET_MAX);
	ck_assert_int_eq(audit_lines(), n + DISPATCH_QUIET_MAX);
	d.quiet.window_ms -= DISPATCH_QUIET_WINDOW_MS;
	send_broker("x", 1);
	ck_assert_int_eq(audit_lines(), n + DISPATCH_QUIET_MAX + 1);
	ck_assert_uint_eq(d.quiet.left_out, 0);
}
END_TEST

START_TEST(test_request_fields)
{
	/* Well-formed envelopes around bad requests. */
	static const char *const bodies[] = {
	    "{\"type\":\"request\",\"protocol\":2}",
	    "{\"type\":\"request\",\"protocol\":2,\"id\":\"zz\",\"time\":1,"
	    "\"ttl\":60,\"caller\":\"a\",\"collective\":\"metactl\","
	    "\"agent\":\"rpcutil\",\"action\":\"ping\",\"data\":{},"
	    "\"filter\":{}}",
	    "{\"type\":\"request\",\"protocol\":2,"
	    "\"id\":\"0123456789abcdef0123456789abcdef\",\"time\":\"now\","
	    "\"ttl\":60,\"caller\":\"a\",\"collective\":\"metactl\","
	    "\"agent\":\"rpcutil\",\"action\":\"ping\",\"data\":{},"
	    "\"filter\":{}}",
	    "{\"type\":\"request\",\"protocol\":1,"
	    "\"id\":\"0123456789abcdef0123456789abcdef\",\"time\":1,"
	    "\"ttl\":60,\"caller\":\"a\",\"collective\":\"metactl\","
	    "\"agent\":\"rpc util\",\"action\":\"ping\",\"data\":[],"
	    "\"filter\":{}}",
	};
	char digest[MESSAGE_DIGEST_LEN + 1];
	int n = 0;

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct envelope *env =
		    envelope_new(bodies[i], strlen(bodies[i]));
		char *buf;
		size_t len;

		ck_assert_int_eq(envelope_encode(env, &buf, &len), 0);
		send_local(buf, len, 1000);
		expect(n++, STATUS_UNKNOWN_ERROR, "malformed request");
		/* The refusal carries the id when one could be read. */
		ck_assert_str_eq(sink.reply->request_id,
		    i >= 2 ? "0123456789abcdef0123456789abcdef"
			   : "00000000000000000000000000000000");
		/* And the digest of the body refused. */
		message_digest(bodies[i], strlen(bodies[i]), digest);
		ck_assert_str_eq(sink.reply->digest, digest);
		free(buf);
		envelope_free(env);
		/* Signed by alice over the broker: its audience cannot be
		 * read, so no reply. */
		ck_assert_int_eq(sign_envelope(alice, alice_cert, bodies[i],
				     strlen(bodies[i]), &env),
		    0);
		ck_assert_int_eq(envelope_encode(env, &buf, &len), 0);
		send_broker(buf, len);
		ck_assert_int_eq(sink.sent, n);
		free(buf);
		envelope_free(env);
	}
	ck_assert_int_eq(audit_count("cert=alice"), 4);
}
END_TEST

START_TEST(test_order_size_first)
{
	char *big = malloc(5000);

	memset(big, '{', 4999);
	big[4999] = '\0';
	send_local(big, 4999, 1000);
	expect(0, STATUS_UNKNOWN_ERROR, "exceeds the limit of 4096 bytes");
	free(big);
}
END_TEST

START_TEST(test_broker_needs_signature)
{
	size_t len;
	char *buf = make("rpcutil", "ping", NULL, NULL, 0, &len, NULL);

	/* Unsigned over the broker: refused without a reply, audited. */
	send_broker(buf, len);
	ck_assert_int_eq(sink.sent, 0);
	ck_assert_int_eq(audit_count("\"caller\":\"unverified\""), 1);
	free(buf);
	/* The local socket takes the same bytes unsigned, and answers
	 * unsigned. */
	buf = make("rpcutil", "ping", NULL, NULL, 0, &len, NULL);
	send_local(buf, len, 1000);
	expect(0, STATUS_OK, "OK");
	ck_assert_int_eq(sink.base.sign, 0);
	ck_assert_str_eq(sink.reply->digest, last_digest);
	free(buf);
}
END_TEST

START_TEST(test_signature_before_replay)
{
	char id[MESSAGE_ID_LEN + 1], *p;
	size_t len;
	char *buf = make("rpcutil", "ping", NULL, NULL, 1, &len, id);
	char *tampered = strdup(buf);

	send_broker(buf, len);
	expect(0, STATUS_OK, "OK");
	ck_assert_str_eq(sink.reply->request_id, id);
	ck_assert_str_eq(sink.reply->digest, last_digest);
	ck_assert_int_eq(sink.base.sign, 1);
	send_broker(buf, len);
	expect(1, STATUS_UNKNOWN_ERROR, "request id seen before");
	/* Tampered and replayed: the signature fails first, and nothing
	 * answers the id read from bytes nobody vouched for. */
	ck_assert_ptr_nonnull(p = strstr(tampered, "\\\"ttl\\\":60"));
	p[8] = '1';
	send_broker(tampered, len);
	ck_assert_int_eq(sink.sent, 2);
	ck_assert_int_eq(audit_count("signature does not verify"), 1);
	free(tampered);
	free(buf);
}
END_TEST

START_TEST(test_local_ids_apart)
{
	char id[MESSAGE_ID_LEN + 1];
	size_t len;
	char *buf = make("rpcutil", "ping", NULL, NULL, 1, &len, id);

	/* A local user sends the id of a signed request first: the id is
	 * remembered for the local socket only. */
	send_local(buf, len, 1000);
	expect(0, STATUS_OK, "OK");
	send_local(buf, len, 1000);
	expect(1, STATUS_UNKNOWN_ERROR, "request id seen before");
	send_broker(buf, len);
	expect(2, STATUS_OK, "OK");
	ck_assert_str_eq(sink.reply->request_id, id);
	send_broker(buf, len);
	expect(3, STATUS_UNKNOWN_ERROR, "request id seen before");
	free(buf);
}
END_TEST

START_TEST(test_filter_before_registry)
{
	size_t len;
	char *buf;
	int audited = audit_lines();

	/* Unknown agent for another node: dropped without a word. */
	buf = make("nosuch", "x", NULL, json_pack("{s:[s]}", "class", "db"), 0,
	    &len, NULL);
	send_local(buf, len, 1000);
	ck_assert_int_eq(sink.sent, 0);
	ck_assert_int_eq(audit_lines(), audited);
	free(buf);
	/* The same for this node: unknown agent. */
	buf = make("nosuch", "x", NULL,
	    json_pack("{s:[s],s:s}", "class", "web", "compound",
		"os.major>=12 and role=web"),
	    0, &len, NULL);
	send_local(buf, len, 1000);
	expect(0, STATUS_UNKNOWN_ACTION, "unknown agent");
	free(buf);
	buf = make("rpcutil", "nosuch", NULL, NULL, 0, &len, NULL);
	send_local(buf, len, 1000);
	expect(1, STATUS_UNKNOWN_ACTION, "unknown action");
	free(buf);
}
END_TEST

START_TEST(test_ddl_before_policy)
{
	size_t len;
	char *buf;

	/* uid=1001 may run nothing, but bad input is reported first. */
	buf = make("rpcutil", "get_fact", json_pack("{s:i}", "fact", 1), NULL,
	    0, &len, NULL);
	send_local(buf, len, 1001);
	expect(0, STATUS_INVALID_DATA, "fact");
	free(buf);
	buf = make("rpcutil", "get_fact", NULL, NULL, 0, &len, NULL);
	send_local(buf, len, 1001);
	expect(1, STATUS_MISSING_DATA, "fact");
	free(buf);
	buf = make("rpcutil", "get_fact", json_pack("{s:s}", "fact", "role"),
	    NULL, 0, &len, NULL);
	send_local(buf, len, 1001);
	expect(
	    2, STATUS_NOT_AUTHORISED, "uid=1001 may not run rpcutil.get_fact");
	free(buf);
	buf = make("rpcutil", "get_fact",
	    json_pack("{s:s}", "fact", "os.major"), NULL, 0, &len, NULL);
	send_local(buf, len, 1000);
	expect(3, STATUS_OK, "OK");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(sink.reply->data, "value")), 12);
	free(buf);
	ck_assert_int_eq(audit_lines(), 4);
}
END_TEST

START_TEST(test_audience)
{
	static const char *const others[] = {"n2", "n3"};
	static const char *const with_n1[] = {"n0", "n1", "n2"};
	char id[MESSAGE_ID_LEN + 1];
	size_t len;
	char *buf;

	/* Sent directly to n2 and n3, delivered here (a copy published to
	 * the broadcast exchange): not run, not answered, audited. */
	audience = others;
	naudience = 2;
	buf = make("rpcutil", "ping", NULL, NULL, 1, &len, id);
	send_broker(buf, len);
	ck_assert_int_eq(sink.sent, 0);
	ck_assert_int_eq(audit_count("n1 is not in its audience"), 1);
	ck_assert_int_eq(audit_count("\"allowed\""), 0);
	ck_assert_uint_eq(replay_count(d.replay), 0);
	/* The same on the local socket. */
	send_local(buf, len, 1000);
	ck_assert_int_eq(sink.sent, 0);
	free(buf);
	/* An audience that names this node. */
	audience = with_n1;
	naudience = 3;
	buf = make("rpcutil", "ping", NULL, NULL, 1, &len, id);
	send_broker(buf, len);
	expect(0, STATUS_OK, "OK");
	ck_assert_str_eq(sink.reply->digest, last_digest);
	free(buf);
}
END_TEST

START_TEST(test_invalid_filter)
{
	size_t len;
	char *buf;

	/* identity must be an array: refused with status 4, audited, never
	 * a silent miss. */
	buf = make("rpcutil", "ping", NULL,
	    json_pack("{s:s}", "identity", "n1"), 1, &len, NULL);
	send_broker(buf, len);
	expect(0, STATUS_INVALID_DATA, "invalid filter");
	ck_assert_int_eq(sink.base.sign, 1);
	ck_assert_int_eq(audit_count("invalid filter"), 1);
	free(buf);
	buf = make("rpcutil", "ping", NULL,
	    json_pack("{s:[{s:s,s:s,s:s}]}", "fact", "fact", "role", "operator",
		"<>", "value", "web"),
	    0, &len, NULL);
	send_local(buf, len, 1000);
	expect(1, STATUS_INVALID_DATA, "invalid filter");
	free(buf);
	ck_assert_uint_eq(replay_count(d.replay), 0);
}
END_TEST

START_TEST(test_replay_entries_only_for_what_runs)
{
	size_t len;
	char *buf = make("rpcutil", "inventory", NULL, NULL, 1, &len, NULL);

	/* The policy sees the certificate's name. Denied twice: the denial
	 * took no entry, so the second copy is denied again rather than
	 * refused as a replay. */
	send_broker(buf, len);
	expect(0, STATUS_NOT_AUTHORISED, "cert=alice may not run");
	send_broker(buf, len);
	expect(1, STATUS_NOT_AUTHORISED, "may not run");
	ck_assert_uint_eq(replay_count(d.replay), 0);
	free(buf);
	/* A filter miss takes none either. */
	buf = make("rpcutil", "ping", NULL, json_pack("{s:[s]}", "class", "db"),
	    1, &len, NULL);
	send_broker(buf, len);
	ck_assert_int_eq(sink.sent, 2);
	ck_assert_uint_eq(replay_count(d.replay), 0);
	free(buf);
	/* What runs does. */
	buf = make("rpcutil", "ping", NULL, NULL, 1, &len, NULL);
	send_broker(buf, len);
	expect(2, STATUS_OK, "OK");
	ck_assert_uint_eq(replay_count(d.replay), 1);
	free(buf);
}
END_TEST

START_TEST(test_dry_run_is_top_level)
{
	size_t len;
	char *buf;

	/* The old data key is an input like any other: the DDL refuses it. */
	buf = make("rpcutil", "ping", json_pack("{s:b}", "_dry_run", 1), NULL,
	    1, &len, NULL);
	send_broker(buf, len);
	expect(0, STATUS_INVALID_DATA, "_dry_run");
	free(buf);
	/* The signed field reaches the action, which reports the commands
	 * it would run (none for ping). */
	dry_run = 1;
	buf = make("rpcutil", "ping", NULL, NULL, 1, &len, NULL);
	send_broker(buf, len);
	expect(1, STATUS_OK, "OK");
	ck_assert(json_is_array(json_object_get(sink.reply->data, "commands")));
	free(buf);
}
END_TEST

START_TEST(test_stopping)
{
	size_t len;
	char *buf = make("rpcutil", "ping", NULL, NULL, 0, &len, NULL);

	d.stopping = 1;
	send_local(buf, len, 1000);
	expect(0, STATUS_ABORTED, "shutting down");
	free(buf);
}
END_TEST

START_TEST(test_stopping_not_for_us)
{
	static const char *const others[] = {"n2"};
	size_t len;
	char *buf;

	/* While shutting down, a signed request for other nodes (audience,
	 * collective, filter) still gets no reply: the node signs nothing
	 * for a request that is not its own. */
	d.stopping = 1;
	audience = others;
	naudience = 1;
	buf = make("rpcutil", "ping", NULL, NULL, 1, &len, NULL);
	send_broker(buf, len);
	ck_assert_int_eq(sink.sent, 0);
	free(buf);
	audience = NULL;
	naudience = 0;
	buf = make("rpcutil", "ping", NULL, json_pack("{s:[s]}", "class", "db"),
	    1, &len, NULL);
	send_broker(buf, len);
	ck_assert_int_eq(sink.sent, 0);
	free(buf);
	/* A request for this node is refused, signed. */
	buf = make("rpcutil", "ping", NULL, NULL, 1, &len, NULL);
	send_broker(buf, len);
	expect(0, STATUS_ABORTED, "shutting down");
	ck_assert_int_eq(sink.base.sign, 1);
	free(buf);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("agent_dispatch");
	TCase *tc = tcase_create("dispatch");

	log_init("test_agent_dispatch", 0, LOG_LEVEL_ERR);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_hostile_bytes);
	tcase_add_test(tc, test_request_fields);
	tcase_add_test(tc, test_order_size_first);
	tcase_add_test(tc, test_broker_needs_signature);
	tcase_add_test(tc, test_signature_before_replay);
	tcase_add_test(tc, test_local_ids_apart);
	tcase_add_test(tc, test_filter_before_registry);
	tcase_add_test(tc, test_ddl_before_policy);
	tcase_add_test(tc, test_audience);
	tcase_add_test(tc, test_invalid_filter);
	tcase_add_test(tc, test_replay_entries_only_for_what_runs);
	tcase_add_test(tc, test_dry_run_is_top_level);
	tcase_add_test(tc, test_stopping);
	tcase_add_test(tc, test_stopping_not_for_us);
	suite_add_tcase(su, tc);
	return testutil_run(su);
}

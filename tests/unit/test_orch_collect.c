/*
 * test_orch_collect.c: reply collection against a scripted link. This
 * file defines the link functions collect.c calls, so the real link.o
 * (and the network) never enters the test.
 */
#include "buildconf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "orchestrator/cli.h"
#include "orchestrator/collect.h"
#include "test_orch_run.h"

/* The digest of the request whose id is id, in these tests: id twice. */
#define DIGEST(id) id id

/* The script: what link_next() returns, in order; then timeouts. */
struct step {
	const char *id; /* request id of the reply */
	const char *sender;
	int status;
	const char *why; /* non-NULL: an invalid reply */
	const char *digest; /* NULL: the digest of request id (DIGEST()) */
};
static const struct step *script;
static size_t nscript, pos;
static int local_mode;
/* Set: once the script is played out, the run is interrupted (Ctrl-C), so
 * that a test ends on an event rather than on the clock. */
static int interrupt_when_done;

int
link_is_local(const struct orch_link *l)
{
	(void)l;
	return local_mode;
}

int
link_next(struct orch_link *l, int timeout_ms, struct link_event *ev,
    struct error *err)
{
	const struct step *s;
	char digest[MESSAGE_DIGEST_LEN + 1];

	(void)l;
	(void)timeout_ms;
	(void)err;
	memset(ev, 0, sizeof(*ev));
	if (pos >= nscript) {
		if (interrupt_when_done)
			cli_interrupted = 1;
		return 0; /* nothing within the timeout */
	}
	s = &script[pos++];
	ev->received_ms = message_now_ms();
	snprintf(ev->sender, sizeof(ev->sender), "%s", s->sender);
	snprintf(ev->request_id, sizeof(ev->request_id), "%s", s->id);
	if (s->why != NULL) {
		ev->kind = LINK_INVALID;
		snprintf(ev->why, sizeof(ev->why), "%s", s->why);
		return 1;
	}
	ev->kind = LINK_REPLY;
	snprintf(digest, sizeof(digest), "%s%s", s->id, s->id);
	ev->reply = reply_new(s->id, s->digest != NULL ? s->digest : digest,
	    s->sender, s->status, s->status == 0 ? "OK" : "failed",
	    json_pack("{s:i}", "n", 1));
	return 1;
}

void
link_event_clear(struct link_event *ev)
{
	reply_free(ev->reply);
	memset(ev, 0, sizeof(*ev));
}

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define ID_D "dddddddddddddddddddddddddddddddd"

static struct results rs;
static struct collector col;
static struct strv expected;
static size_t emitted;

static void
count(void *arg, const struct result *r)
{
	(void)arg;
	(void)r;
	emitted++;
}

static void
setup(void)
{
	memset(&rs, 0, sizeof(rs));
	memset(&col, 0, sizeof(col));
	col.rs = &rs;
	col.on_result = count;
	emitted = 0;
	pos = 0;
	local_mode = 0;
	interrupt_when_done = 0;
	cli_interrupted = 0;
}

static void
teardown(void)
{
	collector_clear(&col);
	results_clear(&rs);
	strv_clear(&expected);
}

static void
run(const struct step *s, size_t n)
{
	script = s;
	nscript = n;
	pos = 0;
}

static enum result_kind
kind_of(const char *id)
{
	struct result *r = results_find(&rs, id, 0xff);

	ck_assert_msg(r != NULL, "no result for %s", id);
	return r->kind;
}

START_TEST(stops_when_every_expected_node_answered)
{
	static const struct step s[] = {
	    {ID_A, "web1", 0, NULL, NULL}, {ID_A, "web2", 5, NULL, NULL}};
	int64_t t0 = message_now_ms();
	struct error err;

	strv_push(&expected, "web1");
	strv_push(&expected, "web2");
	run(s, 2);
	ck_assert_int_eq(collect_wait(&col, ID_A, DIGEST(ID_A), t0, &expected,
			     t0 + 60000, &err),
	    0);
	/* Long before the 60 s deadline. */
	ck_assert_int_lt(message_now_ms() - t0, 5000);
	ck_assert_uint_eq(rs.n, 2);
	ck_assert_int_eq(kind_of("web1"), RES_OK);
	ck_assert_int_eq(kind_of("web2"), RES_FAILED);
	ck_assert_uint_eq(emitted, 2);
}
END_TEST

/* Requests sent together (one per 32 nodes): a reply to any of them is an
 * answer, with that request's own digest; later waits know them all. */
START_TEST(several_requests_one_wait)
{
	static const struct step s[] = {{ID_B, "web2", 0, NULL, NULL},
	    {ID_A, "web3", 0, NULL, DIGEST(ID_B)}, /* another one's digest */
	    {ID_A, "web1", 0, NULL, NULL}, {ID_B, "web4", 0, NULL, NULL}};
	static const struct step late[] = {{ID_B, "web9", 0, NULL, NULL}};
	json_t *ids =
	    json_pack("{s:s, s:s}", ID_A, DIGEST(ID_A), ID_B, DIGEST(ID_B));
	int64_t t0 = message_now_ms();
	struct error err;

	strv_push(&expected, "web1");
	strv_push(&expected, "web2");
	run(s, 4);
	ck_assert_int_eq(
	    collect_wait_all(&col, ids, t0, &expected, t0 + 60000, &err), 0);
	ck_assert_int_eq(col.ended, COLLECT_ALL);
	ck_assert_int_eq(kind_of("web1"), RES_OK);
	ck_assert_int_eq(kind_of("web2"), RES_OK);
	ck_assert_int_eq(kind_of("web3"), RES_INVALID);
	ck_assert_int_eq(kind_of("web4"), RES_OK);
	ck_assert(results_find(&rs, "web4", 1u << RES_OK)->is_new);
	/* Both ids are earlier requests now. */
	run(late, 1);
	ck_assert_int_eq(collect_wait(&col, NULL, NULL, 0, NULL, t0, &err), 0);
	ck_assert_int_eq(kind_of("web9"), RES_LATE);
	json_decref(ids);
}
END_TEST

START_TEST(silent_and_forged_nodes)
{
	static const struct step s[] = {{ID_A, "web1", 0, NULL, NULL},
	    {ID_A, "web2", 0, "certificate not signed by a trusted CA", NULL},
	    {ID_D, "web2", 0, NULL,
		NULL}, /* answers another request: ignored */
	    {ID_A, "web1", 0, NULL, NULL}}; /* a duplicate: ignored */
	int64_t t0 = message_now_ms();
	struct error err;

	strv_push(&expected, "web1");
	strv_push(&expected, "web2");
	run(s, 4);
	ck_assert_int_eq(collect_wait(&col, ID_A, DIGEST(ID_A), t0, &expected,
			     t0 + 100, &err),
	    0);
	ck_assert_int_eq(kind_of("web1"), RES_OK);
	/* The forged reply is reported, once: web2 is invalid, not also
	 * silent. */
	ck_assert_ptr_nonnull(results_find(&rs, "web2", 1u << RES_INVALID));
	ck_assert_ptr_null(results_find(&rs, "web2", 1u << RES_MISSING));
	ck_assert_ptr_null(results_find(&rs, "web2", 1u << RES_OK));
	ck_assert_uint_eq(rs.n, 2);
	ck_assert_int_ge(message_now_ms() - t0, 100);
}
END_TEST

START_TEST(unexpected_nodes_are_results)
{
	static const struct step s[] = {
	    {ID_A, "web1", 0, NULL, NULL}, {ID_A, "newcomer", 0, NULL, NULL}};
	int64_t t0 = message_now_ms();
	struct error err;

	run(s, 2);
	/* No expected set: waits for the deadline, keeps every reply. */
	ck_assert_int_eq(
	    collect_wait(&col, ID_A, DIGEST(ID_A), t0, NULL, t0 + 50, &err), 0);
	ck_assert_uint_eq(rs.n, 2);
	ck_assert_int_eq(kind_of("newcomer"), RES_OK);
}
END_TEST

START_TEST(late_replies_of_an_earlier_batch)
{
	static const struct step batch1[] = {{ID_A, "web1", 0, NULL, NULL}};
	static const struct step later[] = {{ID_A, "web2", 0, NULL, NULL},
	    {ID_B, "web3", 0, NULL, NULL}, {ID_D, "web9", 0, NULL, NULL}};
	struct strv b2 = STRV_INIT;
	int64_t t0 = message_now_ms();
	struct error err;

	strv_push(&expected, "web1");
	strv_push(&expected, "web2");
	run(batch1, 1);
	ck_assert_int_eq(collect_wait(&col, ID_A, DIGEST(ID_A), t0, &expected,
			     t0 + 50, &err),
	    0);
	ck_assert_int_eq(kind_of("web2"), RES_MISSING);
	/* Batch 2: web2's answer to batch 1 arrives now: late, not lost. */
	strv_push(&b2, "web3");
	run(later, 3);
	t0 = message_now_ms();
	ck_assert_int_eq(
	    collect_wait(&col, ID_B, DIGEST(ID_B), t0, &b2, t0 + 5000, &err),
	    0);
	ck_assert_int_eq(kind_of("web2"), RES_LATE);
	ck_assert_int_eq(kind_of("web3"), RES_OK);
	ck_assert_ptr_null(results_find(&rs, "web9", 0xff));
	ck_assert_uint_eq(results_count(&rs, RES_MISSING), 0);
	strv_clear(&b2);
}
END_TEST

START_TEST(drain_after_the_deadline)
{
	static const struct step s[] = {{ID_A, "web2", 0, NULL, NULL}};
	int64_t t0 = message_now_ms();
	struct error err;

	strv_push(&expected, "web2");
	run(NULL, 0);
	ck_assert_int_eq(
	    collect_wait(&col, ID_A, DIGEST(ID_A), t0, &expected, t0, &err), 0);
	ck_assert_int_eq(kind_of("web2"), RES_MISSING);
	/* What is already there when the output is written: late. */
	run(s, 1);
	t0 = message_now_ms();
	ck_assert_int_eq(collect_wait(&col, NULL, NULL, 0, NULL, t0, &err), 0);
	ck_assert_int_eq(kind_of("web2"), RES_LATE);
	ck_assert_uint_eq(pos, 1);
}
END_TEST

START_TEST(local_mode_ends_with_the_reply)
{
	static const struct step s[] = {{ID_A, "local1", 0, NULL, NULL}};
	int64_t t0 = message_now_ms();
	struct error err;

	local_mode = 1;
	run(s, 1);
	ck_assert_int_eq(
	    collect_wait(&col, ID_A, DIGEST(ID_A), t0, NULL, t0 + 60000, &err),
	    0);
	ck_assert_int_lt(message_now_ms() - t0, 5000);
	ck_assert_int_eq(kind_of("local1"), RES_OK);
}
END_TEST

START_TEST(a_reply_to_another_body_is_invalid)
{
	/* A reply naming the request's id with the digest of other bytes
	 * (a forged or copied request): shown as invalid, never an
	 * answer; the same for an earlier batch's request. */
	static const struct step s[] = {{ID_A, "web1", 0, NULL, ID_D ID_D}};
	static const struct step later[] = {
	    {ID_A, "web2", 0, NULL, ID_B ID_B}, {ID_B, "web3", 0, NULL, NULL}};
	struct strv b2 = STRV_INIT;
	int64_t t0 = message_now_ms();
	struct error err;

	strv_push(&expected, "web1");
	strv_push(&expected, "web2");
	run(s, 1);
	ck_assert_int_eq(collect_wait(&col, ID_A, DIGEST(ID_A), t0, &expected,
			     t0 + 50, &err),
	    0);
	ck_assert_ptr_nonnull(results_find(&rs, "web1", 1u << RES_INVALID));
	ck_assert_ptr_null(results_find(&rs, "web1", 1u << RES_MISSING));
	ck_assert_ptr_null(results_find(&rs, "web1", 1u << RES_OK));
	strv_push(&b2, "web3");
	run(later, 2);
	t0 = message_now_ms();
	ck_assert_int_eq(
	    collect_wait(&col, ID_B, DIGEST(ID_B), t0, &b2, t0 + 5000, &err),
	    0);
	/* web2 stayed silent to batch 1; the forged reply is shown too. */
	ck_assert_ptr_nonnull(results_find(&rs, "web2", 1u << RES_INVALID));
	ck_assert_ptr_nonnull(results_find(&rs, "web2", 1u << RES_MISSING));
	ck_assert_int_eq(results_count(&rs, RES_LATE), 0);
	ck_assert_int_eq(kind_of("web3"), RES_OK);
	strv_clear(&b2);
}
END_TEST

/* A node outside the expected set that answers within the window, after
 * the expected ones: an ordinary reply, shown as new, never late. */
START_TEST(unexpected_in_window_is_an_ordinary_reply)
{
	static const struct step s[] = {{ID_A, "web1", 0, NULL, NULL},
	    {ID_A, "web2", 0, NULL, NULL}, {ID_A, "web3", 0, NULL, NULL}};
	int64_t t0 = message_now_ms();
	struct error err;

	strv_push(&expected, "web1");
	strv_push(&expected, "web2");
	run(s, 3);
	ck_assert_int_eq(collect_wait(&col, ID_A, DIGEST(ID_A), t0, &expected,
			     t0 + 60000, &err),
	    0);
	ck_assert_int_eq(col.ended, COLLECT_ALL);
	ck_assert_int_eq(kind_of("web3"), RES_OK);
	ck_assert_int_eq(results_find(&rs, "web3", 0xff)->is_new, 1);
	ck_assert_int_eq(results_find(&rs, "web1", 0xff)->is_new, 0);
	ck_assert_int_eq(results_count(&rs, RES_LATE), 0);
	ck_assert_int_eq(results_exit_status(&rs), 0);
}
END_TEST

/* A forged reply claiming web1 during discovery does not hide web1's
 * silence to the request that follows. */
START_TEST(an_earlier_invalid_reply_hides_no_silence)
{
	static const struct step disc[] = {
	    {ID_A, "web1", 0, "certificate of 'imposter'", NULL}};
	struct strv b = STRV_INIT;
	int64_t t0 = message_now_ms();
	struct error err;

	run(disc, 1);
	ck_assert_int_eq(
	    collect_wait(&col, ID_A, DIGEST(ID_A), t0, NULL, t0 + 20, &err), 0);
	strv_push(&b, "web1");
	run(NULL, 0);
	t0 = message_now_ms();
	ck_assert_int_eq(
	    collect_wait(&col, ID_B, DIGEST(ID_B), t0, &b, t0 + 20, &err), 0);
	ck_assert_ptr_nonnull(results_find(&rs, "web1", 1u << RES_INVALID));
	ck_assert_ptr_nonnull(results_find(&rs, "web1", 1u << RES_MISSING));
	strv_clear(&b);
}
END_TEST

/* A script of n steps from senders "<prefix><i>"; freed by free_steps. */
static struct step *
many_steps(size_t n, const char *prefix, const char *why)
{
	struct step *v = calloc(n, sizeof(*v));
	size_t i;

	ck_assert_ptr_nonnull(v);
	for (i = 0; i < n; i++) {
		char name[64];

		snprintf(name, sizeof(name), "%s%zu", prefix, i);
		v[i].id = ID_A;
		v[i].sender = strdup(name);
		v[i].why = why;
	}
	return v;
}

static void
free_steps(struct step *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((char *)v[i].sender);
	free(v);
}

#define MANY 50000

/* 50,000 replies against 50,000 expected nodes: constant work per reply
 * (a quadratic collector takes minutes here and hits the test timeout). */
START_TEST(fifty_thousand_replies)
{
	struct step *s = many_steps(MANY, "node", NULL);
	int64_t t0 = message_now_ms();
	struct error err;
	size_t i;

	for (i = 0; i < MANY; i++)
		strv_push(&expected, s[i].sender);
	strv_sort_uniq(&expected);
	run(s, MANY);
	col.on_result = NULL;
	ck_assert_int_eq(collect_wait(&col, ID_A, DIGEST(ID_A), t0, &expected,
			     t0 + 600000, &err),
	    0);
	ck_assert_int_eq(col.ended, COLLECT_ALL);
	ck_assert_uint_eq(rs.n, MANY);
	ck_assert_uint_eq(results_count(&rs, RES_OK), MANY);
	ck_assert_uint_eq(results_count(&rs, RES_MISSING), 0);
	ck_assert_ptr_nonnull(results_find(&rs, "node49999", 1u << RES_OK));
	results_sort(&rs);
	ck_assert_ptr_nonnull(results_find(&rs, "node12345", 1u << RES_OK));
	free_steps(s, MANY);
}
END_TEST

/* A flood of invalid replies claiming distinct identities: a bounded
 * number of entries, the rest counted. */
START_TEST(invalid_replies_are_capped)
{
	struct step *s = many_steps(MANY, "rogue", "bad signature");
	int64_t t0 = message_now_ms();
	struct error err;

	run(s, MANY);
	col.on_result = NULL;
	interrupt_when_done = 1;
	ck_assert_int_eq(
	    collect_wait(&col, ID_A, DIGEST(ID_A), t0, NULL, t0 + 600000, &err),
	    0);
	ck_assert_int_eq(col.ended, COLLECT_INTERRUPTED);
	ck_assert_uint_eq(results_count(&rs, RES_INVALID), RESULTS_INVALID_MAX);
	ck_assert_uint_eq(rs.invalid_more, MANY - RESULTS_INVALID_MAX);
	ck_assert_int_eq(results_exit_status(&rs), 1);
	free_steps(s, MANY);
}
END_TEST

ORCH_SUITE("orch_collect", setup, teardown,
    stops_when_every_expected_node_answered, several_requests_one_wait,
    silent_and_forged_nodes, unexpected_nodes_are_results,
    late_replies_of_an_earlier_batch, drain_after_the_deadline,
    local_mode_ends_with_the_reply, a_reply_to_another_body_is_invalid,
    unexpected_in_window_is_an_ordinary_reply, fifty_thousand_replies,
    invalid_replies_are_capped, an_earlier_invalid_reply_hides_no_silence)

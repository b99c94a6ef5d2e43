/*
 * test_orch_quiet.c: the quiet rule of a cold discovery, driven by
 * synthetic arrival times (milliseconds after a send at t = 1000).
 */
#include "buildconf.h"

#include <check.h>
#include <limits.h>
#include <string.h>

#include "orchestrator/clientconf.h"
#include "orchestrator/quiet.h"
#include "test_orch_run.h"

#define SENT 1000

static struct quiet q;

static void
setup(void)
{
}

static void
teardown(void)
{
}

/* Starts q with floor, window, K and M (per cent), then replies at the
 * given offsets after the send. */
static void
run(int64_t floor_ms, int64_t window_ms, int k, int m, const int64_t *at,
    size_t n)
{
	struct quiet_rule r = {floor_ms, window_ms, k, m};
	size_t i;

	quiet_start(&q, &r, SENT);
	for (i = 0; i < n; i++)
		quiet_reply(&q, SENT + at[i]);
}

START_TEST(no_reply_waits_the_window)
{
	run(100, 2000, 400, 200, NULL, 0);
	ck_assert_int_eq(quiet_deadline(&q), SENT + 2000);
	ck_assert_int_eq(quiet_by_window(&q), 1);
	ck_assert_int_eq(q.first_ms, -1);
	ck_assert_int_eq(q.last_ms, -1);
}
END_TEST

START_TEST(one_reply_ends_a_floor_after_it)
{
	/* A fast first reply: the floor wins over M x 10 ms. */
	static const int64_t at[] = {10};

	run(100, 2000, 400, 200, at, 1);
	ck_assert_int_eq(quiet_deadline(&q), SENT + 10 + 100);
	ck_assert_int_eq(quiet_by_window(&q), 0);
	ck_assert_int_eq(q.n, 1);
}
END_TEST

START_TEST(a_slow_first_reply_stretches_the_interval)
{
	/* First reply after 300 ms: M = 2 gives 600 ms of quiet. */
	static const int64_t at[] = {300};

	run(100, 2000, 400, 200, at, 1);
	ck_assert_int_eq(quiet_interval(&q), 600);
	ck_assert_int_eq(quiet_deadline(&q), SENT + 900);
}
END_TEST

START_TEST(a_burst_ends_a_floor_after_its_last_reply)
{
	/* Gaps of 1-2 ms: K x gap stays under the floor. */
	static const int64_t at[] = {5, 6, 6, 8, 9, 11, 12};

	run(150, 2000, 400, 200, at, 7);
	ck_assert_int_eq(q.max_gap_ms, 2);
	ck_assert_int_eq(quiet_deadline(&q), SENT + 12 + 150);
	ck_assert_int_eq(quiet_by_window(&q), 0);
}
END_TEST

START_TEST(a_straggler_widens_the_gap)
{
	/* A burst, then one node 200 ms later: after it the rule waits
	 * K x 200 ms, not the floor. */
	static const int64_t at[] = {5, 6, 7, 207};

	run(100, 2000, 400, 200, at, 3);
	ck_assert_int_eq(quiet_deadline(&q), SENT + 7 + 100);
	quiet_reply(&q, SENT + at[3]);
	ck_assert_int_eq(q.max_gap_ms, 200);
	ck_assert_int_eq(quiet_interval(&q), 800);
	ck_assert_int_eq(quiet_deadline(&q), SENT + 207 + 800);
	/* The deadline only moves with a reply: earlier checks stay valid. */
	ck_assert_int_eq(quiet_deadline(&q), SENT + 1007);
}
END_TEST

START_TEST(the_window_caps_the_interval)
{
	/* A 500 ms gap asks for 2 s of quiet: the window ends it first. */
	static const int64_t at[] = {10, 510};

	run(100, 2000, 400, 200, at, 2);
	ck_assert_int_eq(quiet_interval(&q), 2000);
	ck_assert_int_eq(quiet_deadline(&q), SENT + 2000);
	ck_assert_int_eq(quiet_by_window(&q), 1);
}
END_TEST

START_TEST(a_reply_at_the_window_ends_there)
{
	static const int64_t at[] = {1990};

	run(100, 2000, 400, 200, at, 1);
	ck_assert_int_eq(quiet_deadline(&q), SENT + 2000);
	ck_assert_int_eq(quiet_by_window(&q), 1);
}
END_TEST

START_TEST(a_floor_of_zero_is_the_whole_window)
{
	static const int64_t at[] = {5, 6, 7};

	run(0, 2000, 400, 200, at, 3);
	ck_assert_int_eq(quiet_deadline(&q), SENT + 2000);
	ck_assert_int_eq(quiet_by_window(&q), 1);
	ck_assert_int_eq(quiet_interval(&q), 0);
	run(-1, 1000, 0, 0, at, 3);
	ck_assert_int_eq(quiet_deadline(&q), SENT + 1000);
}
END_TEST

START_TEST(factors_default_and_scale)
{
	/* 0 for K and M means the defaults; 150 % is one and a half. */
	static const int64_t at[] = {40, 140};

	run(1, 5000, 0, 0, at, 2);
	ck_assert_int_eq(q.rule.gap_pct, QUIET_GAP_PCT);
	ck_assert_int_eq(q.rule.first_pct, QUIET_FIRST_PCT);
	run(1, 5000, 150, 100, at, 2);
	ck_assert_int_eq(quiet_interval(&q), 150);
	run(1, 5000, 100, 500, at, 2);
	ck_assert_int_eq(quiet_interval(&q), 200);
	ck_assert_int_eq(quiet_deadline(&q), SENT + 340);
}
END_TEST

START_TEST(times_out_of_order_or_before_the_send)
{
	/* A reply stamped before the send counts at the send; one stamped
	 * before the previous reply arrives with it: no negative gap. */
	static const int64_t at[] = {-5, 20, 15};

	run(50, 2000, 400, 200, at, 3);
	ck_assert_int_eq(q.first_ms, SENT);
	ck_assert_int_eq(q.last_ms, SENT + 20);
	ck_assert_int_eq(q.max_gap_ms, 20);
	ck_assert_int_eq(q.n, 3);
	ck_assert_int_eq(quiet_deadline(&q), SENT + 20 + 80);
}
END_TEST

START_TEST(huge_values_do_not_overflow)
{
	/* Under UBSan an overflow fails the test; the huge floor still
	 * means "wait the (huge) window". */
	static const int64_t at[] = {1, INT64_C(1) << 50, INT64_C(1) << 61};

	run(INT64_MAX, INT64_MAX, INT_MAX, INT_MAX, at, 3);
	ck_assert_int_gt(quiet_interval(&q), 0);
	ck_assert_int_eq(quiet_by_window(&q), 1);
	ck_assert_int_gt(quiet_deadline(&q), SENT);
}
END_TEST

START_TEST(the_configured_floor_is_the_default)
{
	/* discovery_quiet's default in client.conf is QUIET_FLOOR_MS. */
	struct client_conf c;

	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(conftab_defaults(client_conf_keys, &c), 0);
	ck_assert_int_eq(c.discovery_quiet_ms, QUIET_FLOOR_MS);
	client_conf_clear(&c);
}
END_TEST

ORCH_SUITE("orch_quiet", setup, teardown, no_reply_waits_the_window,
    one_reply_ends_a_floor_after_it, a_slow_first_reply_stretches_the_interval,
    a_burst_ends_a_floor_after_its_last_reply, a_straggler_widens_the_gap,
    the_window_caps_the_interval, a_reply_at_the_window_ends_there,
    a_floor_of_zero_is_the_whole_window, factors_default_and_scale,
    times_out_of_order_or_before_the_send, huge_values_do_not_overflow,
    the_configured_floor_is_the_default)

/* test_replay.c: request time window and replay cache (lib/replay.c). */
#include "buildconf.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "replay.h"
#include "testutil.h"

#define NOW 1800000000000LL /* ms */
#define SKEW 30000
#define MAXTTL 600
#define A "cert=alice"
#define B "cert=bob"

static struct replay *
cache_of(size_t max_entries, size_t max_callers, size_t caller_entries)
{
	struct replay_config c;
	struct replay *r;

	replay_config_default(&c);
	c.max_skew_ms = SKEW;
	c.max_ttl = MAXTTL;
	c.max_entries = max_entries;
	c.max_callers = max_callers;
	c.caller_entries = caller_entries;
	ck_assert_ptr_nonnull(r = replay_new(&c));
	return r;
}

/* One caller may take the whole cache. */
static struct replay *
cache(size_t max_entries)
{
	return cache_of(max_entries, 1, max_entries);
}

/* A distinct 32-hex id for each n. */
static const char *
id_of(unsigned n)
{
	static char id[33];

	snprintf(id, sizeof(id), "%016x%016x", n * 2654435761u, n);
	return id;
}

START_TEST(test_defaults)
{
	struct replay_config c;
	struct replay *r;

	replay_config_default(&c);
	ck_assert(c.max_skew_ms == 30000);
	ck_assert(c.max_ttl == 600);
	ck_assert_uint_eq(c.max_entries, 4194304);
	ck_assert_uint_eq(c.max_callers, 64);
	ck_assert_uint_eq(c.caller_entries, 8192);
	ck_assert_ptr_nonnull(r = replay_new(NULL));
	ck_assert_uint_eq(replay_count(r), 0);
	/* Default skew: 30 s ahead is fine, 30.001 s is not. */
	ck_assert_int_eq(replay_check(r, A, id_of(1), NOW + 30000, 60, NOW), 0);
	ck_assert_int_eq(
	    replay_check(r, A, id_of(2), NOW + 30001, 60, NOW), MCE_FUTURE);
	replay_free(r);
}
END_TEST

START_TEST(test_replayed_id)
{
	struct replay *r = cache(100);

	ck_assert_int_eq(replay_check(r, A, id_of(1), NOW, 60, NOW), 0);
	ck_assert_uint_eq(replay_count(r), 1);
	ck_assert_int_eq(
	    replay_check(r, A, id_of(1), NOW, 60, NOW), MCE_REPLAY);
	/* Still a replay later in the window and with other time and ttl. */
	ck_assert_int_eq(
	    replay_check(r, A, id_of(1), NOW + 1000, 300, NOW + 50000),
	    MCE_REPLAY);
	ck_assert_int_eq(replay_check(r, A, id_of(2), NOW, 60, NOW), 0);
	ck_assert_uint_eq(replay_count(r), 2);
	replay_free(r);
}
END_TEST

START_TEST(test_stale)
{
	struct replay *r = cache(100);
	int64_t t = NOW - 60 * 1000 - SKEW;

	/* On the edge of the window: accepted; one ms further: stale. */
	ck_assert_int_eq(replay_check(r, A, id_of(1), t, 60, NOW), 0);
	ck_assert_int_eq(
	    replay_check(r, A, id_of(2), t - 1, 60, NOW), MCE_STALE);
	ck_assert_uint_eq(replay_count(r), 1);
	replay_free(r);
}
END_TEST

START_TEST(test_future)
{
	struct replay *r = cache(100);

	ck_assert_int_eq(replay_check(r, A, id_of(1), NOW + SKEW, 60, NOW), 0);
	ck_assert_int_eq(
	    replay_check(r, A, id_of(2), NOW + SKEW + 1, 60, NOW), MCE_FUTURE);
	ck_assert_int_eq(
	    replay_check(r, A, id_of(3), INT64_MAX, 60, NOW), MCE_FUTURE);
	ck_assert_uint_eq(replay_count(r), 1);
	replay_free(r);
}
END_TEST

START_TEST(test_ttl_cap)
{
	struct replay *r = cache(100);
	int64_t t = NOW - (int64_t)(MAXTTL + 1) * 1000 - SKEW;

	/* A day of ttl is cut to MAXTTL seconds. */
	ck_assert_int_eq(
	    replay_check(r, A, id_of(1), t, 86400, NOW), MCE_STALE);
	ck_assert_int_eq(replay_check(r, A, id_of(2), t + 1000, 86400, NOW), 0);
	/* Negative ttl acts as zero. */
	ck_assert_int_eq(
	    replay_check(r, A, id_of(3), NOW - SKEW - 1, -5, NOW), MCE_STALE);
	replay_free(r);
}
END_TEST

START_TEST(test_cache_full)
{
	struct replay *r = cache(3);
	int64_t later;

	for (unsigned i = 0; i < 3; i++)
		ck_assert_int_eq(replay_check(r, A, id_of(i), NOW, 60, NOW), 0);
	ck_assert_int_eq(
	    replay_check(r, A, id_of(3), NOW, 60, NOW), MCE_CACHEFULL);
	/* A full cache still knows its ids. */
	ck_assert_int_eq(
	    replay_check(r, A, id_of(0), NOW, 60, NOW), MCE_REPLAY);
	ck_assert_uint_eq(replay_count(r), 3);
	/* Once they expired, there is room again without any timer. */
	later = NOW + 60000 + SKEW + replay_slack_ms(r) + 1;
	ck_assert_int_eq(replay_check(r, A, id_of(3), later, 60, later), 0);
	ck_assert_uint_eq(replay_count(r), 1);
	replay_free(r);
}
END_TEST

START_TEST(test_lazy_expiry)
{
	struct replay *r = cache(100);
	int64_t later = NOW + 10 * 1000 + SKEW + 1, gone;

	ck_assert_int_eq(replay_check(r, A, id_of(1), NOW, 10, NOW), 0);
	ck_assert_int_eq(replay_check(r, A, id_of(2), NOW, 600, NOW), 0);
	/* The first id is forgotten only when its request is stale anyway. */
	ck_assert_int_eq(
	    replay_check(r, A, id_of(1), NOW, 10, later), MCE_STALE);
	ck_assert_int_eq(replay_check(r, A, id_of(3), later, 10, later), 0);
	ck_assert_uint_le(replay_count(r), 3);
	ck_assert_int_eq(
	    replay_check(r, A, id_of(2), NOW, 600, later), MCE_REPLAY);
	/* At most the slack later, it is gone. */
	gone = NOW + 10 * 1000 + SKEW + replay_slack_ms(r) + 1;
	ck_assert_int_eq(replay_check(r, A, id_of(4), gone, 600, gone), 0);
	ck_assert_uint_eq(replay_count(r), 3);
	replay_free(r);
}
END_TEST

/* Many ids with mixed ttls: the cache must agree with a brute-force model
 * as time moves on: every id whose request is not stale is a replay, and
 * nothing is held longer than the slack past its expiry. */
START_TEST(test_many_against_model)
{
	enum {
		N = 5000
	};
	static int64_t expires[N];
	struct replay *r = cache(N + 100);
	int64_t now = NOW, slack = replay_slack_ms(r);

	for (unsigned i = 0; i < N; i++) {
		int64_t ttl = 1 + (int64_t)((i * 7919u) % MAXTTL);
		now = NOW + i * 13;
		ck_assert_int_eq(
		    replay_check(r, A, id_of(i), now, ttl, now), 0);
		expires[i] = now + ttl * 1000 + SKEW;
	}
	for (int64_t step = 0; step <= MAXTTL + 200; step += 7) {
		int64_t t = now + step * 1000;
		size_t live = 0, held_max = 1;

		/* A new id triggers the lazy expiry. */
		ck_assert_int_eq(
		    replay_check(r, A, id_of(N + (unsigned)step), t, 1, t), 0);
		for (unsigned i = 0; i < N; i++) {
			live += expires[i] >= t;
			held_max += expires[i] + slack >= t;
		}
		ck_assert_uint_ge(replay_count(r), live + 1);
		ck_assert_uint_le(replay_count(r), held_max + (size_t)step);
		for (unsigned i = 0; i < N; i += 3) {
			int64_t tm = expires[i] - SKEW - MAXTTL * 1000;
			int rc = replay_check(r, A, id_of(i), tm, MAXTTL, t);
			/* sent again with a time that makes it live at t */
			if (expires[i] >= t)
				ck_assert_int_eq(rc, MCE_REPLAY);
		}
	}
	replay_free(r);
}
END_TEST

/* Right before, on and after the end of a generation, an id is a replay
 * until its request is stale. */
START_TEST(test_generation_edges)
{
	struct replay *r = cache(1000);
	int64_t slack = replay_slack_ms(r);
	unsigned n = 0;

	for (int64_t base = NOW; base < NOW + 3 * slack; base += slack / 3)
		for (int64_t d = -2; d <= 2; d++) {
			int64_t t = base + d, exp = t + 5000 + SKEW;
			const char *id;
			char keep[33];

			id = id_of(1000 + n++);
			memcpy(keep, id, sizeof(keep));
			ck_assert_int_eq(replay_check(r, A, keep, t, 5, t), 0);
			for (int64_t w = t; w <= exp; w += 997)
				ck_assert_int_eq(
				    replay_check(r, A, keep, t, 5, w),
				    MCE_REPLAY);
			ck_assert_int_eq(
			    replay_check(r, A, keep, t, 5, exp), MCE_REPLAY);
			ck_assert_int_eq(
			    replay_check(r, A, keep, t, 5, exp + 1), MCE_STALE);
		}
	replay_free(r);
}
END_TEST

/*
 * The attack: caller A (say, one whom the policy denies everything) fills
 * the cache as fast as it can; B, C and D must still be accepted. On one
 * shared cache, B was refused with MCE_CACHEFULL for max_ttl.
 */
START_TEST(test_flood_leaves_others_their_share)
{
	struct replay *r = cache_of(1000, 4, 100);
	const char *others[] = {B, "cert=carol", "uid=1000"};
	unsigned n = 0, accepted = 0;

	while (replay_check(r, A, id_of(n), NOW, MAXTTL, NOW) == 0)
		accepted = ++n;
	/* A got its own 100 and the 600 shared, nothing more. */
	ck_assert_uint_eq(accepted, 700);
	ck_assert_int_eq(
	    replay_check(r, A, id_of(n), NOW, MAXTTL, NOW), MCE_CACHEFULL);
	for (size_t k = 0; k < 3; k++) {
		for (unsigned i = 0; i < 100; i++)
			ck_assert_int_eq(replay_check(r, others[k],
					     id_of(5000 + i), NOW, 60, NOW),
			    0);
		ck_assert_uint_eq(replay_caller_count(r, others[k]), 100);
	}
	ck_assert_uint_eq(replay_count(r), 1000);
	/* A fifth caller finds all four places taken until they expire. */
	ck_assert_int_eq(replay_check(r, "cert=eve", id_of(9000), NOW, 60, NOW),
	    MCE_CACHEFULL);
	replay_free(r);
}
END_TEST

/* Ids are per caller: nobody can claim an id before its request does. */
START_TEST(test_ids_are_per_caller)
{
	struct replay *r = cache_of(100, 2, 50);

	ck_assert_int_eq(replay_check(r, A, id_of(1), NOW, 60, NOW), 0);
	ck_assert_int_eq(replay_check(r, B, id_of(1), NOW, 60, NOW), 0);
	ck_assert_int_eq(
	    replay_check(r, A, id_of(1), NOW, 60, NOW), MCE_REPLAY);
	ck_assert_int_eq(
	    replay_check(r, B, id_of(1), NOW, 60, NOW), MCE_REPLAY);
	ck_assert_uint_eq(replay_callers(r), 2);
	replay_free(r);
}
END_TEST

/* A caller gone quiet is forgotten, and its place and ids freed, by the
 * checks of others: no timer. */
START_TEST(test_quiet_caller_forgotten)
{
	struct replay *r = cache_of(100, 2, 10);
	int64_t later;

	for (unsigned i = 0; i < 90; i++)
		ck_assert_int_eq(replay_check(r, A, id_of(i), NOW, 10, NOW), 0);
	ck_assert_int_eq(replay_check(r, B, id_of(500), NOW, 600, NOW), 0);
	ck_assert_uint_eq(replay_callers(r), 2);
	later = NOW + 10000 + SKEW + replay_slack_ms(r) + 1;
	ck_assert_int_eq(replay_check(r, B, id_of(501), later, 600, later), 0);
	ck_assert_int_eq(replay_check(r, B, id_of(502), later, 600, later), 0);
	ck_assert_uint_eq(replay_callers(r), 1);
	ck_assert_uint_eq(replay_count(r), 3);
	/* B may now borrow what A held. */
	for (unsigned i = 0; i < 87; i++)
		ck_assert_int_eq(
		    replay_check(r, B, id_of(600 + i), later, 600, later), 0);
	replay_free(r);
}
END_TEST

/* Bytes held stay under 32 per id plus 4 KiB per caller. */
START_TEST(test_memory_bound)
{
	struct replay *r = cache_of(200000, 8, 1000);
	size_t n = 0;

	for (unsigned i = 0; i < 150000; i++) {
		int64_t t = NOW + i / 5;
		ck_assert_int_eq(replay_check(r, i % 3 ? A : B, id_of(i), t,
				     i % 2 ? 60 : 600, t),
		    0);
		n++;
		if (i % 9973 == 0)
			ck_assert_uint_le(replay_bytes(r),
			    replay_count(r) * 32 + 2 * 4096 + 1024);
	}
	ck_assert_uint_le(
	    replay_bytes(r), replay_count(r) * 32 + 2 * 4096 + 1024);
	ck_assert_uint_eq(replay_count(r), n);
	replay_free(r);
}
END_TEST

/*
 * 5,000 valid requests a second, all of ttl max_ttl (the longest-lived
 * ids) and from one caller (whose own share is the smallest part), for
 * longer than the window, with a fake clock: the default configuration
 * refuses none, and holds what replay.h says.
 */
START_TEST(test_sustained_rate)
{
	struct replay *r;
	const unsigned rate = 5000, seconds = MAXTTL + 2 * SKEW / 1000 + 60;
	size_t peak = 0, peak_bytes = 0;

	ck_assert_ptr_nonnull(r = replay_new(NULL));
	for (unsigned n = 0; n < rate * seconds; n++) {
		int64_t t = NOW + (int64_t)n * 1000 / rate;

		int rc = replay_check(r, A, id_of(n), t, MAXTTL, t);

		/* not ck_assert: in a loop this long it costs more than the
		 * check it tests */
		if (rc != 0)
			ck_abort_msg("request %u refused: %d", n, rc);
		if (replay_count(r) > peak) {
			peak = replay_count(r);
			peak_bytes = replay_bytes(r);
		}
	}
	ck_assert_uint_le(peak,
	    (size_t)rate * (MAXTTL + 2 * SKEW / 1000) +
		rate * (replay_slack_ms(r) / 1000 + 1));
	ck_assert_uint_le(peak_bytes, peak * 32 + 4096 + 1024);
	replay_free(r);
}
END_TEST

START_TEST(test_bad_id)
{
	struct replay *r = cache(10);
	char long_id[40];

	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	ck_assert_int_eq(replay_check(r, A, NULL, NOW, 60, NOW), -EINVAL);
	ck_assert_int_eq(replay_check(r, A, "", NOW, 60, NOW), -EINVAL);
	ck_assert_int_eq(replay_check(r, A, long_id, NOW, 60, NOW), -EINVAL);
	ck_assert_int_eq(replay_check(r, A, "0123456789abcdef0123456789abcdeg",
			     NOW, 60, NOW),
	    -EINVAL);
	ck_assert_int_eq(
	    replay_check(r, NULL, id_of(1), NOW, 60, NOW), -EINVAL);
	ck_assert_int_eq(replay_check(r, "", id_of(1), NOW, 60, NOW), -EINVAL);
	/* The all-zero id is an id like any other. */
	ck_assert_int_eq(replay_check(r, A, "00000000000000000000000000000000",
			     NOW, 60, NOW),
	    0);
	ck_assert_int_eq(replay_check(r, A, "00000000000000000000000000000000",
			     NOW, 60, NOW),
	    MCE_REPLAY);
	ck_assert_uint_eq(replay_count(r), 1);
	replay_free(r);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("replay");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_replayed_id);
	tcase_add_test(tc, test_stale);
	tcase_add_test(tc, test_future);
	tcase_add_test(tc, test_ttl_cap);
	tcase_add_test(tc, test_cache_full);
	tcase_add_test(tc, test_lazy_expiry);
	tcase_add_test(tc, test_many_against_model);
	tcase_add_test(tc, test_generation_edges);
	tcase_add_test(tc, test_flood_leaves_others_their_share);
	tcase_add_test(tc, test_ids_are_per_caller);
	tcase_add_test(tc, test_quiet_caller_forgotten);
	tcase_add_test(tc, test_memory_bound);
	tcase_add_test(tc, test_bad_id);
	suite_add_tcase(s, tc);
	/* Millions of checks: seconds, more under sanitizers. */
	tc = tcase_create("rate");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_sustained_rate);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}

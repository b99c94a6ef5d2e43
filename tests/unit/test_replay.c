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

static struct replay *
cache(size_t max_entries)
{
	struct replay_config c;
	struct replay *r;

	replay_config_default(&c);
	c.max_skew_ms = SKEW;
	c.max_ttl = MAXTTL;
	c.max_entries = max_entries;
	ck_assert_ptr_nonnull(r = replay_new(&c));
	return r;
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
	ck_assert_uint_eq(c.max_entries, 100000);
	ck_assert_ptr_nonnull(r = replay_new(NULL));
	ck_assert_uint_eq(replay_count(r), 0);
	/* Default skew: 30 s ahead is fine, 30.001 s is not. */
	ck_assert_int_eq(replay_check(r, id_of(1), NOW + 30000, 60, NOW), 0);
	ck_assert_int_eq(
	    replay_check(r, id_of(2), NOW + 30001, 60, NOW), MCE_FUTURE);
	replay_free(r);
}
END_TEST

START_TEST(test_replayed_id)
{
	struct replay *r = cache(100);

	ck_assert_int_eq(replay_check(r, id_of(1), NOW, 60, NOW), 0);
	ck_assert_uint_eq(replay_count(r), 1);
	ck_assert_int_eq(replay_check(r, id_of(1), NOW, 60, NOW), MCE_REPLAY);
	/* Still a replay later in the window and with other time and ttl. */
	ck_assert_int_eq(
	    replay_check(r, id_of(1), NOW + 1000, 300, NOW + 50000),
	    MCE_REPLAY);
	ck_assert_int_eq(replay_check(r, id_of(2), NOW, 60, NOW), 0);
	ck_assert_uint_eq(replay_count(r), 2);
	replay_free(r);
}
END_TEST

START_TEST(test_stale)
{
	struct replay *r = cache(100);
	int64_t t = NOW - 60 * 1000 - SKEW;

	/* On the edge of the window: accepted; one ms further: stale. */
	ck_assert_int_eq(replay_check(r, id_of(1), t, 60, NOW), 0);
	ck_assert_int_eq(replay_check(r, id_of(2), t - 1, 60, NOW), MCE_STALE);
	ck_assert_uint_eq(replay_count(r), 1);
	replay_free(r);
}
END_TEST

START_TEST(test_future)
{
	struct replay *r = cache(100);

	ck_assert_int_eq(replay_check(r, id_of(1), NOW + SKEW, 60, NOW), 0);
	ck_assert_int_eq(
	    replay_check(r, id_of(2), NOW + SKEW + 1, 60, NOW), MCE_FUTURE);
	ck_assert_int_eq(
	    replay_check(r, id_of(3), INT64_MAX, 60, NOW), MCE_FUTURE);
	ck_assert_uint_eq(replay_count(r), 1);
	replay_free(r);
}
END_TEST

START_TEST(test_ttl_cap)
{
	struct replay *r = cache(100);
	int64_t t = NOW - (int64_t)(MAXTTL + 1) * 1000 - SKEW;

	/* A day of ttl is cut to MAXTTL seconds. */
	ck_assert_int_eq(replay_check(r, id_of(1), t, 86400, NOW), MCE_STALE);
	ck_assert_int_eq(replay_check(r, id_of(2), t + 1000, 86400, NOW), 0);
	/* Negative ttl acts as zero. */
	ck_assert_int_eq(
	    replay_check(r, id_of(3), NOW - SKEW - 1, -5, NOW), MCE_STALE);
	replay_free(r);
}
END_TEST

START_TEST(test_cache_full)
{
	struct replay *r = cache(3);

	for (unsigned i = 0; i < 3; i++)
		ck_assert_int_eq(replay_check(r, id_of(i), NOW, 60, NOW), 0);
	ck_assert_int_eq(
	    replay_check(r, id_of(3), NOW, 60, NOW), MCE_CACHEFULL);
	/* A full cache still knows its ids. */
	ck_assert_int_eq(replay_check(r, id_of(0), NOW, 60, NOW), MCE_REPLAY);
	ck_assert_uint_eq(replay_count(r), 3);
	/* Once they expired, there is room again without any timer. */
	ck_assert_int_eq(replay_check(r, id_of(3), NOW + 60000 + 2 * SKEW, 60,
			     NOW + 60000 + 2 * SKEW + 1),
	    0);
	ck_assert_uint_eq(replay_count(r), 1);
	replay_free(r);
}
END_TEST

START_TEST(test_lazy_expiry)
{
	struct replay *r = cache(100);
	int64_t later = NOW + 10 * 1000 + SKEW + 1;

	ck_assert_int_eq(replay_check(r, id_of(1), NOW, 10, NOW), 0);
	ck_assert_int_eq(replay_check(r, id_of(2), NOW, 600, NOW), 0);
	/* The first id is forgotten only when its request is stale anyway. */
	ck_assert_int_eq(replay_check(r, id_of(1), NOW, 10, later), MCE_STALE);
	ck_assert_uint_eq(replay_count(r), 2);
	ck_assert_int_eq(replay_check(r, id_of(3), later, 10, later), 0);
	ck_assert_uint_eq(replay_count(r), 2);
	ck_assert_int_eq(
	    replay_check(r, id_of(2), NOW, 600, later), MCE_REPLAY);
	replay_free(r);
}
END_TEST

/* Many ids with mixed ttls: the cache must agree with a brute-force model
 * as time moves on (heap order and table growth). */
START_TEST(test_many_against_model)
{
	enum {
		N = 5000
	};
	static int64_t expires[N];
	struct replay *r = cache(N + 1);
	int64_t now = NOW;

	for (unsigned i = 0; i < N; i++) {
		int64_t ttl = 1 + (int64_t)((i * 7919u) % MAXTTL);
		ck_assert_int_eq(replay_check(r, id_of(i), now, ttl, now), 0);
		expires[i] = now + ttl * 1000 + SKEW;
	}
	ck_assert_uint_eq(replay_count(r), N);
	for (int64_t step = 0; step <= MAXTTL + 60; step += 37) {
		int64_t t = NOW + step * 1000;
		size_t live = 0;

		/* A new id triggers the lazy expiry; it lives 1 s + skew,
		 * less than one step, so each step holds only its own. */
		ck_assert_int_eq(
		    replay_check(r, id_of(N + (unsigned)step), t, 1, t), 0);
		for (unsigned i = 0; i < N; i++)
			live += expires[i] >= t;
		ck_assert_uint_eq(replay_count(r), live + 1);
		for (unsigned i = 0; i < N; i += 97)
			if (expires[i] >= t)
				ck_assert_int_eq(
				    replay_check(r, id_of(i), NOW, 1000, t),
				    MCE_REPLAY);
	}
	replay_free(r);
}
END_TEST

START_TEST(test_bad_id)
{
	struct replay *r = cache(10);
	char long_id[40];

	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	ck_assert_int_eq(replay_check(r, NULL, NOW, 60, NOW), -EINVAL);
	ck_assert_int_eq(replay_check(r, "", NOW, 60, NOW), -EINVAL);
	ck_assert_int_eq(replay_check(r, long_id, NOW, 60, NOW), -EINVAL);
	ck_assert_uint_eq(replay_count(r), 0);
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
	tcase_add_test(tc, test_bad_id);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}

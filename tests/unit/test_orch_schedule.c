/*
 * test_orch_schedule.c: the arithmetic of metactl schedule (when each
 * node runs) and of a rollout's batches, and the options only one command
 * takes out of argv.
 */
#include "buildconf.h"

#include <check.h>
#include <string.h>

#include "orchestrator/opts.h"
#include "orchestrator/rollout.h"
#include "orchestrator/schedule.h"
#include "test_orch_run.h"

static void
setup(void)
{
}

static void
teardown(void)
{
}

#define MIN (60 * 1000)

START_TEST(ten_nodes_over_thirty_minutes_run_three_minutes_apart)
{
	int64_t start = 1800000000000 - 1800000000000 % (30 * MIN);
	size_t i;

	for (i = 0; i < 10; i++)
		ck_assert_int_eq(schedule_slot(start, 30 * MIN, i, 10),
		    start + (int64_t)i * 3 * MIN);
}
END_TEST

START_TEST(intervals_are_aligned_to_the_epoch)
{
	ck_assert_int_eq(schedule_interval_start(12345, 1000), 12000);
	ck_assert_int_eq(schedule_interval_start(12000, 1000), 12000);
	ck_assert_int_eq(schedule_interval_start(11999, 12000), 0);
}
END_TEST

START_TEST(the_next_slot_whenever_the_scheduler_starts)
{
	size_t i;
	int64_t start, t;

	/* 6 nodes over 12 s: slots at 0, 2, ..., 10 s. */
	ck_assert_int_eq(schedule_next(24000, 12000, 6, &i, &start), 24000);
	ck_assert_uint_eq(i, 0);
	ck_assert_int_eq(start, 24000);
	ck_assert_int_eq(schedule_next(24001, 12000, 6, &i, &start), 26000);
	ck_assert_uint_eq(i, 1);
	ck_assert_int_eq(schedule_next(34001, 12000, 6, &i, &start), 36000);
	ck_assert_uint_eq(i, 0);
	ck_assert_int_eq(start, 36000);
	/* A slot never comes before t, and the one before it did. */
	for (t = 0; t < 40000; t += 333) {
		int64_t s = schedule_next(t, 7000, 3, &i, &start);

		ck_assert_int_ge(s, t);
		ck_assert_int_eq(s, schedule_slot(start, 7000, i, 3));
		if (i > 0)
			ck_assert_int_lt(
			    schedule_slot(start, 7000, i - 1, 3), t);
	}
}
END_TEST

START_TEST(offsets_round_down_to_the_millisecond)
{
	size_t i;
	int64_t start;

	ck_assert_int_eq(schedule_slot(0, 1000, 1, 3), 333);
	ck_assert_int_eq(schedule_slot(0, 1000, 2, 3), 666);
	ck_assert_int_eq(schedule_next(334, 1000, 3, &i, &start), 666);
	ck_assert_int_eq(schedule_next(333, 1000, 3, &i, &start), 333);
}
END_TEST

START_TEST(durations_have_units)
{
	int64_t ms;

	ck_assert_int_eq(schedule_duration_parse("30m", &ms), 0);
	ck_assert_int_eq(ms, 30 * MIN);
	ck_assert_int_eq(schedule_duration_parse("12s", &ms), 0);
	ck_assert_int_eq(ms, 12000);
	ck_assert_int_eq(schedule_duration_parse("12", &ms), 0);
	ck_assert_int_eq(ms, 12000);
	ck_assert_int_eq(schedule_duration_parse("500ms", &ms), 0);
	ck_assert_int_eq(ms, 500);
	ck_assert_int_eq(schedule_duration_parse("1.5h", &ms), 0);
	ck_assert_int_eq(ms, 90 * MIN);
	ck_assert_int_eq(schedule_duration_parse("7d", &ms), 0);
	ck_assert_int_eq(schedule_duration_parse("8d", &ms), -1);
	ck_assert_int_eq(schedule_duration_parse("0s", &ms), -1);
	ck_assert_int_eq(schedule_duration_parse("-1s", &ms), -1);
	ck_assert_int_eq(schedule_duration_parse("5 m", &ms), -1);
	ck_assert_int_eq(schedule_duration_parse("5y", &ms), -1);
	ck_assert_int_eq(schedule_duration_parse("", &ms), -1);
}
END_TEST

static int
take(void *arg, const char *name, const char *value)
{
	char *log = arg;

	strcat(log, name);
	strcat(log, "=");
	strcat(log, value != NULL ? value : "(flag)");
	strcat(log, " ");
	return strcmp(name, "--bad") == 0 ? -1 : 0;
}

START_TEST(own_options_leave_the_others_in_order)
{
	static const struct opt_own own[] = {
	    {"--state", 1}, {"--pause", 0}, {"--bad", 1}, {NULL, 0}};
	char *argv[] = {"rollout", "rpc", "--state", "s.json", "-F", "a=b",
	    "--pause", "x", "--", "--state", "y", NULL};
	char log[256] = "", err[64] = "";
	int n = orch_opts_take(11, argv, own, take, log, err, sizeof(err));

	ck_assert_int_eq(n, 8);
	ck_assert_str_eq(log, "--state=s.json --pause=(flag) ");
	ck_assert_str_eq(argv[1], "rpc");
	ck_assert_str_eq(argv[2], "-F");
	ck_assert_str_eq(argv[3], "a=b");
	ck_assert_str_eq(argv[4], "x");
	ck_assert_str_eq(argv[5], "--");
	ck_assert_str_eq(argv[6], "--state");
	ck_assert_str_eq(argv[7], "y");
	ck_assert_ptr_null(argv[8]);
}
END_TEST

START_TEST(a_missing_value_or_a_refused_one_fails)
{
	static const struct opt_own own[] = {
	    {"--state", 1}, {"--bad", 1}, {NULL, 0}};
	char *argv1[] = {"rollout", "--state", NULL};
	char *argv2[] = {"rollout", "--bad", "1", NULL};
	char log[256] = "", err[64] = "";

	ck_assert_int_eq(
	    orch_opts_take(2, argv1, own, take, log, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "option --state needs a value");
	ck_assert_int_eq(
	    orch_opts_take(3, argv2, own, take, log, err, sizeof(err)), -1);
}
END_TEST

/* The batches of a state: the canary first, then --batch each. */
START_TEST(batches_begin_with_the_canary)
{
	struct strv nodes = STRV_INIT;
	struct count_spec batch = {2, 0}, none = {0, 0}, pct = {20, 1};
	const char *ids[] = {"a", "b", "c", "d", "e", "f"};
	json_t *st, *b;
	size_t i;

	for (i = 0; i < 6; i++)
		strv_push(&nodes, ids[i]);
	st = rollout_state_new("rpc", "metactl", "service", "restart", NULL,
	    NULL, &nodes, &batch, 1, &pct, 0);
	b = json_object_get(st, "batches");
	ck_assert_uint_eq(json_array_size(b), 4);
	ck_assert_uint_eq(json_array_size(json_array_get(b, 0)), 1);
	ck_assert_uint_eq(json_array_size(json_array_get(b, 1)), 2);
	ck_assert_uint_eq(json_array_size(json_array_get(b, 3)), 1);
	/* 20% of 6 nodes, rounded up. */
	ck_assert_int_eq(
	    json_integer_value(json_object_get(st, "max_failures")), 2);
	ck_assert_uint_eq(rollout_count(st, NULL), 0);
	ck_assert_ptr_null(rollout_node_state(st, "a"));
	ck_assert_int_eq(rollout_exit_status(st), 0);
	json_decref(st);
	st = rollout_state_new("rpc", "metactl", "service", "restart", NULL,
	    NULL, &nodes, &batch, 0, &none, 0);
	ck_assert_uint_eq(json_array_size(json_object_get(st, "batches")), 3);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(st, "max_failures")), 0);
	json_decref(st);
	strv_clear(&nodes);
}
END_TEST

ORCH_SUITE("orch_schedule", setup, teardown,
    ten_nodes_over_thirty_minutes_run_three_minutes_apart,
    intervals_are_aligned_to_the_epoch,
    the_next_slot_whenever_the_scheduler_starts,
    offsets_round_down_to_the_millisecond, durations_have_units,
    own_options_leave_the_others_in_order,
    a_missing_value_or_a_refused_one_fails, batches_begin_with_the_canary)

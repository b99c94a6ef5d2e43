/*
 * test_agent_metrics.c: the Prometheus text exposition (agent/metrics.c):
 * escaping, cumulative histogram buckets with _sum and _count, and label
 * sets bounded by the loaded DDLs.
 */
#include "buildconf.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "plugins/registry.h"
#include "agent/agentd.h"
#include "agent/metrics.h"
#include "testutil.h"

START_TEST(test_escaping)
{
	struct metrics_buf b = {0};
	const char *l[] = {"a", "x\\y\"z\nw", "b", "", NULL};

	metrics_family(&b, "m_total", "counter", "back\\slash \"q\"\nline");
	metrics_sample(&b, "m_total", l, 3);
	metrics_sample(&b, "m_total", NULL, 0.5);
	ck_assert(!b.oom);
	ck_assert_str_eq(b.s,
	    "# HELP m_total back\\\\slash \"q\"\\nline\n"
	    "# TYPE m_total counter\n"
	    "m_total{a=\"x\\\\y\\\"z\\nw\",b=\"\"} 3\n"
	    "m_total 0.5\n");
	metrics_buf_clear(&b);
}
END_TEST

START_TEST(test_histogram)
{
	struct metrics_buf b = {0};
	const double bounds[] = {0.1, 1};
	const uint64_t counts[] = {2, 0, 3};
	const char *l[] = {"agent", "x", NULL};

	metrics_histogram(&b, "d_seconds", l, bounds, counts, 2, 7.25);
	ck_assert_str_eq(b.s,
	    "d_seconds_bucket{agent=\"x\",le=\"0.1\"} 2\n"
	    "d_seconds_bucket{agent=\"x\",le=\"1\"} 2\n"
	    "d_seconds_bucket{agent=\"x\",le=\"+Inf\"} 5\n"
	    "d_seconds_sum{agent=\"x\"} 7.25\n"
	    "d_seconds_count{agent=\"x\"} 5\n");
	metrics_buf_clear(&b);
}
END_TEST

START_TEST(test_growth)
{
	struct metrics_buf b = {0};

	for (int i = 0; i < 2000; i++)
		metrics_buf_printf(&b, "%04d\n", i);
	ck_assert_uint_eq(b.len, 10000);
	ck_assert_int_eq(strncmp(b.s + 9995, "1999\n", 5), 0);
	ck_assert_uint_eq(strlen(b.s), b.len);
	metrics_buf_clear(&b);
}
END_TEST

/* The value of the sample named exactly series in b, or -1 when absent. */
static double
sample(const struct metrics_buf *b, const char *series)
{
	const char *p;
	size_t n = strlen(series);

	for (p = b->s; p != NULL && *p != '\0'; p = strchr(p, '\n'), p += !!p)
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return -1;
}

#define PING "agent=\"rpcutil\",action=\"ping\""
#define UNNAMED "agent=\"\",action=\"\""

START_TEST(test_labels_from_ddls)
{
	static const struct {
		const char *series;
		double value;
	} want[] = {
	    {"metactld_requests_total{" PING ",outcome=\"allowed\"}", 2},
	    {"metactld_requests_total{" PING
	     ",outcome=\"refused\",reason=\"busy\"}",
		1},
	    {"metactld_requests_total{" UNNAMED
	     ",outcome=\"refused\",reason=\"unkagent\"}",
		1},
	    {"metactld_requests_total{" UNNAMED
	     ",outcome=\"refused\",reason=\"other\"}",
		1},
	    {"metactld_requests_total{" UNNAMED ",outcome=\"filter_miss\"}", 1},
	    {"metactld_action_duration_seconds_bucket{" PING ",le=\"0.05\"}",
		1},
	    {"metactld_action_duration_seconds_bucket{" PING ",le=\"300\"}", 1},
	    {"metactld_action_duration_seconds_bucket{" PING ",le=\"+Inf\"}",
		2},
	    {"metactld_action_duration_seconds_count{" PING "}", 2},
	    {"metactld_action_duration_seconds_sum{" PING "}", 1000.02},
	};
	struct agentd d;
	struct error err;
	struct metrics_buf b = {0};

	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(
	    registry_load(SRCDIR "/schemas/ddl", NULL, &d.registry, &err), 0);
	ck_assert_ptr_nonnull(d.metrics = metrics_new());
	metrics_request(
	    d.metrics, d.registry, "rpcutil", "ping", METRICS_ALLOWED, 0);
	metrics_request(
	    d.metrics, d.registry, "rpcutil", "ping", METRICS_ALLOWED, 0);
	metrics_request(d.metrics, d.registry, "rpcutil", "ping",
	    METRICS_REFUSED, MCE_BUSY);
	metrics_request(d.metrics, d.registry, "evil\"agent", "x",
	    METRICS_REFUSED, MCE_UNKAGENT);
	metrics_request(
	    d.metrics, d.registry, "rpcutil", "nosuch", METRICS_FILTER_MISS, 0);
	metrics_request(
	    d.metrics, d.registry, NULL, NULL, METRICS_REFUSED, -ENOMEM);
	metrics_duration(d.metrics, d.registry, "rpcutil", "ping", 0.02);
	metrics_duration(d.metrics, d.registry, "rpcutil", "ping", 1000);

	metrics_render(&d, &b);
	ck_assert(!b.oom);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(sample(&b, want[i].series) == want[i].value,
		    "%s: %g, not %g", want[i].series,
		    sample(&b, want[i].series), want[i].value);
	/* Names no DDL has never become labels. */
	ck_assert_ptr_null(strstr(b.s, "evil"));
	ck_assert_ptr_null(strstr(b.s, "nosuch"));
	metrics_buf_clear(&b);
	metrics_free(d.metrics);
	registry_free(d.registry);
}
END_TEST

START_TEST(test_route)
{
	static const struct {
		const char *head;
		int want;
	} cases[] = {
	    {"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200},
	    {"GET /metrics?name[]=x HTTP/1.1\r\n\r\n", 200},
	    {"GET /metrics HTTP/1.0\n\n", 200},
	    {"GET /metrics HTTP/1.1\r\nHost: x\r\n", 0},
	    {"GET /metric", 0},
	    {"", 0},
	    {"GET /metricsx HTTP/1.1\r\n\r\n", 404},
	    {"GET / HTTP/1.1\r\n\r\n", 404},
	    {"GET /metrics\r\n\r\n", 404},
	    {"HEAD /metrics HTTP/1.1\r\n\r\n", 405},
	    {"get /metrics HTTP/1.1\r\n\r\n", 405},
	    {"\n\n", 405},
	};
	char big[METRICS_HTTP_HEAD];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(metrics_http_route(cases[i].head,
				  strlen(cases[i].head)) == cases[i].want,
		    "case %zu", i);
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /metrics HTTP/1.1\r\n", 23);
	ck_assert_int_eq(metrics_http_route(big, sizeof(big) - 1), 0);
	ck_assert_int_eq(metrics_http_route(big, sizeof(big)), 431);
	/* A NUL does not hide what follows it. */
	ck_assert_int_eq(
	    metrics_http_route("GET /metrics \0\r\n\r\n", 18), 200);
}
END_TEST

START_TEST(test_null_is_noop)
{
	metrics_request(NULL, NULL, "a", "b", METRICS_ALLOWED, 0);
	metrics_duration(NULL, NULL, "a", "b", 1);
	metrics_free(NULL);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("agent_metrics");
	TCase *tc = tcase_create("metrics");

	log_init("test_agent_metrics", 0, LOG_LEVEL_ERR);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_histogram);
	tcase_add_test(tc, test_growth);
	tcase_add_test(tc, test_labels_from_ddls);
	tcase_add_test(tc, test_route);
	tcase_add_test(tc, test_null_is_noop);
	suite_add_tcase(su, tc);
	return testutil_run(su);
}

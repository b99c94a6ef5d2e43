/* schedule.c: see schedule.h. */
#include "buildconf.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "orchestrator/schedule.h"

#define WEEK_MS (7LL * 86400 * 1000)

int64_t
schedule_interval_start(int64_t t, int64_t interval)
{
	return t - t % interval;
}

int64_t
schedule_slot(int64_t start, int64_t interval, size_t i, size_t n)
{
	return start + (int64_t)i * interval / (int64_t)n;
}

int64_t
schedule_next(
    int64_t t, int64_t interval, size_t n, size_t *ret_i, int64_t *ret_start)
{
	int64_t start = schedule_interval_start(t, interval);
	int64_t d = t - start;
	/* floor(i * I / n) >= d  <=>  i * I >= d * n. */
	int64_t i = (d * (int64_t)n + interval - 1) / interval;

	if (i >= (int64_t)n) {
		i = 0;
		start += interval;
	}
	*ret_i = (size_t)i;
	*ret_start = start;
	return schedule_slot(start, interval, (size_t)i, n);
}

int
schedule_duration_parse(const char *s, int64_t *ret_ms)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"", 1000}, {"m", 60000},
	    {"h", 3600000}, {"d", 86400000}};
	char *end;
	double v;
	size_t i;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(v))
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].unit) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return -1;
	v *= units[i].ms;
	if (v < 1 || v > (double)WEEK_MS)
		return -1;
	*ret_ms = (int64_t)(v + 0.5);
	return 0;
}

/* units.c: see units.h. */
#include "buildconf.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "orchestrator/units.h"

void
units_duration(char *buf, size_t size, int64_t ms)
{
	const char *sign = ms < 0 ? "-" : "";
	uint64_t a = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
	uint64_t s = a / 1000;

	if (a < 1000)
		snprintf(buf, size, "%s%llu ms", sign, (unsigned long long)a);
	else if (a < 60000 && a % 1000 == 0)
		snprintf(buf, size, "%s%llu s", sign, (unsigned long long)s);
	else if (a < 60000)
		snprintf(buf, size, "%s%.1f s", sign, (double)a / 1000.0);
	else if (s < 3600)
		snprintf(buf, size, "%s%llum %02llus", sign,
		    (unsigned long long)(s / 60), (unsigned long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, size, "%s%lluh %02llum", sign,
		    (unsigned long long)(s / 3600),
		    (unsigned long long)(s % 3600 / 60));
	else
		snprintf(buf, size, "%s%llud %02lluh", sign,
		    (unsigned long long)(s / 86400),
		    (unsigned long long)(s % 86400 / 3600));
}

void
units_bytes(char *buf, size_t size, double bytes)
{
	static const char *const names[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
	size_t i = 0;
	double v = bytes / 1024.0;

	if (!(fabs(bytes) >= 1024.0)) {
		snprintf(buf, size, "%.0f B", bytes);
		return;
	}
	while (fabs(v) >= 1024.0 && i + 1 < sizeof(names) / sizeof(names[0])) {
		v /= 1024.0;
		i++;
	}
	snprintf(buf, size, "%.1f %s", v, names[i]);
}

void
units_time(char *buf, size_t size, int64_t ms, int with_ms)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	char date[32], frac[8] = "";
	long off;
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(buf, size, "%lld", (long long)ms);
		return;
	}
	if (with_ms)
		snprintf(
		    frac, sizeof(frac), ".%03d", (int)(ms - (int64_t)t * 1000));
	off = tm.tm_gmtoff / 60;
	snprintf(buf, size, "%s%s%c%02ld:%02ld", date, frac,
	    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

int
units_format(char *buf, size_t size, enum ddl_unit u, const json_t *v)
{
	double d;

	if (u == DDL_UNIT_NONE || !json_is_number(v))
		return -1;
	d = json_number_value(v);
	/* Far outside any clock or disk: shown as the number it is. */
	if (!isfinite(d) || fabs(d) > 9.0e15)
		return -1;
	switch (u) {
	case DDL_UNIT_S:
		/* Whole seconds stay seconds: an uptime of 0 is "0 s". */
		if (d == 0)
			snprintf(buf, size, "0 s");
		else
			units_duration(buf, size, (int64_t)llround(d * 1000.0));
		break;
	case DDL_UNIT_MS:
		units_duration(buf, size, (int64_t)llround(d));
		break;
	case DDL_UNIT_BYTES:
		units_bytes(buf, size, d);
		break;
	case DDL_UNIT_TIME_MS:
		units_time(buf, size, (int64_t)llround(d), 1);
		break;
	default:
		units_time(buf, size, (int64_t)llround(d * 1000.0), 0);
		break;
	}
	return 0;
}

void
units_number(char *buf, size_t size, const char *fmt, double v)
{
	char f[80];
	size_t n;
	int kind = ddl_format_kind(fmt);

	if (kind == 0) {
		snprintf(buf, size, "%g", v);
		return;
	}
	if (kind == 'f') {
		snprintf(f, sizeof(f), "%s", fmt);
	} else {
		/* An integer conversion gets the "ll" of a long long. */
		const char *c = fmt;

		while ((c = strchr(c, '%')) != NULL && c[1] == '%')
			c += 2;
		n = (size_t)(c - fmt) + strcspn(c, "di");
		snprintf(f, sizeof(f), "%.*sll%s", (int)n, fmt, fmt + n);
	}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	/* ddl_format_kind() vouched for f: one conversion of this type. */
	if (kind == 'f')
		snprintf(buf, size, f, v);
	else
		snprintf(buf, size, f,
		    isfinite(v) && fabs(v) < 9.0e18 ? (long long)llround(v)
						    : 0LL);
#pragma GCC diagnostic pop
}

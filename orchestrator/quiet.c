/*
 * quiet.c: the quiet rule of a cold discovery (see quiet.h). Times are
 * whatever clock the caller reads, in milliseconds; a reply stamped before
 * the previous one (a clock step) counts as arriving with it.
 */
#include "buildconf.h"

#include <string.h>

#include "orchestrator/quiet.h"

/* Longer than any window (34 years) and larger than any factor: they keep
 * the sums and products below from overflowing. */
#define QUIET_MAX_MS ((int64_t)1 << 40)
#define QUIET_MAX_PCT 100000

static int
pct_or(int pct, int def)
{
	if (pct <= 0)
		return def;
	return pct < QUIET_MAX_PCT ? pct : QUIET_MAX_PCT;
}

void
quiet_start(struct quiet *q, const struct quiet_rule *rule, int64_t sent_ms)
{
	memset(q, 0, sizeof(*q));
	q->rule = *rule;
	q->rule.gap_pct = pct_or(rule->gap_pct, QUIET_GAP_PCT);
	q->rule.first_pct = pct_or(rule->first_pct, QUIET_FIRST_PCT);
	if (q->rule.window_ms < 0)
		q->rule.window_ms = 0;
	if (q->rule.window_ms > QUIET_MAX_MS)
		q->rule.window_ms = QUIET_MAX_MS;
	if (q->rule.floor_ms > QUIET_MAX_MS)
		q->rule.floor_ms = QUIET_MAX_MS;
	q->sent_ms = sent_ms;
	q->first_ms = -1;
	q->last_ms = -1;
}

void
quiet_reply(struct quiet *q, int64_t now_ms)
{
	if (now_ms < q->sent_ms)
		now_ms = q->sent_ms;
	if (q->n == 0) {
		q->first_ms = now_ms;
	} else if (now_ms > q->last_ms) {
		if (now_ms - q->last_ms > q->max_gap_ms)
			q->max_gap_ms = now_ms - q->last_ms;
	} else {
		now_ms = q->last_ms;
	}
	q->last_ms = now_ms;
	q->n++;
}

static int64_t
scaled(int64_t ms, int pct)
{
	if (ms > QUIET_MAX_MS)
		ms = QUIET_MAX_MS;
	return ms * pct / 100;
}

int64_t
quiet_interval(const struct quiet *q)
{
	int64_t t, quiet = q->rule.floor_ms;

	if (quiet <= 0)
		return 0;
	if (q->n == 0)
		return quiet;
	t = scaled(q->max_gap_ms, q->rule.gap_pct);
	if (t > quiet)
		quiet = t;
	t = scaled(q->first_ms - q->sent_ms, q->rule.first_pct);
	if (t > quiet)
		quiet = t;
	return quiet;
}

int64_t
quiet_deadline(const struct quiet *q)
{
	int64_t window = q->sent_ms + q->rule.window_ms;
	int64_t t;

	if (q->rule.floor_ms <= 0 || q->n == 0)
		return window;
	t = q->last_ms + quiet_interval(q);
	return t < window ? t : window;
}

int
quiet_by_window(const struct quiet *q)
{
	return quiet_deadline(q) >= q->sent_ms + q->rule.window_ms;
}

/*
 * quiet.h: when a cold discovery may stop listening.
 *
 * A discovery with no expected set (no node of the collective in the node
 * registry) cannot end "when every expected node answered". It ends when
 * replies have stopped arriving for a quiet interval derived from how they
 * arrived so far, never sooner than a floor after the last reply, and never
 * later than the discovery window. No reply at all: the window.
 * Pure arithmetic on times in milliseconds: nothing here reads a clock.
 *
 * The rule, after the last reply at L (sent at S, first reply at F, G the
 * largest gap seen between two consecutive replies):
 *
 *	quiet    = max(floor, K x G, M x (F - S))
 *	deadline = min(L + quiet, S + window)
 *
 * K and M are in per cent (gap_pct, first_pct; 0 means the defaults
 * below). A floor of 0 or less turns the rule off: the whole window.
 */
#ifndef METACTL_ORCH_QUIET_H
#define METACTL_ORCH_QUIET_H

#include <stddef.h>
#include <stdint.h>

/* Defaults, chosen from measurements (bench/results, discovery). */
#define QUIET_FLOOR_MS 500
#define QUIET_GAP_PCT 200
#define QUIET_FIRST_PCT 200

struct quiet_rule {
	int64_t floor_ms; /* discovery_quiet in client.conf; <= 0: off */
	int64_t window_ms; /* the discovery window: the ceiling */
	int gap_pct; /* K in per cent; 0: QUIET_GAP_PCT */
	int first_pct; /* M in per cent; 0: QUIET_FIRST_PCT */
};

struct quiet {
	struct quiet_rule rule;
	int64_t sent_ms;
	int64_t first_ms; /* first reply, -1 before it */
	int64_t last_ms; /* latest reply, -1 before it */
	int64_t max_gap_ms; /* largest gap between consecutive replies */
	size_t n; /* replies so far */
};

void quiet_start(
    struct quiet *q, const struct quiet_rule *rule, int64_t sent_ms);
/* A reply arrived at now_ms. */
void quiet_reply(struct quiet *q, int64_t now_ms);
/* When the discovery ends if no further reply arrives: at most
 * sent_ms + window_ms. */
int64_t quiet_deadline(const struct quiet *q);
/* 1 when the deadline is the window's (the quiet rule did not end it). */
int quiet_by_window(const struct quiet *q);
/* The quiet interval after the latest reply, before the window caps it
 * (0 while the rule is off). */
int64_t quiet_interval(const struct quiet *q);

#endif

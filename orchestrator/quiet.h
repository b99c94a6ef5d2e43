/*
 * quiet.h: when a cold discovery may stop listening.
 *
 * A discovery with no expected set (no node of the collective in the node
 * registry) cannot end "when every expected node answered". It ends when
 * replies have stopped arriving for a quiet interval derived from how they
 * arrived so far, never sooner than a floor after the last reply, and never
 * later than the discovery window. No reply at all: the window.
 * Pure arithmetic on times in milliseconds: nothing here reads a clock.
 */
#ifndef METACTL_ORCH_QUIET_H
#define METACTL_ORCH_QUIET_H

#include <stddef.h>
#include <stdint.h>

struct quiet_rule {
	int64_t floor_ms; /* discovery_quiet in client.conf */
	int64_t window_ms; /* the discovery window: the ceiling */
};

struct quiet {
	struct quiet_rule rule;
	int64_t sent_ms;
	int64_t first_ms; /* first reply, -1 before it */
	int64_t last_ms; /* latest reply, -1 before it */
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

#endif

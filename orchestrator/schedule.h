/*
 * schedule.h: when each node's run of metactl schedule is due. Pure
 * arithmetic on milliseconds since the epoch, for the command and its
 * tests.
 *
 * Intervals are aligned to the epoch: the interval holding t starts at
 * t - t mod INTERVAL. Of n nodes sorted by identity, node i runs at
 * offset floor(i * INTERVAL / n) from the start of every interval. The
 * times depend on the node list and the interval only, never on when the
 * scheduler started, so a restart keeps them; a new node shifts the
 * offsets of the nodes sorted after it, a vanished one frees its slot.
 */
#ifndef METACTL_ORCH_SCHEDULE_H
#define METACTL_ORCH_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

/* The start of the interval holding t (t >= 0, interval > 0). */
int64_t schedule_interval_start(int64_t t, int64_t interval);
/* When node i of n runs in the interval starting at start. */
int64_t schedule_slot(int64_t start, int64_t interval, size_t i, size_t n);
/*
 * The first slot at or after t (n > 0): its time, with the node's index
 * in *ret_i and its interval's start in *ret_start.
 */
int64_t schedule_next(
    int64_t t, int64_t interval, size_t n, size_t *ret_i, int64_t *ret_start);
/*
 * A duration: a number with a unit, ms, s, m, h or d ("30m", "12s",
 * "1.5h"); a bare number is seconds. From 1 ms to 7 days; 0 or -1.
 */
int schedule_duration_parse(const char *s, int64_t *ret_ms);

#endif

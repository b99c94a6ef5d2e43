/*
 * replay_bench.c: the replay cache (lib/replay.c) under a steady request
 * rate with a fake clock: ns per check, ids and bytes held at the peak.
 *
 *   bench/replay_bench [RATE [SECONDS [TTL [CALLERS]]]]
 *
 * RATE requests a second (default 5000), for SECONDS of fake time
 * (default 780: the longest window, max_ttl + 2 * skew, plus two
 * minutes), all of ttl TTL (default 600) and spread over CALLERS callers
 * in turn (default 1), with the default configuration. Every request is
 * fresh, so any refusal is an error and stops the run (exit 1).
 */
#include "buildconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "error.h"
#include "replay.h"

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	unsigned long rate = argc > 1 ? strtoul(argv[1], NULL, 10) : 5000;
	unsigned long seconds = argc > 2 ? strtoul(argv[2], NULL, 10) : 780;
	long long ttl = argc > 3 ? strtoll(argv[3], NULL, 10) : 600;
	unsigned long ncallers = argc > 4 ? strtoul(argv[4], NULL, 10) : 1;
	const long long t0 = 1800000000000LL;
	unsigned long long n, total;
	size_t peak = 0, peak_bytes = 0;
	struct replay_config rc;
	struct replay *r;
	double start, ns;
	char id[33], caller[32];

	if (rate == 0 || ncallers == 0)
		return 2;
	replay_config_default(&rc);
	if ((r = replay_new(&rc)) == NULL)
		return 1;
	total = (unsigned long long)rate * seconds;
	start = now_ns();
	for (n = 0; n < total; n++) {
		long long t = t0 + (long long)(n * 1000 / rate);
		int rc2;

		snprintf(id, sizeof(id), "%016llx%016llx",
		    n * 0x9e3779b97f4a7c15ULL, n);
		snprintf(caller, sizeof(caller), "cert=c%llu", n % ncallers);
		if ((rc2 = replay_check(r, caller, id, t, ttl, t)) != 0) {
			fprintf(stderr, "request %llu refused: %s\n", n,
			    error_str(rc2));
			return 1;
		}
		if (replay_count(r) > peak) {
			peak = replay_count(r);
			peak_bytes = replay_bytes(r);
		}
	}
	ns = (now_ns() - start) / (double)total;
	printf("rate %lu/s, %lu s, ttl %lld s, %lu caller(s): %llu checks, "
	       "none refused\n",
	    rate, seconds, ttl, ncallers, total);
	printf("peak ids held %zu, bytes %zu (%.1f per id), "
	       "slack %lld ms\n",
	    peak, peak_bytes, (double)peak_bytes / (double)(peak ? peak : 1),
	    (long long)replay_slack_ms(r));
	printf("%.0f ns per check (id formatting included)\n", ns);
	replay_free(r);
	return 0;
}

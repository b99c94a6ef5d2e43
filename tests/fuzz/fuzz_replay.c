/*
 * fuzz_replay.c: the replay cache (lib/replay.c) driven by arbitrary
 * bytes: a configuration, then checks from a few callers with ids, times,
 * ttls and a clock that jumps both ways. A brute-force model of what was
 * accepted is the oracle: an id accepted from a caller must be a replay
 * for that caller until its request is stale by the latest clock seen,
 * and the cache must stay within its bounds. Aborts on any breach.
 */
#include "buildconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CALLERS 6
#define IDS 24
#define T0 1800000000000LL

struct seen {
	int64_t expires_ms; /* 0: never accepted */
};

static void
id_text(unsigned n, char id[33])
{
	/* id 0 is the all-zero id */
	snprintf(id, 33, "%016x%016x", n ? n * 2654435761u : 0, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seen model[CALLERS][IDS];
	struct replay_config c;
	struct replay *r;
	int64_t now = T0, max_now = T0;
	size_t i;

	if (size < 5)
		return 0;
	memset(model, 0, sizeof(model));
	replay_config_default(&c);
	c.max_entries = 1 + data[0] % 64;
	c.max_callers = 1 + data[1] % CALLERS;
	c.caller_entries = data[2] % 16;
	c.max_ttl = data[3] % 4 * 150;
	c.max_skew_ms = data[4] % 4 * 15000;
	if ((r = replay_new(&c)) == NULL)
		return 0;
	for (i = 5; i + 5 <= size; i += 5) {
		const uint8_t *op = data + i;
		unsigned who = op[0] % CALLERS, idn = op[1] % IDS;
		int64_t ttl = op[3] % 8 * 100 - 50, t, valid_until;
		char caller[16], id[33];
		int rc;

		/* the clock moves by -64 .. +191 s */
		now += ((int64_t)op[2] - 64) * 1000;
		if (now > max_now)
			max_now = now;
		t = now + ((int64_t)(int8_t)op[4]) * 1000;
		snprintf(caller, sizeof(caller), "cert=c%u", who);
		id_text(idn, id);
		rc = replay_check(r, caller, id, t, ttl, now);
		if (ttl > c.max_ttl)
			ttl = c.max_ttl;
		if (ttl < 0)
			ttl = 0;
		valid_until = t + ttl * 1000;
		switch (rc) {
		case 0:
			/* Accepting an id that must still be held is a
			 * replay let through. */
			if (model[who][idn].expires_ms >= max_now)
				abort();
			model[who][idn].expires_ms =
			    valid_until + c.max_skew_ms;
			if (replay_check(r, caller, id, t, ttl, now) !=
			    MCE_REPLAY)
				abort();
			break;
		case MCE_REPLAY:
		case MCE_CACHEFULL:
		case MCE_STALE:
		case MCE_FUTURE:
			break;
		default:
			abort();
		}
		if (replay_count(r) > c.max_entries ||
		    replay_callers(r) > c.max_callers ||
		    replay_bytes(r) > replay_count(r) * 32 +
			    replay_callers(r) * 4096 + 1024 +
			    c.max_callers * sizeof(void *))
			abort();
	}
	replay_free(r);
	return 0;
}

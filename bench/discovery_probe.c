/*
 * discovery_probe.c: cold discoveries as metactl makes them, for the
 * discovery benchmark. With the client configuration metactl would read
 * ($METACTL_CONFIG), it opens the link once, then RUNS times broadcasts
 * an rpcutil ping with an empty filter and collects replies until the
 * quiet rule of orchestrator/quiet.c ends the discovery (floor 0: the
 * whole window). One line per run:
 *
 *   run I elapsed MS replies N slow 0|1 window 0|1 arrivals T1,T2,...
 *
 * elapsed is from the send to the end of the discovery, window 1 when
 * the window ended it, arrivals each reply's ms after the send (in order,
 * the slow node's marked with '*'). Runs are at least GAP ms apart, so
 * that a run's late replies never fall into the next (they are dropped by
 * request id anyway).
 *
 * With -R, it reads such lines instead and replays their arrivals
 * through the same rule with the given floor, K and M, printing for each
 * run when the rule would have ended, the replies it would have kept and
 * whether the slow node was among them: what a discovery with those
 * settings would have done with the same arrivals.
 *
 *   discovery_probe [-q FLOOR_MS] [-k K_PCT] [-m M_PCT] [-w WINDOW_MS]
 *                   [-r RUNS] [-g GAP_MS] [-s SLOW_IDENTITY] [-R]
 */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "message.h"
#include "sign.h"
#include "orchestrator/clientconf.h"
#include "orchestrator/link.h"
#include "orchestrator/quiet.h"

#define ARRIVALS_MAX 20000

struct run {
	int64_t at[ARRIVALS_MAX]; /* ms after the send */
	int slow[ARRIVALS_MAX];
	size_t n;
};

static struct run run;

static void
print_run(int i, int64_t elapsed, const struct quiet *q, const struct run *r,
    size_t kept)
{
	size_t j;
	int slow = 0;

	for (j = 0; j < kept; j++)
		slow |= r->slow[j];
	printf("run %d elapsed %lld replies %zu slow %d window %d arrivals ", i,
	    (long long)elapsed, kept, slow, quiet_by_window(q));
	for (j = 0; j < kept; j++)
		printf("%s%lld%s", j > 0 ? "," : "", (long long)r->at[j],
		    r->slow[j] ? "*" : "");
	printf("%s\n", kept == 0 ? "-" : "");
	fflush(stdout);
}

/* The caller's name, from its certificate. */
static char *
caller(const struct client_conf *c)
{
	struct cert *ct = NULL;
	json_t *doc = NULL;
	char *s = NULL;

	if (c->certificate != NULL &&
	    cert_load(c->certificate, &doc, NULL) == 0 &&
	    cert_parse(doc, &ct, NULL) == 0)
		s = strdup(ct->name);
	cert_free(ct);
	json_decref(doc);
	return s;
}

/* One discovery: 0, or a negative code with err saying why. */
static int
discover(struct orch_link *l, const struct client_conf *c,
    const struct quiet_rule *rule, const char *slow_id, struct quiet *q,
    int64_t *sent, struct error *err)
{
	struct request *req = request_new();
	struct link_event ev;
	int64_t now, dl;
	int r;

	run.n = 0;
	if (req == NULL || (req->caller = caller(c)) == NULL ||
	    (req->collective = strdup(c->collective)) == NULL ||
	    (req->agent = strdup("rpcutil")) == NULL ||
	    (req->action = strdup("ping")) == NULL ||
	    request_set_audience(req, NULL, 0) < 0) {
		request_free(req);
		return -ENOMEM;
	}
	*sent = message_now_ms();
	if ((r = link_send(l, req, NULL, 0, NULL, err)) < 0)
		goto out;
	quiet_start(q, rule, *sent);
	while ((now = message_now_ms()) < (dl = quiet_deadline(q))) {
		if ((r = link_next(l, (int)(dl - now), &ev, err)) < 0)
			goto out;
		if (r == 1 && ev.kind == LINK_REPLY &&
		    strcmp(ev.request_id, req->id) == 0 &&
		    run.n < ARRIVALS_MAX) {
			quiet_reply(q, ev.received_ms);
			run.at[run.n] = ev.received_ms - *sent;
			run.slow[run.n++] =
			    slow_id != NULL && strcmp(ev.sender, slow_id) == 0;
		}
		if (r == 1)
			link_event_clear(&ev);
	}
	r = 0;
out:
	request_free(req);
	return r;
}

/* Reads events until `until`, dropping them: the late replies. */
static int
drain(struct orch_link *l, int64_t until, struct error *err)
{
	struct link_event ev;
	int64_t now;
	int r;

	while ((now = message_now_ms()) < until) {
		if ((r = link_next(l, (int)(until - now), &ev, err)) < 0)
			return r;
		if (r == 1)
			link_event_clear(&ev);
	}
	return 0;
}

/* -R: the recorded arrivals of each line of stdin through the rule. */
static int
replay(const struct quiet_rule *rule)
{
	char line[1 << 17], *p, *end;
	struct quiet q;
	int i, nruns = 0;
	size_t kept;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (sscanf(line, "run %d ", &i) != 1 ||
		    (p = strstr(line, " arrivals ")) == NULL)
			continue;
		p += strlen(" arrivals ");
		for (run.n = 0; run.n < ARRIVALS_MAX; run.n++) {
			run.at[run.n] = strtoll(p, &end, 10);
			if (end == p)
				break;
			run.slow[run.n] = *end == '*';
			p = end + (*end == '*');
			if (*p == ',')
				p++;
		}
		quiet_start(&q, rule, 0);
		for (kept = 0; kept < run.n; kept++) {
			if (run.at[kept] >= quiet_deadline(&q))
				break;
			quiet_reply(&q, run.at[kept]);
		}
		print_run(i, quiet_deadline(&q), &q, &run, kept);
		nruns++;
	}
	return nruns > 0 ? 0 : 1;
}

static int
usage(void)
{
	fprintf(stderr,
	    "usage: discovery_probe [-q FLOOR_MS] [-k K_PCT] [-m M_PCT] "
	    "[-w WINDOW_MS]\n"
	    "                       [-r RUNS] [-g GAP_MS] [-s SLOW_IDENTITY] "
	    "[-R]\n");
	return 64;
}

int
main(int argc, char *argv[])
{
	struct quiet_rule rule = {QUIET_FLOOR_MS, 2000, 0, 0};
	struct client_conf c;
	struct orch_link *l = NULL;
	struct quiet q;
	struct error err;
	const char *slow_id = NULL;
	long runs = 20, gap = 2000;
	int64_t sent = 0;
	int ch, i, r = 0, replaying = 0;

	while ((ch = getopt(argc, argv, "q:k:m:w:r:g:s:R")) != -1) {
		switch (ch) {
		case 'q':
			rule.floor_ms = strtoll(optarg, NULL, 10);
			break;
		case 'k':
			rule.gap_pct = atoi(optarg);
			break;
		case 'm':
			rule.first_pct = atoi(optarg);
			break;
		case 'w':
			rule.window_ms = strtoll(optarg, NULL, 10);
			break;
		case 'r':
			runs = strtol(optarg, NULL, 10);
			break;
		case 'g':
			gap = strtol(optarg, NULL, 10);
			break;
		case 's':
			slow_id = optarg;
			break;
		case 'R':
			replaying = 1;
			break;
		default:
			return usage();
		}
	}
	if (optind != argc || rule.window_ms <= 0 || runs < 1)
		return usage();
	if (replaying)
		return replay(&rule);
	if (sign_init() < 0 || client_conf_load(&c, NULL, &err) < 0 ||
	    link_open(&c, &l, &err) < 0) {
		fprintf(stderr, "discovery_probe: %s\n", err.text);
		return 69;
	}
	for (i = 1; i <= runs && r == 0; i++) {
		if (i > 1 && (r = drain(l, sent + gap, &err)) < 0)
			break;
		if ((r = discover(l, &c, &rule, slow_id, &q, &sent, &err)) == 0)
			print_run(i, message_now_ms() - sent, &q, &run, run.n);
	}
	if (r < 0)
		fprintf(stderr, "discovery_probe: %s\n", err.text);
	link_close(l);
	client_conf_clear(&c);
	return r < 0 ? 1 : 0;
}

/*
 * cmd_schedule.c: metactl schedule, the cron-driven commander. Each node
 * runs the action at its own offset within every interval (schedule.h),
 * unless too many nodes are busy with it or it ran there recently; one
 * log line per decision.
 *
 * Between runs with no reply awaited the command sleeps until the next
 * due time (clock_nanosleep, one wake per run); replies are read only
 * while some are awaited.
 */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ddl.h"
#include "filter.h"
#include "orchestrator/cli.h"
#include "orchestrator/fleet.h"
#include "orchestrator/link.h"
#include "orchestrator/schedule.h"
#include "orchestrator/usage.h"

/* How long the busy and last-run query waits at most. */
#define QUERY_MS 2000

struct sched {
	struct fleet *f;
	struct request *req; /* the action, sent again for every run */
	int64_t interval, skip_recent, window;
	long max_concurrent;
	int once;
	struct strv nodes;
	json_t *pending; /* request id -> {node, digest, due, deadline} */
	unsigned long ran, busy, recent, silent, failed;
};

static const struct opt_own own_opts[] = {{"--interval", 1},
    {"--max-concurrent", 1}, {"--skip-recent", 1}, {"--window", 1},
    {"--once", 0}, {NULL, 0}};

static int
set_opt(void *arg, const char *name, const char *v)
{
	struct sched *s = arg;
	char *end;

	if (strcmp(name, "--once") == 0) {
		s->once = 1;
		return 0;
	}
	if (strcmp(name, "--max-concurrent") == 0) {
		s->max_concurrent = strtol(v, &end, 10);
		if (v[0] >= '0' && v[0] <= '9' && *end == '\0' &&
		    s->max_concurrent >= 1 && s->max_concurrent <= 1000000)
			return 0;
	} else if (schedule_duration_parse(v,
		       strcmp(name, "--interval") == 0 ? &s->interval
			   : strcmp(name, "--window") == 0
			   ? &s->window
			   : &s->skip_recent) == 0)
		return 0;
	usage_errx("%s: '%s' is not %s", name, v,
	    strcmp(name, "--max-concurrent") == 0
		? "a count of nodes"
		: "a duration (30m, 12s, 500ms, 1h)");
	return -1;
}

static void
put_value(const json_t *v)
{
	char *t;

	if (json_is_string(v)) {
		const char *s = json_string_value(v);

		if (s[0] != '\0' && strpbrk(s, " \"=\\") == NULL)
			fputs(s, stdout);
		else {
			t = json_dumps(v, JSON_ENCODE_ANY);
			fputs(t != NULL ? t : "\"\"", stdout);
			free(t);
		}
		return;
	}
	t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	fputs(t != NULL ? t : "null", stdout);
	free(t);
}

/*
 * One log line: key=value pairs (logfmt), or a JSON object with --jsonl;
 * ev is stolen. Its first keys: time, event.
 */
static void
log_event(const struct sched *s, json_t *ev)
{
	const char *key;
	json_t *v;
	int first = 1;

	if (ev == NULL)
		return;
	if (s->f->o.format == OUT_JSONL)
		json_dumpf(ev, stdout, JSON_COMPACT);
	else
		json_object_foreach(ev, key, v)
		{
			printf("%s%s=", first ? "" : " ", key);
			put_value(v);
			first = 0;
		}
	putchar('\n');
	fflush(stdout);
	json_decref(ev);
}

static char *
iso_time(char *buf, size_t size, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char sec[32];

	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", gmtime_r(&t, &tm));
	snprintf(buf, size, "%s.%03dZ", sec, (int)(ms % 1000));
	return buf;
}

/* The line of one decision about node's run due at due. */
static void
log_decision(struct sched *s, const char *node, int64_t due,
    const char *decision, int status, const char *msg)
{
	char t[40];
	int64_t now = message_now_ms();
	json_t *ev = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I}", "time",
	    iso_time(t, sizeof(t), now), "event", "run", "decision", decision,
	    "node", node, "agent", s->req->agent, "action", s->req->action,
	    "due", (json_int_t)due, "late_ms", (json_int_t)(now - due));

	if (status >= 0)
		json_object_set_new(ev, "status", json_integer(status));
	if (msg != NULL)
		json_object_set_new(ev, "msg", json_string(msg));
	log_event(s, ev);
}

static void
log_counters(struct sched *s, const char *event)
{
	char t[40];

	log_event(s,
	    json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "time",
		iso_time(t, sizeof(t), message_now_ms()), "event", event,
		"nodes", (json_int_t)s->nodes.n, "ran", (json_int_t)s->ran,
		"skipped_busy", (json_int_t)s->busy, "skipped_recent",
		(json_int_t)s->recent, "no_reply", (json_int_t)s->silent,
		"failed", (json_int_t)s->failed));
}

/* A reply (or an invalid one) to a run: its decision line (struct
 * fleet's on_stray, whichever wait reads it). */
static int
on_run_reply(void *arg, const struct link_event *ev)
{
	struct sched *s = arg;
	const char *rid =
	    ev->kind == LINK_REPLY ? ev->reply->request_id : ev->request_id;
	json_t *p = json_object_get(s->pending, rid);
	const char *node = json_string_value(json_object_get(p, "node"));
	int64_t due = json_integer_value(json_object_get(p, "due"));

	if (p == NULL)
		return 0;
	if (ev->kind != LINK_REPLY ||
	    strcmp(ev->reply->digest,
		json_string_value(json_object_get(p, "digest"))) != 0) {
		s->failed++;
		log_decision(s, node, due, "failed", -1,
		    ev->kind == LINK_REPLY ? "reply to other bytes" : ev->why);
	} else if (ev->reply->statuscode == 0) {
		s->ran++;
		log_decision(s, node, due, "ran", 0, ev->reply->statusmsg);
	} else {
		s->failed++;
		log_decision(s, node, due, "failed", ev->reply->statuscode,
		    ev->reply->statusmsg);
	}
	json_object_del(s->pending, rid);
	return 1;
}

/* Runs awaited past their deadline: no reply. The earliest deadline
 * left, or INT64_MAX. */
static int64_t
expire(struct sched *s)
{
	int64_t now = message_now_ms(), first = INT64_MAX;
	const char *id;
	json_t *p, *tmp;

	json_object_foreach_safe(s->pending, tmp, id, p)
	{
		int64_t d = json_integer_value(json_object_get(p, "deadline"));

		if (d <= now) {
			s->silent++;
			log_decision(s,
			    json_string_value(json_object_get(p, "node")),
			    json_integer_value(json_object_get(p, "due")),
			    "no_reply", -1, NULL);
			json_object_del(s->pending, id);
		} else if (d < first)
			first = d;
	}
	return first;
}

static void
sleep_until(int64_t t)
{
	struct timespec ts = {(time_t)(t / 1000), (long)(t % 1000) * 1000000};

	/* A signal (SIGINT, SIGTERM) ends the sleep: no SA_RESTART. */
	while (!cli_interrupted &&
	    clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Reads one reply, or none, for at most wait_ms. 0, or an exit status
 * when the link failed. */
static int
read_reply(struct sched *s, int64_t wait_ms)
{
	struct link_event ev;
	struct error err;
	int r;

	/* librabbitmq resumes its poll after a signal: look at the flag
	 * now and then, only while replies are awaited. */
	if (wait_ms > 200)
		wait_ms = 200;
	if ((r = link_next(s->f->link, (int)wait_ms, &ev, &err)) < 0)
		return fleet_link_failed(&err);
	if (r > 0) {
		fleet_on_other(s->f, &ev);
		link_event_clear(&ev);
	}
	return 0;
}

/*
 * Until t (0: until no reply is awaited), reading replies while some are
 * awaited and sleeping otherwise. 0, or an exit status when the link
 * failed.
 */
static int
wait_until(struct sched *s, int64_t t)
{
	int64_t now, first;
	int r;

	for (;;) {
		first = expire(s);
		now = message_now_ms();
		if (cli_interrupted || (t > 0 && now >= t) ||
		    (t == 0 && json_object_size(s->pending) == 0))
			return 0;
		if (json_object_size(s->pending) == 0) {
			sleep_until(t);
			continue;
		}
		if ((r = read_reply(
			 s, (t > 0 && t < first ? t : first) - now)) != 0)
			return r;
	}
}

/*
 * Asks the nodes what runs (rpcutil running): 1 to run node, 0 after
 * logging why not.
 */
static int
may_run(struct sched *s, const char *node, int64_t due)
{
	struct fleet *f = s->f;
	struct results rs = {0};
	struct request *q;
	struct strv one = STRV_INIT;
	const struct strv *to = s->max_concurrent > 0 ? &s->nodes : &one;
	const struct result *me;
	long busy = 0, saved = f->timeout_ms;
	int64_t at;
	size_t i;
	int go = 1;

	if (s->max_concurrent <= 0 && s->skip_recent <= 0)
		return 1;
	strv_push(&one, node);
	q = fleet_request(f, "rpcutil", "running",
	    json_pack(
		"{s:s,s:s}", "agent", s->req->agent, "action", s->req->action));
	f->col.rs = &rs;
	f->timeout_ms = saved < QUERY_MS ? saved : QUERY_MS;
	if (q == NULL || fleet_call(f, q, to->v, to->n, to) != 0)
		go = -1;
	f->timeout_ms = saved;
	f->col.rs = &f->rs;
	for (i = 0; i < rs.n; i++)
		if (rs.v[i].kind == RES_OK)
			busy += (long)json_integer_value(
			    json_object_get(rs.v[i].data, "count"));
	me = results_find(&rs, node, 1u << RES_OK);
	at = json_integer_value(json_object_get(
	    json_object_get(me != NULL ? me->data : NULL, "last_run"), "at"));
	if (go > 0 && me == NULL) {
		s->silent++;
		log_decision(s, node, due, "no_reply", -1, "rpcutil running");
		go = 0;
	} else if (go > 0 && s->max_concurrent > 0 &&
	    busy >= s->max_concurrent) {
		s->busy++;
		log_decision(s, node, due, "skipped_busy", -1, NULL);
		go = 0;
	} else if (go > 0 && s->skip_recent > 0 && at > 0 &&
	    message_now_ms() - at < s->skip_recent) {
		s->recent++;
		log_decision(s, node, due, "skipped_recent", -1, NULL);
		go = 0;
	}
	results_clear(&rs);
	strv_clear(&one);
	request_free(q);
	return go;
}

/* The run of node due at due: decided, and sent when it may run. 0 or
 * an exit status. */
static int
run_slot(struct sched *s, const char *node, int64_t due)
{
	char digest[MESSAGE_DIGEST_LEN + 1];
	char *const to[] = {(char *)node};
	struct error err;
	int go = may_run(s, node, due);

	if (go <= 0)
		return go < 0 ? MC_EXIT_USAGE : 0;
	message_new_id(s->req->id);
	s->req->time_ms = message_now_ms();
	if (fleet_send(s->f, s->req, to, 1, digest, &err) < 0)
		return fleet_link_failed(&err);
	json_object_set_new(s->pending, s->req->id,
	    json_pack("{s:s,s:s,s:I,s:I}", "node", node, "digest", digest,
		"due", (json_int_t)due, "deadline",
		(json_int_t)(message_now_ms() + s->f->timeout_ms)));
	return 0;
}

/* The nodes, sorted: discovery (or --nodes) again. 0 or an exit status. */
static int
discover(struct sched *s)
{
	struct results rs = {0};
	int r;

	strv_clear(&s->nodes);
	if (s->f->o.nodes != NULL)
		r = fleet_read_nodes(s->f, &s->nodes);
	else
		r = fleet_discover(s->f, &s->nodes, &rs);
	results_clear(&rs);
	return r;
}

/*
 * The runs due from `from` until `until` (0: for ever), each at its time;
 * discovery again at each interval's end. 0 or an exit status.
 */
static int
run_slots(struct sched *s, int64_t from, int64_t until)
{
	int64_t start, due;
	size_t i;
	int r;

	if (s->nodes.n == 0)
		return MC_EXIT_NOMATCH;
	due = schedule_next(from, s->interval, s->nodes.n, &i, &start);
	while (!cli_interrupted && (until == 0 || due < until)) {
		if ((r = wait_until(s, due)) != 0)
			return r;
		if (cli_interrupted)
			break;
		if ((r = run_slot(s, s->nodes.v[i], due)) != 0)
			return r;
		if (++i < s->nodes.n) {
			due = schedule_slot(start, s->interval, i, s->nodes.n);
			continue;
		}
		/* The interval's end: new nodes slot in, vanished ones
		 * free their slot. */
		log_counters(s, "interval");
		if ((r = discover(s)) != 0)
			return r;
		if (s->nodes.n == 0)
			return MC_EXIT_NOMATCH;
		due = schedule_next(
		    start + s->interval, s->interval, s->nodes.n, &i, &start);
	}
	return 0;
}

/* The action's request from AGENT ACTION [key=value ...]. */
static int
make_request(struct sched *s)
{
	struct fleet *f = s->f;
	const struct ddl_action *a;
	struct ddl *ddl = NULL;
	json_t *data;
	int r;

	if (f->o.nargs < 2) {
		usage_errx("-- AGENT ACTION [key=value ...] is needed");
		return MC_EXIT_USAGE;
	}
	if ((r = orch_load_ddl(f->conf.ddl_dir, f->o.args[0], &ddl)) != 0)
		return r;
	r = MC_EXIT_USAGE;
	/* fleet_request() steals data, also when it fails. */
	if ((a = orch_find_action(ddl, f->o.args[1])) != NULL &&
	    (strcmp(ddl->agent, "rpcutil") == 0 ||
		filter_add_agent(f->o.filter, ddl->agent, NULL) == 0) &&
	    (data = orch_build_data(ddl, a, f->o.args + 2, f->o.nargs - 2)) !=
		NULL &&
	    (s->req = fleet_request(f, ddl->agent, a->name, data)) != NULL)
		r = 0;
	if (r == 0 && f->o.timeout_ms <= 0 && ddl->timeout > 0)
		f->timeout_ms = (long)ddl->timeout * 1000 + 1000;
	if (s->req != NULL)
		s->req->dry_run = f->o.dry_run;
	ddl_free(ddl);
	return r;
}

static int
check_opts(const struct sched *s)
{
	if (s->interval <= 0)
		usage_errx("--interval is needed");
	else if (s->skip_recent >= s->interval)
		usage_errx("--skip-recent must be shorter than --interval: "
			   "the schedule's own runs are an interval apart");
	else if (s->window > 0 && !s->once)
		usage_errx("--window goes with --once");
	else
		return 0;
	return MC_EXIT_USAGE;
}

static int
schedule(struct sched *s)
{
	int64_t now, w;
	int r;

	if ((r = make_request(s)) != 0 || (r = fleet_connect(s->f)) != 0)
		return r;
	if (link_is_local(s->f->link)) {
		cli_errx("a schedule needs a broker (client.conf broker)");
		return MC_EXIT_USAGE;
	}
	/* The log lines are the output: no reply is printed as such. */
	s->f->col.on_result = NULL;
	s->f->on_stray = on_run_reply;
	s->f->stray_arg = s;
	s->f->col.progress = NULL;
	if ((r = discover(s)) != 0)
		return r;
	now = message_now_ms();
	if (!s->once)
		r = run_slots(s, now, 0);
	else {
		/* The runs due in the current window, then the replies. */
		w = s->window > 0 ? s->window : 60000;
		r = run_slots(s, now - now % w, now - now % w + w);
	}
	if (r == 0)
		r = wait_until(s, 0);
	log_counters(s, "counters");
	if (r == 0 && (s->failed > 0 || s->silent > 0))
		r = s->failed > 0 ? MC_EXIT_FAILED : MC_EXIT_MISSING;
	return r;
}

int
cmd_schedule(int argc, char *argv[])
{
	struct sched s;
	struct fleet f;
	char msg[256] = "";
	int r;

	memset(&s, 0, sizeof(s));
	if ((argc = orch_opts_take(
		 argc, argv, own_opts, set_opt, &s, msg, sizeof(msg))) < 0) {
		if (msg[0] != '\0')
			usage_errx("%s", msg);
		return MC_EXIT_USAGE;
	}
	if ((r = fleet_init(&f, argc, argv,
		 OPT_FILTER | OPT_DISCOVERY | OPT_TIMEOUT | OPT_OUTPUT)) >= 0)
		return r;
	s.f = &f;
	if ((r = check_opts(&s)) == 0) {
		if ((s.pending = json_object()) == NULL)
			r = MC_EXIT_USAGE;
		else
			r = schedule(&s);
	}
	json_decref(s.pending);
	request_free(s.req);
	strv_clear(&s.nodes);
	fleet_clear(&f);
	return r;
}

/*
 * metrics.c: the daemon's counters by agent, action and outcome, and the
 * Prometheus text exposition of everything metactld measures (metrics.h).
 */
#include "buildconf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ddl.h"
#include "error.h"
#include "message.h"
#include "replay.h"
#include "plugins/registry.h"
#include "amqpio.h"
#include "agentd.h"
#include "metrics.h"

/* Refusal reasons: every MCE_* code, then one for any errno. */
#define NREASONS (MCE_LAST_ - MCE_BASE_)

struct metrics_action {
	char *agent, *action; /* "" and "": names no DDL knows */
	uint64_t outcomes[METRICS_OUTCOMES];
	uint64_t reasons[NREASONS];
	uint64_t buckets[METRICS_NBUCKETS + 1];
	double sum;
	uint64_t count;
};

struct metrics {
	struct metrics_action *a; /* a[0] is the unnamed pair */
	size_t n, cap;
};

static const char *const outcome_names[METRICS_OUTCOMES] = {
    "allowed",
    "denied",
    "refused",
    "filter_miss",
    "audience_miss",
    "collective_miss",
};

struct metrics *
metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (m == NULL || (m->a = calloc(8, sizeof(*m->a))) == NULL ||
	    (m->a[0].agent = strdup("")) == NULL ||
	    (m->a[0].action = strdup("")) == NULL) {
		metrics_free(m);
		return NULL;
	}
	m->n = 1;
	m->cap = 8;
	return m;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->cap && m->a != NULL; i++) {
		free(m->a[i].agent);
		free(m->a[i].action);
	}
	free(m->a);
	free(m);
}

/* 1 when a loaded DDL describes agent.action. */
static int
known(const struct registry *reg, const char *agent, const char *action)
{
	const struct ddl *ddl;

	if (reg == NULL || agent == NULL || action == NULL)
		return 0;
	ddl = registry_ddl(reg, agent);
	return ddl != NULL && ddl_find_action(ddl, action) != NULL;
}

/* The entry for agent.action; the unnamed one when the DDLs do not know
 * the pair, the table is full or memory is short. */
static struct metrics_action *
entry(struct metrics *m, const struct registry *reg, const char *agent,
    const char *action)
{
	struct metrics_action *e;

	if (!known(reg, agent, action))
		return &m->a[0];
	for (size_t i = 1; i < m->n; i++)
		if (strcmp(m->a[i].agent, agent) == 0 &&
		    strcmp(m->a[i].action, action) == 0)
			return &m->a[i];
	if (m->n >= METRICS_ACTIONS_MAX)
		return &m->a[0];
	if (m->n == m->cap) {
		e = realloc(m->a, 2 * m->cap * sizeof(*e));
		if (e == NULL)
			return &m->a[0];
		memset(e + m->cap, 0, m->cap * sizeof(*e));
		m->a = e;
		m->cap *= 2;
	}
	e = &m->a[m->n];
	if ((e->agent = strdup(agent)) == NULL ||
	    (e->action = strdup(action)) == NULL) {
		free(e->agent);
		e->agent = NULL;
		return &m->a[0];
	}
	m->n++;
	return e;
}

void
metrics_request(struct metrics *m, const struct registry *reg,
    const char *agent, const char *action, enum metrics_outcome o, int code)
{
	struct metrics_action *e;

	if (m == NULL || o >= METRICS_OUTCOMES)
		return;
	e = entry(m, reg, agent, action);
	e->outcomes[o]++;
	if (o == METRICS_REFUSED)
		e->reasons[code > MCE_BASE_ && code < MCE_LAST_
			? code - MCE_BASE_ - 1
			: NREASONS - 1]++;
}

void
metrics_duration(struct metrics *m, const struct registry *reg,
    const char *agent, const char *action, double seconds)
{
	static const double bounds[] = METRICS_BUCKETS;
	struct metrics_action *e;
	size_t i;

	if (m == NULL)
		return;
	e = entry(m, reg, agent, action);
	for (i = 0; i < METRICS_NBUCKETS && seconds > bounds[i]; i++)
		;
	e->buckets[i]++;
	e->sum += seconds;
	e->count++;
}

void
metrics_buf_clear(struct metrics_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

static void
buf_vprintf(struct metrics_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (b->oom)
		return;
	va_copy(aq, ap);
	n = vsnprintf(b->s != NULL ? b->s + b->len : NULL,
	    b->s != NULL ? b->cap - b->len : 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if (b->s == NULL || b->len + (size_t)n + 1 > b->cap) {
		size_t cap = b->cap > 0 ? b->cap : 4096;
		char *s;

		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		if ((s = realloc(b->s, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->s = s;
		b->cap = cap;
		vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void
metrics_buf_printf(struct metrics_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* s escaped: \ and newline always, " too when quote is set. */
static void
escaped(struct metrics_buf *b, const char *s, int quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			metrics_buf_printf(b, "\\\\");
		else if (*s == '\n')
			metrics_buf_printf(b, "\\n");
		else if (*s == '"' && quote)
			metrics_buf_printf(b, "\\\"");
		else
			metrics_buf_printf(b, "%c", *s);
	}
}

void
metrics_family(
    struct metrics_buf *b, const char *name, const char *type, const char *help)
{
	metrics_buf_printf(b, "# HELP %s ", name);
	escaped(b, help, 0);
	metrics_buf_printf(b, "\n# TYPE %s %s\n", name, type);
}

static void
labels_le(struct metrics_buf *b, const char *const *labels, const char *le)
{
	int first = 1;

	for (; labels != NULL && labels[0] != NULL; labels += 2) {
		metrics_buf_printf(b, "%s%s=\"", first ? "{" : ",", labels[0]);
		escaped(b, labels[1], 1);
		metrics_buf_printf(b, "\"");
		first = 0;
	}
	if (le != NULL) {
		metrics_buf_printf(b, "%sle=\"%s\"", first ? "{" : ",", le);
		first = 0;
	}
	if (!first)
		metrics_buf_printf(b, "}");
}

static void
value(struct metrics_buf *b, double v)
{
	metrics_buf_printf(b, " %.16g\n", v);
}

void
metrics_sample(struct metrics_buf *b, const char *name,
    const char *const *labels, double v)
{
	metrics_buf_printf(b, "%s", name);
	labels_le(b, labels, NULL);
	value(b, v);
}

void
metrics_histogram(struct metrics_buf *b, const char *name,
    const char *const *labels, const double *bounds, const uint64_t *counts,
    size_t n, double sum)
{
	uint64_t cum = 0;
	char le[32];

	for (size_t i = 0; i <= n; i++) {
		cum += counts[i];
		if (i < n)
			snprintf(le, sizeof(le), "%g", bounds[i]);
		else
			snprintf(le, sizeof(le), "+Inf");
		metrics_buf_printf(b, "%s_bucket", name);
		labels_le(b, labels, le);
		value(b, (double)cum);
	}
	metrics_buf_printf(b, "%s_sum", name);
	labels_le(b, labels, NULL);
	value(b, sum);
	metrics_buf_printf(b, "%s_count", name);
	labels_le(b, labels, NULL);
	value(b, (double)cum);
}

/* "busy" for MCE_BUSY, "other" for any errno. */
static void
reason_name(size_t i, char *buf, size_t size)
{
	const char *s =
	    i < NREASONS - 1 ? error_name(MCE_BASE_ + 1 + (int)i) : "MCE_OTHER";
	size_t k = 0;

	if (strncmp(s, "MCE_", 4) == 0)
		s += 4;
	for (; s[k] != '\0' && k + 1 < size; k++)
		buf[k] = (char)tolower((unsigned char)s[k]);
	buf[k] = '\0';
}

static void
render_requests(const struct metrics *m, struct metrics_buf *b)
{
	char reason[32];

	metrics_family(b, "metactld_requests_total", "counter",
	    "Requests by agent, action and outcome; refusals by reason. Names "
	    "no DDL knows count under empty agent and action.");
	for (size_t i = 0; i < m->n; i++) {
		const struct metrics_action *e = &m->a[i];

		for (int o = 0; o < METRICS_OUTCOMES; o++) {
			const char *l[] = {"agent", e->agent, "action",
			    e->action, "outcome", outcome_names[o], NULL};

			if (o != METRICS_REFUSED &&
			    (e->outcomes[o] > 0 || i == 0))
				metrics_sample(b, "metactld_requests_total", l,
				    (double)e->outcomes[o]);
		}
		for (size_t r = 0; r < NREASONS; r++) {
			const char *l[] = {"agent", e->agent, "action",
			    e->action, "outcome", "refused", "reason", reason,
			    NULL};

			if (e->reasons[r] == 0)
				continue;
			reason_name(r, reason, sizeof(reason));
			metrics_sample(b, "metactld_requests_total", l,
			    (double)e->reasons[r]);
		}
	}
}

static void
render_durations(const struct metrics *m, struct metrics_buf *b)
{
	static const double bounds[] = METRICS_BUCKETS;

	metrics_family(b, "metactld_action_duration_seconds", "histogram",
	    "Time from an action's start to its reply.");
	for (size_t i = 1; i < m->n; i++) {
		const struct metrics_action *e = &m->a[i];
		const char *l[] = {
		    "agent", e->agent, "action", e->action, NULL};

		if (e->count > 0)
			metrics_histogram(b, "metactld_action_duration_seconds",
			    l, bounds, e->buckets, METRICS_NBUCKETS, e->sum);
	}
}

/* One family of one unlabelled sample. */
static void
single(struct metrics_buf *b, const char *name, const char *type,
    const char *help, double v)
{
	metrics_family(b, name, type, help);
	metrics_sample(b, name, NULL, v);
}

static double
rss_bytes(void)
{
	long long size = 0, pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lld %lld", &size, &pages) != 2)
		pages = 0;
	fclose(f);
	return (double)pages * (double)sysconf(_SC_PAGESIZE);
}

static void
render_broker(const struct agentd *d, struct metrics_buf *b)
{
	struct amqpio_stats st;

	if (d->broker == NULL)
		return;
	broker_stats(d->broker, &st);
	single(b, "metactld_broker_connected", "gauge",
	    "1 while the broker connection is up.", st.connected);
	single(b, "metactld_broker_reconnects_total", "counter",
	    "Connections made after the first one.", (double)st.reconnects);
	single(b, "metactld_replies_dropped_total", "counter",
	    "Replies dropped: the outgoing queue was full.",
	    (double)st.dropped);
	single(b, "metactld_replies_queued", "gauge",
	    "Replies waiting for the broker.", (double)st.queued);
}

void
metrics_render(const struct agentd *d, struct metrics_buf *b)
{
	if (d->metrics != NULL) {
		render_requests(d->metrics, b);
		render_durations(d->metrics, b);
	}
	single(b, "metactld_actions_running", "gauge", "Actions running now.",
	    d->actions.nrunning);
	single(b, "metactld_actions_queued", "gauge",
	    "Actions waiting for a slot.", d->actions.nwaiting);
	metrics_family(b, "metactld_replay_cache_entries", "gauge",
	    "Request ids held against replays, by cache.");
	{
		const char *s[] = {"cache", "signed", NULL};
		const char *l[] = {"cache", "local", NULL};

		metrics_sample(b, "metactld_replay_cache_entries", s,
		    d->replay != NULL ? (double)replay_count(d->replay) : 0);
		metrics_sample(b, "metactld_replay_cache_entries", l,
		    d->replay_local != NULL
			? (double)replay_count(d->replay_local)
			: 0);
	}
	render_broker(d, b);
	single(b, "metactld_reload_timestamp_seconds", "gauge",
	    "When the configuration was last reloaded (0: never).",
	    (double)d->reload_ms / 1000.0);
	single(b, "metactld_reload_success", "gauge",
	    "1 when the last reload applied everything, 0 when it kept some "
	    "previous settings.",
	    d->reload_ok);
	single(b, "metactld_start_time_seconds", "gauge",
	    "When the agent started, in seconds since the epoch.",
	    (double)d->start_ms / 1000.0);
	single(b, "metactld_resident_memory_bytes", "gauge",
	    "Resident set size.", rss_bytes());
}

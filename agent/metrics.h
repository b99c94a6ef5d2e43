/*
 * metrics.h: what metactld counts for a monitoring system, and how it is
 * shown: the Prometheus text exposition format 0.0.4 (metrics.c), served
 * over HTTP on [metrics] listen from the daemon's loop (metrics_http.c).
 *
 * Label sets are bounded: an agent or action name becomes a label only when
 * the loaded DDLs know it, never because a request carries it; everything
 * else counts under empty labels. The table holds at most METRICS_ACTIONS_MAX
 * agent/action pairs, whatever reloads happen.
 */
#ifndef METACTLD_METRICS_H
#define METACTLD_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct agentd;
struct registry;

enum metrics_outcome {
	METRICS_ALLOWED, /* run or queued */
	METRICS_DENIED, /* by policy */
	METRICS_REFUSED, /* any other refusal; the code is the reason */
	METRICS_FILTER_MISS,
	METRICS_AUDIENCE_MISS,
	METRICS_COLLECTIVE_MISS,
	METRICS_OUTCOMES
};

#define METRICS_ACTIONS_MAX 4096

/* Upper bounds of the action duration histogram, in seconds (+Inf
 * follows). */
#define METRICS_BUCKETS \
	{ \
		0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300 \
	}
#define METRICS_NBUCKETS 10

struct metrics;

/* NULL when out of memory; metrics_free(NULL) is a no-op. Every counting
 * function takes a NULL m and does nothing. */
struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);
/* One request's outcome; code (MCE_* or negated errno) for REFUSED. */
void metrics_request(struct metrics *m, const struct registry *reg,
    const char *agent, const char *action, enum metrics_outcome o, int code);
/* An action completed after seconds. */
void metrics_duration(struct metrics *m, const struct registry *reg,
    const char *agent, const char *action, double seconds);

/*
 * A growing text buffer. Out of memory sticks: every later append is a
 * no-op and oom stays set. metrics_buf_clear() frees.
 */
struct metrics_buf {
	char *s;
	size_t len, cap;
	int oom;
};
void metrics_buf_clear(struct metrics_buf *b);
void metrics_buf_printf(struct metrics_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The exposition primitives (exported for the unit tests). HELP text
 * escapes \ and newline; label values escape \, " and newline. labels is
 * NULL or name, value, ..., NULL. */
void metrics_family(struct metrics_buf *b, const char *name, const char *type,
    const char *help);
void metrics_sample(struct metrics_buf *b, const char *name,
    const char *const *labels, double value);
/* A histogram's samples: counts[i] observations fell in bucket i (not
 * cumulative; counts[n] is above the last bound), written cumulative with
 * le labels, then _sum and _count. */
void metrics_histogram(struct metrics_buf *b, const char *name,
    const char *const *labels, const double *bounds, const uint64_t *counts,
    size_t n, double sum);

/* Every metric of the daemon, appended to b. */
void metrics_render(const struct agentd *d, struct metrics_buf *b);

/* metrics_http.c: the listener on d->conf.metrics_listen. */
#define METRICS_HTTP_HEAD 4096 /* request line and headers, bytes */
/*
 * The answer to the len bytes a client sent so far (any bytes, NULs
 * included): 0 while the head is incomplete, 200 for GET /metrics (a
 * query string allowed), 404 for another path, 405 for another method,
 * 431 once METRICS_HTTP_HEAD bytes came without an end of head.
 */
int metrics_http_route(const char *head, size_t len);
struct metrics_server;
/* 0 or a negative code (bad address, cannot bind). */
int metrics_http_start(struct agentd *d, struct metrics_server **ret);
/* Closes the listener and every connection; NULL is a no-op. */
void metrics_http_stop(struct metrics_server *s);

#endif

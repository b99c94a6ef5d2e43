/* results.c: see results.h. */
#include "buildconf.h"

#include <stdlib.h>
#include <string.h>

#include "orchestrator/cli.h"
#include "orchestrator/results.h"

/* A copy with control characters replaced by '?': these strings come
 * from the network and end up on terminals. */
static char *
dup_or_null(const char *s)
{
	char *d, *p;

	if (s == NULL || (d = strdup(s)) == NULL)
		return NULL;
	for (p = d; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return d;
}

struct result *
results_add(struct results *rs, const char *identity, enum result_kind kind,
    int statuscode, const char *statusmsg, json_t *data, int64_t rtt_ms,
    const char *why)
{
	struct result *r;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap != 0 ? rs->cap * 2 : 16;
		struct result *v = realloc(rs->v, cap * sizeof(*v));

		if (v == NULL) {
			json_decref(data);
			return NULL;
		}
		rs->v = v;
		rs->cap = cap;
	}
	r = &rs->v[rs->n];
	memset(r, 0, sizeof(*r));
	r->identity = dup_or_null(identity);
	r->statusmsg = dup_or_null(statusmsg);
	r->why = dup_or_null(why);
	if (r->identity == NULL ||
	    (statusmsg != NULL && r->statusmsg == NULL) ||
	    (why != NULL && r->why == NULL)) {
		free(r->identity);
		free(r->statusmsg);
		free(r->why);
		json_decref(data);
		return NULL;
	}
	r->kind = kind;
	r->statuscode = statuscode;
	r->data = data;
	r->rtt_ms = rtt_ms;
	rs->n++;
	return r;
}

struct result *
results_find(struct results *rs, const char *identity, unsigned mask)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if ((mask & (1u << rs->v[i].kind)) != 0 &&
		    strcmp(rs->v[i].identity, identity) == 0)
			return &rs->v[i];
	return NULL;
}

size_t
results_count(const struct results *rs, enum result_kind kind)
{
	size_t i, n = 0;

	for (i = 0; i < rs->n; i++)
		if (rs->v[i].kind == kind)
			n++;
	return n;
}

static int
cmp_result(const void *a, const void *b)
{
	const struct result *x = a, *y = b;

	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	return strcmp(x->identity, y->identity);
}

void
results_sort(struct results *rs)
{
	if (rs->n > 1)
		qsort(rs->v, rs->n, sizeof(*rs->v), cmp_result);
}

void
results_clear(struct results *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		free(rs->v[i].identity);
		free(rs->v[i].statusmsg);
		free(rs->v[i].why);
		json_decref(rs->v[i].data);
	}
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}

int
results_exit_status(const struct results *rs)
{
	if (rs->addressed == 0 && rs->n == 0)
		return MC_EXIT_NOMATCH;
	if (results_count(rs, RES_MISSING) > 0 ||
	    results_count(rs, RES_LATE) > 0 ||
	    results_count(rs, RES_UNADDRESSED) > 0)
		return MC_EXIT_MISSING;
	if (results_count(rs, RES_FAILED) > 0 ||
	    results_count(rs, RES_INVALID) > 0)
		return MC_EXIT_FAILED;
	return MC_EXIT_OK;
}

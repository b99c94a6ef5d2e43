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

/* FNV-1a. */
static size_t
hash_str(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)h;
}

/* The slot of identity: its chain's, or the empty one it would take. */
static size_t
index_slot(const struct results *rs, const char *identity)
{
	size_t mask = rs->index_size - 1, h = hash_str(identity) & mask;

	while (rs->index[h] != 0 &&
	    strcmp(rs->v[rs->index[h] - 1].identity, identity) != 0)
		h = (h + 1) & mask;
	return h;
}

static void
index_insert(struct results *rs, size_t i)
{
	size_t h = index_slot(rs, rs->v[i].identity), k;

	rs->v[i].same_next = 0;
	if (rs->index[h] == 0) {
		rs->index[h] = i + 1;
		return;
	}
	for (k = rs->index[h] - 1; rs->v[k].same_next != 0;
	     k = rs->v[k].same_next - 1)
		;
	rs->v[k].same_next = i + 1;
}

/* A table for at least n entries, filled with the first `have`. */
static int
index_rebuild(struct results *rs, size_t n, size_t have)
{
	size_t size = 64, i;

	while (size < 2 * n)
		size *= 2;
	if (size != rs->index_size) {
		size_t *t = calloc(size, sizeof(*t));

		if (t == NULL)
			return -1;
		free(rs->index);
		rs->index = t;
		rs->index_size = size;
	} else
		memset(rs->index, 0, size * sizeof(*rs->index));
	for (i = 0; i < have; i++)
		index_insert(rs, i);
	return 0;
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
	if (2 * (rs->n + 1) > rs->index_size &&
	    index_rebuild(rs, rs->n + 1, rs->n) < 0) {
		json_decref(data);
		return NULL;
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
	index_insert(rs, rs->n);
	rs->n++;
	return r;
}

struct result *
results_find(struct results *rs, const char *identity, unsigned mask)
{
	size_t k;

	if (rs->n == 0 || identity == NULL)
		return NULL;
	for (k = rs->index[index_slot(rs, identity)]; k != 0;
	     k = rs->v[k - 1].same_next)
		if ((mask & (1u << rs->v[k - 1].kind)) != 0)
			return &rs->v[k - 1];
	return NULL;
}

void
results_remove(struct results *rs, struct result *r)
{
	size_t i = (size_t)(r - rs->v);

	free(r->identity);
	free(r->statusmsg);
	free(r->why);
	json_decref(r->data);
	memmove(r, r + 1, (rs->n - i - 1) * sizeof(*r));
	rs->n--;
	index_rebuild(rs, rs->n, rs->n);
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
	if (rs->n > 1) {
		qsort(rs->v, rs->n, sizeof(*rs->v), cmp_result);
		index_rebuild(rs, rs->n, rs->n);
	}
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
	free(rs->index);
	memset(rs, 0, sizeof(*rs));
}

int
results_exit_status(const struct results *rs)
{
	if (rs->addressed == 0 && rs->n == 0 && rs->invalid_more == 0)
		return MC_EXIT_NOMATCH;
	if (results_count(rs, RES_MISSING) > 0 ||
	    results_count(rs, RES_LATE) > 0 ||
	    results_count(rs, RES_UNADDRESSED) > 0)
		return MC_EXIT_MISSING;
	if (results_count(rs, RES_FAILED) > 0 ||
	    results_count(rs, RES_INVALID) > 0 || rs->invalid_more > 0)
		return MC_EXIT_FAILED;
	return MC_EXIT_OK;
}

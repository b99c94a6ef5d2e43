/*
 * strv.h: vectors of malloc'd strings. Two forms of one thing:
 *
 * - a plain NULL-terminated char ** (as config_get_list() returns it and
 *   the agent keeps its collectives, agents and classes), freed with
 *   strv_free();
 * - struct strv, the same vector while it grows, with its length and
 *   capacity: v is NULL or NULL-terminated at every moment, so sv.v can be
 *   passed wherever a plain vector is read, and strv_steal() hands it over
 *   as one.
 */
#ifndef METACTL_STRV_H
#define METACTL_STRV_H

#include <stddef.h>

/* NULL is a no-op. */
void strv_free(char **v);
/* A copy of the first n strings, NULL-terminated; NULL when out of memory. */
char **strv_copy(const char *const *v, size_t n);

struct strv {
	char **v; /* owned strings, v[n] == NULL; NULL while empty */
	size_t n;
	size_t cap;
};

#define STRV_INIT \
	{ \
		NULL, 0, 0 \
	}

/* Appends a copy of s; 0 or -ENOMEM (sv unchanged). */
int strv_push(struct strv *sv, const char *s);
/* Sorts by strcmp() and drops duplicates. */
void strv_sort_uniq(struct strv *sv);
/* 1 when s is in sv (linear; sv need not be sorted), else 0. */
int strv_contains(const struct strv *sv, const char *s);
/* Frees the strings and the vector; sv is empty (STRV_INIT) after. */
void strv_clear(struct strv *sv);
/*
 * The plain vector (never NULL: an empty one when sv is empty), which the
 * caller frees with strv_free(); sv is empty after. NULL when out of
 * memory, sv unchanged.
 */
char **strv_steal(struct strv *sv);

#endif

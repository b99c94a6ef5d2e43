/* strvec.h: a growable array of owned strings, used for node lists. */
#ifndef METACTL_ORCH_STRVEC_H
#define METACTL_ORCH_STRVEC_H

#include <stddef.h>

struct strvec {
	char **v; /* owned strings */
	size_t n;
	size_t cap;
};

#define STRVEC_INIT \
	{ \
		NULL, 0, 0 \
	}

/* Appends a copy of s; 0 or -ENOMEM. */
int strvec_push(struct strvec *sv, const char *s);
/* Sorts and drops duplicates. */
void strvec_sort_uniq(struct strvec *sv);
/* 1 when s is in sv (linear; sv need not be sorted). */
int strvec_contains(const struct strvec *sv, const char *s);
void strvec_clear(struct strvec *sv);

#endif

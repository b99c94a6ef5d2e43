/* strvec.c: see strvec.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "orchestrator/strvec.h"

int
strvec_push(struct strvec *sv, const char *s)
{
	char *copy;

	if (sv->n == sv->cap) {
		size_t cap = sv->cap != 0 ? sv->cap * 2 : 16;
		char **v = realloc(sv->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		sv->v = v;
		sv->cap = cap;
	}
	if ((copy = strdup(s)) == NULL)
		return -ENOMEM;
	sv->v[sv->n++] = copy;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
strvec_sort_uniq(struct strvec *sv)
{
	size_t i, j;

	if (sv->n == 0)
		return;
	qsort(sv->v, sv->n, sizeof(*sv->v), cmp_str);
	for (i = 1, j = 1; i < sv->n; i++) {
		if (strcmp(sv->v[i], sv->v[j - 1]) == 0)
			free(sv->v[i]);
		else
			sv->v[j++] = sv->v[i];
	}
	sv->n = j;
}

int
strvec_contains(const struct strvec *sv, const char *s)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return 1;
	return 0;
}

void
strvec_clear(struct strvec *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

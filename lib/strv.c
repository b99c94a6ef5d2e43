/* strv.c: see strv.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"

void
strv_free(char **v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

char **
strv_copy(const char *const *v, size_t n)
{
	struct strv sv = STRV_INIT;

	for (size_t i = 0; i < n; i++)
		if (strv_push(&sv, v[i]) < 0) {
			strv_clear(&sv);
			return NULL;
		}
	return strv_steal(&sv);
}

int
strv_push(struct strv *sv, const char *s)
{
	char *copy;

	/* Room for s and the NULL after it. */
	if (sv->n + 1 >= sv->cap) {
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
	sv->v[sv->n] = NULL;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
strv_sort_uniq(struct strv *sv)
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
	sv->v[j] = NULL;
}

int
strv_contains(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return 1;
	return 0;
}

void
strv_clear(struct strv *sv)
{
	strv_free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

char **
strv_steal(struct strv *sv)
{
	char **v = sv->v;

	if (v == NULL && (v = calloc(1, sizeof(char *))) == NULL)
		return NULL;
	sv->v = NULL;
	sv->n = sv->cap = 0;
	return v;
}

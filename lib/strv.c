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
	char **c = calloc(n + 1, sizeof(char *));

	if (c == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if ((c[i] = strdup(v[i])) == NULL) {
			strv_free(c);
			return NULL;
		}
	return c;
}

int
strv_append(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(char *));

	if (nv == NULL)
		return -ENOMEM;
	*v = nv;
	if ((nv[*n] = strdup(s)) == NULL) {
		nv[*n] = NULL;
		return -ENOMEM;
	}
	nv[++*n] = NULL;
	return 0;
}

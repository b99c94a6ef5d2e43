/*
 * strv.h: NULL-terminated vectors of malloc'd strings, as config_get_list()
 * returns them and the agent keeps its collectives, agents and classes.
 */
#ifndef METACTL_STRV_H
#define METACTL_STRV_H

#include <stddef.h>

/* NULL is a no-op. */
void strv_free(char **v);
/* A copy of the first n strings, NULL-terminated; NULL when out of memory. */
char **strv_copy(const char *const *v, size_t n);
/* Appends a copy of s to *v (holding *n strings); 0 or -ENOMEM. */
int strv_append(char ***v, size_t *n, const char *s);

#endif

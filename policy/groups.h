/*
 * groups.h: the groups file of a policy directory, MCollective's format:
 * one group per line, "name member member ...", blank-separated; '#'
 * starts a comment line. Members are caller identities (they contain
 * '=': cert=alice, uid=500); names are letters, digits, '_', '-', '.'.
 * A name defined twice is an error.
 */
#ifndef METACTL_POLICY_GROUPS_H
#define METACTL_POLICY_GROUPS_H

#include <stddef.h>

#include "error.h"
#include "policy.h"

struct groups;

/* text is NUL-terminated; err->source is set to source. */
int groups_parse(const char *source, const char *text, size_t len,
    struct groups **ret, struct error *err);
/* -ENOENT (err untouched) when the file does not exist. With report
 * (may be NULL), every line in error goes to it and err holds the first. */
int groups_load(const char *path, const struct policy_report *report,
    struct groups **ret, struct error *err);
void groups_free(struct groups *g);

/* The members of group name (borrowed), or NULL when g has no such group. */
const char *const *groups_find(
    const struct groups *g, const char *name, size_t *ret_n);

#endif

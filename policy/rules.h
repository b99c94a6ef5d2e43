/*
 * rules.h: one policy file, parsed: its rules in order and its default.
 * The grammar is in man/metactl-policy.5; every mistake is an error with
 * file:line:column, nothing is skipped silently.
 */
#ifndef METACTL_POLICY_RULES_H
#define METACTL_POLICY_RULES_H

#include <stddef.h>

#include "error.h"
#include "groups.h"
#include "policy.h"

struct rules;

/*
 * Parses text (NUL-terminated, len bytes) named source in errors. Group
 * names in caller fields are expanded from g (borrowed, may be NULL).
 */
int rules_parse(const char *source, const char *text, size_t len,
    const struct groups *g, struct rules **ret, struct error *err);
/*
 * Checks text as rules_parse() does but reports every line in error to
 * report (err holds the first); returns the first error, or 0.
 */
int rules_lint(const char *source, const char *text, size_t len,
    const struct groups *g, const struct policy_report *report,
    struct error *err);
void rules_free(struct rules *r);

/*
 * Decides r for req: *ret_line is the line of the first matching rule, or
 * 0 when the file's default decided. Returns 1 for allow, 0 for deny.
 */
int rules_check(
    const struct rules *r, const struct policy_request *req, int *ret_line);

#endif

/*
 * filter.h: which nodes a request is for. Shared by the agent (does this
 * node match?), the orchestrator (building filters from -F/-C/-I/-A/-S)
 * and the policy (compound statements over facts and classes).
 *
 * Wire form, the "filter" object of a request; every part present must
 * match, an absent or empty part matches everything:
 *   {"fact":[{"fact":"role","operator":"==","value":"web"}, ...],  all
 *    "class":["web", "/^db::/"],                                   all
 *    "identity":["web1", "/^db/"],                                 any
 *    "agent":["rpcutil"],                                          all
 *    "compound":"role=web and (dc=dc1 or !class_x)"}
 *
 * Fact operators: = == != < > <= >= =~ ("=" is "=="; "=~" and a value
 * written /re/ are POSIX extended regular expressions). In the text forms
 * (-F, -S, compound, policy) an unquoted value may not start with one of
 * = ! < > ~: "cpus>>3" and "cpus=<3" are refused as unknown operators. When both sides
 * parse as numbers, < > <= >= == != compare numerically. Facts are looked
 * up by dotted name in nested objects ("os.release.major").
 *
 * Compound grammar (no eval, no shell):
 *   expr   := term { ("and" | "or") term }   ("and" binds tighter)
 *   term   := ("not" | "!") term | "(" expr ")" | atom
 *   atom   := fact OP value     fact comparison; the names "identity" and
 *                               "agent" compare the identity / agent list
 *           | /regex/           a class matching the regex
 *           | word              a class name
 * Values may be quoted with "..." or '...'.
 */
#ifndef METACTL_FILTER_H
#define METACTL_FILTER_H

#include <stddef.h>
#include <jansson.h>

#include "error.h"

/* What filters are matched against: one node. Everything is borrowed. */
struct filter_subject {
	const char *identity;
	const json_t *facts; /* object, may be NULL */
	const char *const *classes;
	size_t nclasses;
	const char *const *agents;
	size_t nagents;
};

/* 0, or MCE_INVALID with err naming the part at fault. */
int filter_validate(const json_t *filter, struct error *err);
/*
 * 1 when the subject matches, 0 when not. An invalid filter never matches
 * and is not a miss either: MCE_INVALID (filter_validate() says why), or
 * -ENOMEM, or -EINVAL when s is NULL.
 */
int filter_match(const json_t *filter, const struct filter_subject *s);

/* Builders for the CLI: add one -F/-C/-I/-A/-S argument to a filter. */
int filter_add_fact(json_t *filter, const char *expr, struct error *err);
int filter_add_class(json_t *filter, const char *cls, struct error *err);
int filter_add_identity(json_t *filter, const char *id, struct error *err);
int filter_add_agent(json_t *filter, const char *agent, struct error *err);
int filter_set_compound(json_t *filter, const char *expr, struct error *err);

/* Looks up a dotted fact name; borrowed reference or NULL. */
const json_t *filter_fact_lookup(const json_t *facts, const char *name);

/*
 * One fact comparison, "name OP value". Parsing fills err with the column
 * (from 1) of the fault.
 */
struct filter_fact;
int filter_fact_parse(
    const char *text, struct filter_fact **ret, struct error *err);
int filter_fact_eval(
    const struct filter_fact *f, const struct filter_subject *s);
void filter_fact_free(struct filter_fact *f);

/* Compound expressions, as above. Errors carry the column. */
struct filter_expr;
int filter_expr_parse(
    const char *text, struct filter_expr **ret, struct error *err);
int filter_expr_eval(
    const struct filter_expr *e, const struct filter_subject *s);
void filter_expr_free(struct filter_expr *e);

/* A class pattern: a name, or /regex/. 1 when any class matches. */
int filter_class_match(const char *pattern, const struct filter_subject *s);

#endif

/*
 * output.h: human, JSON and JSON-lines renderings of results. Pure apart
 * from writing to the FILE given.
 */
#ifndef METACTL_ORCH_OUTPUT_H
#define METACTL_ORCH_OUTPUT_H

#include <stdio.h>
#include <jansson.h>

#include "ddl.h"
#include "orchestrator/opts.h"
#include "orchestrator/results.h"

/* 1 when colours may be used on f: a terminal, and NO_COLOR unset. */
int output_color_wanted(FILE *f);

/* A value as text: strings with control characters replaced by '?',
 * lists of scalars as "a, b", anything else as compact JSON; caller
 * frees. */
char *output_value_text(const json_t *v);
/* One word as a POSIX shell reads it back: bare when it is plain, else in
 * single quotes; control characters become '?'. */
void output_shell_word(FILE *f, const char *w);

/*
 * The DDL's aggregates over the OK replies: a new array of
 * {"function","output","result"}; summary counts each distinct value,
 * sum/average/min/max work on numbers. Unknown functions are skipped.
 */
json_t *aggregate_compute(const json_t *spec, const struct results *rs);

/* {"ok","failed","invalid","late","no_reply","addressed","elapsed_ms"} */
json_t *output_stats_json(const struct results *rs);
/* One result as a JSON object with a "type" (reply, invalid, late,
 * missing). */
json_t *output_result_json(const struct result *r);
/* The --json document. request: borrowed, may be NULL. */
json_t *output_document(
    const json_t *request, const struct results *rs, const json_t *aggregates);

/*
 * Human rendering: one line per displayed node in the order of o->sort
 * (--sort; status: ok, failed, invalid, late, no reply, not addressed,
 * then identity), each followed by the commands a dry run would have run
 * ("would run: argv", shell-quoted); with o->quiet no line for OK nodes.
 * Values of outputs with a DDL unit are shown in it. Then the summary,
 * the names of the silent nodes and the aggregates (with their format).
 * No result at all: "no node matched" (the filter).
 */
void output_human(FILE *f, const struct results *rs,
    const struct ddl_action *action, const struct orch_opts *o, int color,
    const json_t *aggregates);
/* The start of a node's line: identity, status and what went wrong
 * ("(new)", the failure's message, why it was not addressed or did not
 * answer); an invalid reply is "invalid reply (claims to be ID): why". */
void output_row_head(FILE *f, const struct result *r, size_t width, int color);
/* The identity column's width for rs. */
size_t output_width(const struct results *rs);
/* The results of rs in the order of sort, NULL-terminated; the array is
 * the caller's to free, the results stay rs's; NULL when out of memory. */
const struct result **output_order(
    const struct results *rs, enum sort_key sort);
/* --ids: the identities of the chosen kinds, sorted, one per line. */
void output_ids(FILE *f, const struct results *rs, enum ids_mode ids);
/* "no reply from: a b", "not addressed: c", "late: d", each when any. */
void output_missing(FILE *f, const struct results *rs, int color);
/* "no node matched the filter", or "no node matched" without a filter. */
void output_nomatch(FILE *f, const json_t *filter);
/* Counts of values ({"value": n}), sorted numerically when every value is
 * a number, else by text, one per line after indent, counts aligned. */
void output_counts(FILE *f, const json_t *counts, const char *indent);
/* One node's rpcutil inventory: identity, version, uptime (in the unit
 * of a's "uptime" output), agents, classes, collectives, and its facts
 * with their values when the reply has them (else their count). */
void output_inventory(
    FILE *f, const struct result *r, const struct ddl_action *a);
/* "N nodes: A ok, B failed, C no reply, D not addressed, E new; K invalid
 * replies, 1.23 s" into buf: each node counted once; late, not addressed,
 * new and invalid only when there are any. */
void output_summary(char *buf, size_t size, const struct results *rs);

#endif

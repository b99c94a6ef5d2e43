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
 * Human rendering: one line per displayed node (ok first, failures, then
 * nodes that did not answer, by identity), each followed by the commands
 * a dry run would have run ("would run: argv", shell-quoted), then the
 * summary, the names of the silent nodes and the aggregates. rs must be
 * sorted.
 */
void output_human(FILE *f, const struct results *rs,
    const struct ddl_action *action, enum display_mode display, int color,
    const json_t *aggregates);
/* "no reply from: a b c" when some node did not answer. */
void output_missing(FILE *f, const struct results *rs, int color);
/* "N nodes: A ok, B failed, C no reply, 1.23 s" into buf. */
void output_summary(char *buf, size_t size, const struct results *rs);

#endif

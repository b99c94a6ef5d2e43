/*
 * node.h: what the node knows of itself: facts and classes.
 *
 * Facts come from a file (a JSON object, or "key: value" lines whose dotted
 * keys build nested objects) and/or from a command printing a JSON object;
 * the command's facts win. Classes come from a file, one per line ('#'
 * starts a comment). node_load() builds a complete new set or fails and
 * leaves nothing behind, so a reload can keep the previous set on error.
 */
#ifndef METACTLD_NODE_H
#define METACTLD_NODE_H

#include <stddef.h>
#include <jansson.h>

#include "error.h"

struct node_sources {
	const char *facts_file; /* NULL: none */
	const char *facts_command; /* argv split on blanks; NULL: none */
	const char *classes_file; /* NULL: none */
	long long command_timeout_ms;
};

struct node {
	unsigned refs; /* node_free() drops one; node_hold() adds one */
	json_t *facts; /* object, owned */
	char **classes; /* NULL-terminated, owned */
	size_t nclasses;
};

/* 0 and a new node, or a negative code with err naming file:line. */
int node_load(
    const struct node_sources *s, struct node **ret, struct error *err);
struct node *node_hold(struct node *n);
void node_free(struct node *n);

/*
 * Parsers, exposed for the unit tests. node_parse_facts() accepts a JSON
 * object or "key: value" lines; values that read as integers, numbers,
 * true/false become those JSON types. source names the text in errors.
 */
json_t *node_parse_facts(
    const char *text, size_t len, const char *source, struct error *err);
int node_parse_classes(const char *text, size_t len, char ***ret, size_t *ret_n,
    struct error *err);
/* Runs argv (no shell) and returns its stdout, at most max bytes. */
int node_run_command(const char *cmdline, long long timeout_ms, size_t max,
    char **ret_out, size_t *ret_len, struct error *err);

#endif

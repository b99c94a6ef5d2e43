/*
 * node.h: what the node knows of itself: facts and classes.
 *
 * Facts come from a file (a JSON object, or "key: value" lines whose dotted
 * keys build nested objects) and/or from a command printing a JSON object;
 * the command's facts win. Classes come from a file, one per line ('#'
 * starts a comment). A load builds a complete new set or fails and leaves
 * nothing behind, so a reload can keep the previous set on error.
 *
 * The facts command runs through spawn.c like any program the agent runs,
 * without blocking the event loop: node_load_start() calls back once it is
 * done. node_load() waits for that on a loop that serves nothing yet.
 */
#ifndef METACTLD_NODE_H
#define METACTLD_NODE_H

#include <stddef.h>
#include <jansson.h>
#include <uv.h>

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

/*
 * 0 and a new node built from the files of s and cmd_out, what the facts
 * command printed (NULL: no command), or a negative code with err naming
 * file:line.
 */
int node_build(const struct node_sources *s, const char *cmd_out,
    size_t cmd_len, struct node **ret, struct error *err);

/*
 * Loads the node of s on loop (s is copied). cb runs exactly once with 0
 * and a new node, or a negative code (MCE_TIMEOUT when the command ran out
 * of time, MCE_CONFIG when it failed) and err saying why: from the loop
 * once the facts command is done, or before node_load_start() returns when
 * there is no command or it cannot start (*ret is then NULL). Otherwise
 * *ret is the load in progress until cb runs.
 */
struct node_load;
typedef void (*node_load_cb)(
    int r, struct node *n, const struct error *err, void *arg);
void node_load_start(uv_loop_t *loop, const struct node_sources *s,
    node_load_cb cb, void *arg, struct node_load **ret);
/* Kills the command; cb never runs. NULL is a no-op. */
void node_load_cancel(struct node_load *l);
/*
 * node_load_start() and the loop run until it is done: for start-up and
 * -n only, before the loop serves anything.
 */
int node_load(uv_loop_t *loop, const struct node_sources *s, struct node **ret,
    struct error *err);
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

#endif

/*
 * ddl.h: data descriptions of agents and their actions
 * (schemas/ddl/<agent>.json, schema in schemas/ddl.schema.json).
 *
 *   {"agent":"service","version":"1.0","description":"...","timeout":30,
 *    "actions":{"restart":{
 *      "description":"...","display":"always"|"ok"|"failed",
 *      "input":{"app":{"type":"string","description":"...",
 *                      "optional":false,"default":...,"pattern":"^[a-z]+$",
 *                      "maxlength":64,"enum":[...],"shellsafe":true}},
 *      "output":{"status":{"type":"string","description":"...",
 *                          "display_as":"Status","default":...}},
 *      "aggregate":[{"function":"summary","output":"status"}]}}}
 *
 * Types: string, integer, number, boolean, array, object.
 * shellsafe strings reject ` $ ; & | < > ( ) { } [ ] \ ' " newline and NUL
 * and anything starting with '-'; paths never contain "..".
 */
#ifndef METACTL_DDL_H
#define METACTL_DDL_H

#include <stddef.h>
#include <jansson.h>

#include "error.h"

enum ddl_type {
	DDL_STRING,
	DDL_INTEGER,
	DDL_NUMBER,
	DDL_BOOLEAN,
	DDL_ARRAY,
	DDL_OBJECT
};
const char *ddl_type_str(enum ddl_type t);

/*
 * What an output's number means, for human rendering ("unit" in the DDL;
 * JSON output keeps the raw number): a duration in seconds or
 * milliseconds, a size in bytes, a Unix time in milliseconds or seconds.
 * Only integer and number outputs carry one.
 */
enum ddl_unit {
	DDL_UNIT_NONE,
	DDL_UNIT_S,
	DDL_UNIT_MS,
	DDL_UNIT_BYTES,
	DDL_UNIT_TIME_MS,
	DDL_UNIT_TIME
};
/* "s", "ms", "bytes", "time_ms", "time"; NULL for DDL_UNIT_NONE. */
const char *ddl_unit_str(enum ddl_unit u);

struct ddl_input;
struct ddl_output {
	const char *name;
	enum ddl_type type;
	const char *description;
	const char *display_as;
	const json_t *def; /* may be NULL */
	enum ddl_unit unit;
};

/*
 * An aggregate's "format": printf text with exactly one conversion of a
 * number (flags, a width and a precision of at most two digits each; no
 * '*', no length modifier, "%%" for a percent sign; 64 bytes at most). 'f' when it converts a double
 * (f F e E g G), 'd' when an integer (d i), 0 when fmt is not such a
 * format: a format from a DDL never reaches printf unchecked.
 */
int ddl_format_kind(const char *fmt);

struct ddl_action {
	const char *name;
	const char *description;
	const char *display; /* "always", "ok", "failed" */
	const struct ddl_input *inputs;
	size_t ninputs;
	const struct ddl_output *outputs;
	size_t noutputs;
	const json_t *aggregate; /* array or NULL */
	/* The action that undoes this one with the same inputs (metactl
	 * rollout --rollback), or NULL. */
	const char *inverse;
};

struct ddl {
	const char *agent;
	const char *version;
	const char *description;
	int timeout; /* seconds; 0: the agent's default */
	const struct ddl_action *actions;
	size_t nactions;
	json_t *doc; /* the whole document; owned */
};

int ddl_parse(const char *text, size_t len, const char *source,
    struct ddl **ret, struct error *err);
int ddl_load_file(const char *path, struct ddl **ret, struct error *err);
void ddl_free(struct ddl *d);
const struct ddl_action *ddl_find_action(const struct ddl *d, const char *name);

/* Input descriptions, for --help and docs. */
const char *ddl_input_name(const struct ddl_action *a, size_t i);
const char *ddl_input_description(const struct ddl_action *a, size_t i);
enum ddl_type ddl_input_type(const struct ddl_action *a, size_t i);
int ddl_input_optional(const struct ddl_action *a, size_t i);

/*
 * Checks a request's data against the action and fills defaults in place:
 * unknown keys and wrong types are MCE_INVALID, a missing required input is
 * MCE_MISSING; err->text names the input and the rule it broke.
 */
int ddl_validate(const struct ddl_action *a, json_t *data, struct error *err);
/* Adds one CLI "key=value" to data, typed by the action's input. */
int ddl_parse_argument(const struct ddl_action *a, const char *kv, json_t *data,
    struct error *err);

/* Every "*.json" of a directory, sorted by agent name. */
struct ddl_set {
	struct ddl **ddls;
	size_t n;
};
int ddl_set_load_dir(struct ddl_set *set, const char *dir, struct error *err);
const struct ddl *ddl_set_find(const struct ddl_set *set, const char *agent);
void ddl_set_clear(struct ddl_set *set);

#endif

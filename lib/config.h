/*
 * config.h: INI files, layered, with %(VAR) interpolation.
 *
 * Syntax: "[section]" headers (names may contain dots: [daemon.web]),
 * "key = value" lines (keys may contain dots: jvm.heap.max), comments
 * starting with '#' or ';' on their own line, blank lines. Leading and
 * trailing blanks around keys and values are dropped; a value may be
 * double-quoted to keep them. Keys before any section header belong to
 * the section "" (global). A malformed line is an error with file:line.
 *
 * Layers: config_load_*() on a config that already holds values merges
 * the new layer on top, key by key (later layers win); each value keeps
 * the file and line it came from.
 *
 * Interpolation: config_interpolate() replaces %(NAME) in every value with
 * the merged value of NAME in the env section (recursively, loops are an
 * error); "%%" is a literal '%'. An unknown NAME is an error naming it.
 */
#ifndef METACTL_CONFIG_H
#define METACTL_CONFIG_H

#include <stddef.h>
#include <jansson.h>

#include "error.h"

struct config;
struct config *config_new(void);
void config_free(struct config *c);

int config_load_file(struct config *c, const char *path, struct error *err);
int config_load_string(struct config *c, const char *source, const char *text,
    size_t len, struct error *err);
int config_interpolate(
    struct config *c, const char *env_section, struct error *err);

/* Borrowed value, or NULL when absent. */
const char *config_get(
    const struct config *c, const char *section, const char *key);
/* Typed getters: absent -> *ret = def and 0; malformed -> MCE_CONFIG with
 * err at the value's file:line. */
int config_get_int(const struct config *c, const char *section, const char *key,
    long long def, long long *ret, struct error *err);
int config_get_bool(const struct config *c, const char *section,
    const char *key, int def, int *ret, struct error *err);
/* Sizes: 1048576, 64k, 1M, 2G. */
int config_get_size(const struct config *c, const char *section,
    const char *key, size_t def, size_t *ret, struct error *err);
/* Durations in ms: 500ms, 30s, 5m, 1h; a bare number is seconds. */
int config_get_duration_ms(const struct config *c, const char *section,
    const char *key, long long def, long long *ret, struct error *err);
/* Comma- or blank-separated list; *ret is a NULL-terminated malloc'd array
 * of malloc'd strings (free with strv_free(), strv.h). */
int config_get_list(const struct config *c, const char *section,
    const char *key, char ***ret, size_t *ret_n);

/* Where a value was set: 0 and file/line, or -ENOENT. */
int config_origin(const struct config *c, const char *section, const char *key,
    const char **ret_file, int *ret_line);

/*
 * Where a value was set, or with key NULL where its section was first
 * opened ("[name]": key_column is the name's, column 0): 0, or -ENOENT.
 * Columns count bytes from 1; column is the value's first byte (after a
 * quote).
 */
struct config_where {
	const char *file; /* borrowed from the config */
	int line;
	int key_column;
	int column;
};
int config_where(const struct config *c, const char *section, const char *key,
    struct config_where *ret);

/* Sections and keys in the order they were first defined. */
size_t config_nsections(const struct config *c);
const char *config_section(const struct config *c, size_t i);
size_t config_nkeys(const struct config *c, const char *section);
const char *config_key(const struct config *c, const char *section, size_t i);

/* {"section": {"key": "value", ...}, ...}; new reference. */
json_t *config_to_json(const struct config *c);

#endif

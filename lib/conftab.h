/*
 * conftab.h: configuration files described by a table.
 *
 * A program describes each key of its file once, in a NULL-terminated
 * array of struct conftab_key: section, name, type, the field of its own
 * struct that holds the value, the default as it would be written in the
 * file, the accepted range, and whether a change applies on reload or only
 * on restart. conftab_defaults() and conftab_fill() then do the parsing,
 * the defaults, the errors for unknown keys and bad values (with file and
 * line), conftab_keep() the reload decision, conftab_clear() the freeing;
 * a unit test holds each table against the program's manual page.
 */
#ifndef METACTL_CONFTAB_H
#define METACTL_CONFTAB_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "error.h"

enum conftab_type {
	CONFTAB_STRING, /* char *; "" leaves it NULL unless CONFTAB_EMPTY */
	CONFTAB_LIST, /* char ** (NULL-terminated, strv.h) and a size_t count */
	CONFTAB_BOOL, /* int, 0 or 1 */
	CONFTAB_INT, /* an integer field of .size bytes */
	CONFTAB_SIZE, /* bytes (64k, 1M): an integer field */
	CONFTAB_DURATION, /* 500ms, 30s, 5m: an integer field in units of .scale ms */
	CONFTAB_MODE, /* an octal permission mode: an integer field */
	CONFTAB_ENUM, /* int: the index of the value in .names */
};

/* flags */
#define CONFTAB_RESTART 0x1 /* a reload keeps the running value */
#define CONFTAB_HOME 0x2 /* strings: a leading "~/" is $HOME */
#define CONFTAB_EMPTY 0x4 /* strings: "" is a value, not "unset" */
#define CONFTAB_OFF 0x8 /* strings: "off" unsets, "" is an error */
#define CONFTAB_ZERO 0x10 /* numbers: 0 is accepted outside the range */
#define CONFTAB_SECRET 0x20 /* never shown */
#define CONFTAB_START 0x40 /* used once at start: a reload keeps it quietly */

struct conftab_key {
	const char *section; /* "" for keys before any section header */
	const char *key;
	enum conftab_type type;
	size_t offset; /* of the field in the program's struct */
	size_t size; /* of that field */
	size_t count; /* lists: offset of the size_t count */
	/*
	 * The default, as written in the file; "@sysconfdir@",
	 * "@localstatedir@", "@runstatedir@", "@pkgdatadir@" and
	 * "@pkglibexecdir@" stand for the build's directories. NULL: none,
	 * or def_doc says what the program computes.
	 */
	const char *def;
	const char
	    *def_doc; /* the manual's words for the default, if not def */
	long long min, max; /* numbers (ms for durations); both 0: any */
	long long scale; /* durations: ms per unit of the field; 0 is 1 */
	const char *const *names; /* enums: NULL-terminated */
	unsigned flags;
	/* Further checks of a parsed value: NULL, or why it is refused. */
	const char *(*check)(const void *field);
};

/* CONFTAB_FIELD(struct conf, heartbeat): .offset and .size of a field. */
#define CONFTAB_FIELD(type, field) \
	.offset = offsetof(type, field), .size = sizeof(((type *)0)->field)

/* The default of k with @dir@ names replaced by the build's directories,
 * into buf; NULL when k has none. */
const char *conftab_default(
    const struct conftab_key *k, char *buf, size_t size);
/*
 * The same with the directories given: vars is a NULL-terminated list of
 * name, value pairs ({"sysconfdir", "/etc", ..., NULL}).
 */
const char *conftab_default_with(const struct conftab_key *k,
    const char *const *vars, char *buf, size_t size);

/* Sets every field of obj that has a default. 0 or -ENOMEM. */
int conftab_defaults(const struct conftab_key *tab, void *obj);
/*
 * Sets the fields of obj from cfg over what they hold. Unknown sections
 * and keys, malformed and out-of-range values are MCE_CONFIG with err at
 * the value's file:line; -ENOMEM otherwise.
 */
int conftab_fill(const struct conftab_key *tab, void *obj,
    const struct config *cfg, struct error *err);
/* Sets err to the file:line of [section] key in cfg, and the message
 * "[section] key: why" (just "key: why" for the global section). */
int conftab_error(const struct config *cfg, const char *section,
    const char *key, struct error *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/*
 * Reload: for every CONFTAB_RESTART and CONFTAB_START key, nobj gets the value of oobj (the
 * running one) and oobj that of nobj, so that clearing oobj frees what
 * was loaded. Calls changed(k) for each CONFTAB_RESTART key whose value
 * differed.
 */
void conftab_keep(const struct conftab_key *tab, void *nobj, void *oobj,
    void (*changed)(const struct conftab_key *k));
/* Frees the strings and lists of obj and zeroes the fields of the table. */
void conftab_clear(const struct conftab_key *tab, void *obj);
/*
 * Writes every key of the table with its value in obj, in the syntax of
 * the file, section by section; CONFTAB_SECRET values show as "***".
 */
void conftab_print(const struct conftab_key *tab, const void *obj, FILE *f);
/* "[section] key", or "key" in the global section, into buf. */
const char *conftab_name(const struct conftab_key *k, char *buf, size_t size);

#endif

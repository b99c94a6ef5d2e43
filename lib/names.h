/*
 * names.h: the rules for every kind of name metactl carries, in one table.
 *
 * A name travels into AMQP routing keys and queue names, file names,
 * policies and command lines; every reader and writer of one (the message
 * codec, the certificate parser, metactld's configuration and agent
 * loader, metactl's options) checks it here, and docs/PROTOCOL.md and
 * schemas/ repeat the table (a unit test compares them).
 *
 * The limits, and why:
 *   identity     the node queue "metactl.node.IDENTITY" is an AMQP short
 *                string (255 bytes): 255 - 13 = 242.
 *   certificate  a node certificate's name is its identity; a caller's
 *                ("alice@example.com") follows the same rule.
 *   collective,  the broadcast routing key "COLLECTIVE.AGENT" is a short
 *   agent        string too, and '.' separates its words: 64 each, no '.'.
 *                Agent names are also file names (AGENT.json, external
 *                agents): lowercase, so that no two differ only by case.
 *   action       as in a DDL: a letter, then letters, digits, '_', '-'.
 *   app, tag     directory names (APPS/APP/releases/TAG): no '/', no
 *                "..", no leading '-' or '.'.
 *   fact         a dotted path into the facts: what the filter grammar
 *                reads as one name, at most 256 bytes.
 *   caller       what a request claims as its sender; only logged.
 *   daemon       [daemon.NAME] of an app, the unit metactl-APP-DAEMON: no
 *                '-' or '.', so the last '-' of a unit name ends the app.
 */
#ifndef METACTL_NAMES_H
#define METACTL_NAMES_H

#include <stddef.h>

#define NAME_IDENTITY_MAX 242
#define NAME_COLLECTIVE_MAX 64
#define NAME_AGENT_MAX 64
#define NAME_ACTION_MAX 64
#define NAME_APP_MAX 64
#define NAME_TAG_MAX 128
#define NAME_FACT_MAX 256
#define NAME_CALLER_MAX 255
#define NAME_DAEMON_MAX 32

enum name_kind {
	NAME_IDENTITY,
	NAME_CERT,
	NAME_COLLECTIVE,
	NAME_AGENT,
	NAME_ACTION,
	NAME_APP,
	NAME_TAG,
	NAME_FACT,
	NAME_CALLER,
	NAME_DAEMON,
	NAME_KINDS /* how many */
};

struct name_rule {
	const char *kind; /* "identity": the table's key */
	const char *noun; /* "a node identity", for messages */
	size_t max; /* bytes */
	/* The characters allowed (with first: where the name may start),
	 * in words, e.g. "letters, digits, '.', '_', '@' and '-' only". */
	const char *chars_text;
	/* The rule as a regular expression (the schemas' "pattern", with
	 * "minLength": 1 and "maxLength": max beside it). */
	const char *pattern;
	const char *doc; /* why the rule, one line */
};

/* The rule of kind; never NULL for a kind below NAME_KINDS. */
const struct name_rule *name_rule(enum name_kind kind);

/* 1 when s (NULL: no) is a name of that kind, else 0. */
int name_ok(enum name_kind kind, const char *s);

/*
 * NULL when s is a name of that kind, else why not, in words that follow
 * "is not NOUN: " (a static string): "empty", "longer than 64
 * characters", "' ' is not allowed: letters, digits ... only", ...
 */
const char *name_why(enum name_kind kind, const char *s);

/*
 * 0 when s is a name of that kind; else -EINVAL with buf holding the
 * whole sentence: "'x y' is not an app name: ' ' is not allowed (letters,
 * digits, '.', '_' and '-' only)". s is shown shortened and with
 * unprintable bytes as '?'.
 */
int name_check(enum name_kind kind, const char *s, char *buf, size_t size);

#endif

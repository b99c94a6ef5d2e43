/*
 * policy.h: the action policy, MCollective's actionpolicy grammar made
 * strict (man/metactl-policy.5 has the full grammar and examples).
 *
 * A policy directory holds <agent>.policy files, an optional
 * <default_name>.policy used for agents without a file of their own, and
 * an optional "groups" file naming lists of callers. A request is checked
 * against its agent's file (or the default file); the first rule whose
 * callers, actions (with their argument constraints), facts and classes
 * all match decides; when none does, the file's "policy default" does
 * (deny when the file has none); when no file applies,
 * allow_unconfigured does.
 *
 * Callers are compared exactly: "uid=50" never matches "uid=500".
 */
#ifndef METACTL_POLICY_H
#define METACTL_POLICY_H

#include <jansson.h>

#include "error.h"
#include "filter.h"

struct policy_options {
	const char *dir; /* policy directory */
	const char *default_name; /* "default" -> default.policy */
	int enable_default; /* use default.policy when no agent file */
	int allow_unconfigured; /* decision when no file applies; default 0 */
};

/* Everything is borrowed for the duration of policy_check(). */
struct policy_request {
	const char *caller; /* "cert=alice"-style or "uid=500" */
	const char *agent;
	const char *action;
	const json_t *data; /* the action's arguments, object */
	const struct filter_subject *node; /* facts and classes of this node */
};

/*
 * origin may be told to the caller (a denial says why) and so names no
 * directory; file, for the node's own log and audit, is the full path.
 */
struct policy_decision {
	int allowed;
	char file[256]; /* deciding file, "" when not a file */
	int line; /* deciding line, 0 for a default */
	char origin[320]; /* "service.policy:4",
			     "service.policy: policy default",
			     "allow_unconfigured" */
};

struct policy_set;

/*
 * Loads every *.policy file and the groups file and checks them all; the
 * first error fills err (file:line:column) and nothing is returned. A
 * missing directory is an error (-ENOENT); an empty one is not. The
 * options are copied.
 */
int policy_set_load(
    const struct policy_options *o, struct policy_set **ret, struct error *err);
void policy_set_free(struct policy_set *s);

/*
 * Decides one request; 0 with *ret filled, or MCE_INVALID when the request
 * lacks an agent or action (then *ret denies).
 */
int policy_check(const struct policy_set *s, const struct policy_request *r,
    struct policy_decision *ret);

/*
 * Receives every error of a file in turn, for lint: the parsers go on at
 * the next line after an error instead of stopping at the first.
 */
struct policy_report {
	void (*fn)(const struct error *err, void *arg);
	void *arg;
};

/*
 * Parses one file standalone (lint); groups taken from the same directory
 * when present. A file named "groups" is checked as a groups file. With
 * report, every error is passed to it; err holds the first either way.
 */
int policy_lint_file(
    const char *path, const struct policy_report *report, struct error *err);

#endif

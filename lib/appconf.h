/*
 * appconf.h: an app's configuration, merged from its three layers.
 *
 *   .metactl at the root of the release  <  site layer  <  node layer
 *
 * Later layers win key by key (lib/config.c); %(VAR) then expands from the
 * merged [env] section. Every value keeps the layer and the file:line it
 * came from, for `metactl config show` and the service agent's `config`
 * action. Sections and keys are checked against what metactl-app(5)
 * documents: an unknown section or key, a bad value, an unknown variable or
 * a cycle is an error with file:line:column.
 *
 * Layout on a node (apps_dir from metactld.conf [apps] dir):
 *   APPS/APP/releases/TAG/           one release (.metactl at its root)
 *   APPS/APP/current                 symlink to the running release
 *   APPS/APP/state/sites/TAG.conf    the site layer that came with TAG
 *   NODE_DIR/APP.conf                the node layer
 */
#ifndef METACTL_APPCONF_H
#define METACTL_APPCONF_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

#include "config.h"
#include "error.h"

/* Where apps and node layers are unless configured otherwise
 * (metactld.conf [apps] dir and node_dir). */
#define APPCONF_APPS_DIR "/srv/metactl"
#define APPCONF_NODE_DIR SYSCONFDIR "/metactl/nodes"

enum appconf_layer {
	APPCONF_APP, /* .metactl of the release */
	APPCONF_SITE,
	APPCONF_NODE,
	APPCONF_NLAYERS
};

/* "app", "site", "node". */
const char *appconf_layer_name(enum appconf_layer l);

/*
 * One layer's source: a file (path, text NULL: read it) or text already
 * in memory (a site layer inside a request; path names it in errors).
 * path NULL: the layer is absent. A file that does not exist is an error
 * unless optional is set, then the layer is absent.
 */
struct appconf_src {
	const char *path;
	const char *text;
	size_t len;
	int optional;
};

/*
 * The paths of APP's layers on a node, into the caller's buffers (each at
 * least PATH_MAX): APPS/APP/current/.metactl, the site layer of the
 * release current names (APPS/APP/state/sites/TAG.conf), NODE_DIR/APP.conf.
 * The release directory itself goes to release (may be NULL). The site
 * and node layers are optional, the app layer is not. 0, or -EINVAL for an
 * app name the names table refuses, -ENAMETOOLONG, or -errno reading the
 * current link (-ENOENT: the app has no current release; -EINVAL too when
 * it does not name releases/TAG).
 */
int appconf_node_paths(const char *apps_dir, const char *node_dir,
    const char *app, struct appconf_src src[APPCONF_NLAYERS],
    char bufs[APPCONF_NLAYERS][4096], char *release, size_t release_size);

struct appconf;

/*
 * Loads and merges the layers, interpolates, and checks the result. app is
 * the app's name (checked by the names table). 0, or a negative code with
 * err set (MCE_CONFIG for anything wrong in a file, source:line:column).
 */
int appconf_load(const char *app, const struct appconf_src src[APPCONF_NLAYERS],
    struct appconf **ret, struct error *err);
void appconf_free(struct appconf *a);

const char *appconf_app(const struct appconf *a);
/* The merged, interpolated configuration; borrowed. */
const struct config *appconf_config(const struct appconf *a);
/* Which layer set section.key (-1 when absent), and where. */
int appconf_origin(const struct appconf *a, const char *section,
    const char *key, enum appconf_layer *ret_layer, const char **ret_file,
    int *ret_line);

enum appconf_platform {
	APP_PLATFORM_JVM,
	APP_PLATFORM_JETTY,
	APP_PLATFORM_EXEC
};
/* "jvm", "jetty", "exec". */
const char *appconf_platform_name(enum appconf_platform p);

/*
 * One [daemon.NAME] section, checked and typed. Strings are borrowed from
 * the appconf; NULL when not set. Lists are NULL-terminated (never NULL).
 */
struct app_daemon {
	const char *name; /* NAME: the names table's daemon rule */
	enum appconf_platform platform;
	const char *user; /* default "nobody" */
	const char *group; /* NULL: the user's primary group */
	const char *cwd; /* NULL: the release directory */
	const char *description; /* NULL: "APP NAME" */
	int notify; /* ready = notify: the daemon signals readiness */
	const char *restart; /* always | on-failure | never; default always */
	long long stop_timeout_ms; /* stop.timeout, default 10s */
	/* exec */
	const char *command; /* split with appconf_split() */
	/* jvm */
	const char *jvm_heap_min; /* -Xms; NULL: none */
	const char *jvm_heap_max; /* -Xmx; NULL: none */
	const char *jvm_opts; /* extra JVM options, split */
	const char *jvm_jar; /* the jar, then its arguments, split */
	/* jetty */
	const char *jetty_war; /* relative to the release, or absolute */
	const char *jetty_host; /* default 127.0.0.1 */
	long long jetty_port; /* required */
	const char *jetty_context; /* default "/" */
	/* reload: a signal name (HUP, USR1...) or NULL: no reload */
	const char *reload_signal;
};

size_t appconf_ndaemons(const struct appconf *a);
/* In the order of the sections; NULL past the end. */
const struct app_daemon *appconf_daemon(const struct appconf *a, size_t i);
const struct app_daemon *appconf_daemon_find(
    const struct appconf *a, const char *name);

/* One [crontab] entry: NAME = MINUTE HOUR DOM MONTH DOW COMMAND. */
struct app_cron {
	const char *name;
	const char *schedule; /* the five fields, single-spaced */
	const char *command; /* the rest of the line */
	const char *description; /* NAME.description, or NULL */
	const char *user; /* [crontab] user = ..., default "nobody" */
};
size_t appconf_ncrons(const struct appconf *a);
const struct app_cron *appconf_cron(const struct appconf *a, size_t i);

/* The merged [env] as "NAME=value" strings, NULL-terminated; borrowed. */
const char *const *appconf_env(const struct appconf *a);

/*
 * Splits a command line on blanks into argv; double quotes keep blanks and
 * backslash escapes '"' and '\\' inside them. No shell, no globbing, no
 * variables (those were interpolated already). A NULL-terminated malloc'd
 * array (strv_free()), or NULL with err set for an unterminated quote.
 */
char **appconf_split(const char *s, struct error *err);

/*
 * The merged configuration with provenance:
 * {"app": APP, "layers": [{"layer": "app", "file": PATH|null}, ...],
 *  "sections": {SECTION: {KEY: {"value": V, "layer": L, "file": F,
 *  "line": N}}}}; new reference.
 */
json_t *appconf_to_json(const struct appconf *a);
/* The same as INI text, each value followed by "# LAYER FILE:LINE". */
int appconf_show(const struct appconf *a, FILE *out);

#endif

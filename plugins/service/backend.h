/*
 * backend.h: the platform's service managers, one struct each.
 *
 * A backend turns a daemon (struct svc_unit, built from the app's
 * [daemon.NAME] section by unit.c) into the manager's own definition
 * (systemd unit, runit or s6 service directory, SMF manifest, Upstart
 * job) and into the manager's own commands. It never does anything
 * itself: each operation appends steps to a plan (plan.h), which the
 * agent performs or, under dry_run, returns.
 *
 * Waiting is the manager's: start and restart plans end with a step that
 * returns when the manager says the daemon is up (systemctl's job
 * completion, s6-svwait, runit's supervise state watched with inotify by
 * metactl-svwait, svcadm -s, initctl's own wait) and has stayed up for
 * the start grace, and fails with the manager's reason otherwise.
 */
#ifndef METACTL_SERVICE_BACKEND_H
#define METACTL_SERVICE_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "plugins/service/plan.h"

/* What the node's metactld.conf [apps] says, for every backend. */
struct svc_node {
	const char *manager; /* "systemd", "runit", "s6", "smf", "upstart" */
	/* Where definitions go: the systemd unit directory, the runit or s6
	 * scan directory, the SMF manifest directory, the Upstart job
	 * directory. */
	const char *service_dir;
	/* Where runit and s6 keep the service directories themselves (the
	 * scan directory holds links to them); logs go to DIR/NAME/log. */
	const char *supervise_dir;
	const char *apps_dir;
	const char *cron_dir;
	const char *java;
	const char *jetty_home;
	const char *svwait; /* the metactl-svwait helper, absolute */
	long long start_timeout_ms;
	long long start_grace_ms;
};

/* One daemon, ready to render. */
struct svc_unit {
	const char *app;
	const char *daemon;
	const char *unit; /* "metactl-APP-DAEMON" */
	const char *description;
	const char *const *argv; /* absolute argv[0] */
	const char *const *env; /* "NAME=value", NULL-terminated */
	const char *user;
	const char *group; /* NULL: the user's primary group */
	const char *cwd;
	int notify; /* the daemon reports readiness itself */
	const char *restart; /* always | on-failure | never */
	long long stop_timeout_ms;
	const char *reload_signal; /* "HUP"...; NULL: reload is refused */
	/* NULL, or the named network namespace (/run/netns/NETNS) the daemon
	 * runs in: the app's [sandbox.net] (plugins/sandbox/). SMF and
	 * Upstart refuse such a unit with -ENOTSUP. */
	const char *netns;
};

/* What the manager says of a daemon. */
struct svc_state {
	char state[16]; /* "up", "down", "starting", "stopping", "failed" */
	long pid; /* 0 when none */
	long long since_s; /* seconds in the current state; -1 unknown */
	int ready; /* 1 ready, 0 not yet, -1 the manager cannot tell */
	int last_exit; /* -1 unknown */
	int last_signal; /* 0 none */
	char detail[160]; /* the manager's own words, one line */
};

struct svc_backend {
	const char *name;
	/* Writes (and registers with the manager) u's definition. */
	int (*install)(
	    const struct svc_node *n, const struct svc_unit *u, struct plan *p);
	/* Stops u and removes its definition. */
	int (*uninstall)(
	    const struct svc_node *n, const struct svc_unit *u, struct plan *p);
	int (*start)(
	    const struct svc_node *n, const struct svc_unit *u, struct plan *p);
	int (*stop)(
	    const struct svc_node *n, const struct svc_unit *u, struct plan *p);
	int (*restart)(
	    const struct svc_node *n, const struct svc_unit *u, struct plan *p);
	/* -ENOTSUP when u has no reload signal. */
	int (*reload)(
	    const struct svc_node *n, const struct svc_unit *u, struct plan *p);
	/* RUN steps flagged PLAN_OUTPUT; their stdout, concatenated in order,
	 * goes to status_parse(). */
	int (*status)(
	    const struct svc_node *n, const struct svc_unit *u, struct plan *p);
	int (*status_parse)(const struct svc_node *n, const struct svc_unit *u,
	    const char *out, struct svc_state *st);
	/* The argv an operator runs to read u's logs (journalctl -u ...,
	 * less DIR/log/current); NULL-terminated, malloc'd (strv_free()). */
	char **(*logs)(const struct svc_node *n, const struct svc_unit *u);
};

extern const struct svc_backend svc_backend_systemd;
extern const struct svc_backend svc_backend_runit;
extern const struct svc_backend svc_backend_s6;
extern const struct svc_backend svc_backend_smf;
extern const struct svc_backend svc_backend_upstart;

struct node_apps;
/* n from the node's [apps] settings as an action sees them (plugin.h);
 * the strings are borrowed. */
void svc_node_settings(const struct node_apps *a, struct svc_node *n);

/* By name; NULL when unknown. */
const struct svc_backend *svc_backend_find(const char *name);

/*
 * The manager running this machine, from the platform's own marks:
 * /run/systemd/system (systemd), /etc/svc/volatile (SMF), initctl with
 * /run/upstart or /var/run/upstart (Upstart), a running s6-svscan or
 * runsvdir on service_dir (s6, runit). root is prepended to every path
 * (tests); NULL for "/". Returns the name, or NULL when none is found.
 */
const char *svc_backend_detect(const char *root, const char *service_dir);

#endif

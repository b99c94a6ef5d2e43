/*
 * svdir.h: what runit's and s6's service directories share.
 *
 * Both backends keep the real directory in supervise_dir/UNIT and link
 * service_dir/UNIT to it. It holds run (the daemon, as its user, with
 * only its own environment), finish (records how the daemon exited in
 * last-exit, "EXIT SIGNAL\n", written beside and renamed), down (present
 * while the daemon is stopped, so it does not start on its own), and the
 * log service log/run writing into log/main/current.
 */
#ifndef METACTL_SERVICE_SVDIR_H
#define METACTL_SERVICE_SVDIR_H

#include <stddef.h>

#include "plugins/service/backend.h"
#include "plugins/service/plan.h"

/*
 * Where the build installs metactl-svwait, the helper that waits for
 * runsv's and s6-supervise's state with inotify: the default of struct
 * svc_node's svwait. PKGLIBEXECDIR comes from the build (Makefile.am).
 */
#define SVDIR_SVWAIT PKGLIBEXECDIR "/metactl-svwait"

/* supervise_dir/UNIT[/rel] into buf; 0 or -ENAMETOOLONG. */
int svdir_path(const struct svc_node *n, const struct svc_unit *u,
    const char *rel, char *buf, size_t size);

/*
 * The run script: "exec 2>&1", cd to u->cwd, then exec of setuid (the
 * manager's own words for "become u->user", NULL-terminated) followed by
 * "env -i" with u->env (and a PATH unless u->env has one) and u->argv.
 * Every word is single-quoted. New string, NULL when out of memory.
 */
char *svdir_run_script(const struct svc_unit *u, const char *const *setuid);

/* What a manager puts into the layout both share. */
struct svdir_words {
	/* Becoming u->user: the words before env -i in run (svdir_run_script). */
	const char *const *setuid;
	const char *log_run; /* the log service's run script */
	/* A line of finish that keeps the daemon down (u->restart "never",
	 * or "on-failure" after a clean exit). */
	const char *keep_down;
	int notify_fd; /* the content of notification-fd; 0: none */
};

/*
 * Appends the steps writing u's service directory, ending with the link
 * service_dir/UNIT. 0 or -errno (-EINVAL: u->argv[0] is not absolute).
 */
int svdir_install(const struct svc_node *n, const struct svc_unit *u,
    const struct svdir_words *w, struct plan *p);

/* service_dir/UNIT, the link into the scan directory; 0 or -ENAMETOOLONG. */
int svdir_link(
    const struct svc_node *n, const struct svc_unit *u, char *buf, size_t size);

/* Appends: remove down and last-exit (before the manager starts u). */
int svdir_before_start(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p);
/* Appends: write down (before the manager stops u). */
int svdir_before_stop(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p);

/*
 * Appends a run step of node's metactl-svwait: MODE DIR with the start
 * timeout (and grace when grace is set). what names the step.
 */
int svdir_svwait(const struct svc_node *n, const struct svc_unit *u,
    const char *mode, const char *rel, int grace, const char *what,
    struct plan *p);

/* Appends a run step of argv (NULL-terminated) for u. */
int svdir_run(const struct svc_unit *u, const char *const *argv, int timeout_ms,
    unsigned flags, const char *what, struct plan *p);

/* Appends a PLAN_OUTPUT step printing last-exit (absent is fine). */
int svdir_status_last_exit(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p);

/*
 * Empties st (nothing known: since_s, ready, last_exit -1) and sets its
 * detail to out up to the first character of stop.
 */
void svdir_state_init(struct svc_state *st, const char *out, const char *stop);

/*
 * Finds the last-exit line ("EXIT SIGNAL") in out and sets
 * st->last_exit and st->last_signal from it; leaves them otherwise.
 */
void svdir_parse_last_exit(const char *out, struct svc_state *st);

/* less +G supervise_dir/UNIT/log/main/current, for strv_free(). */
char **svdir_logs(const struct svc_node *n, const struct svc_unit *u);

/* The user u runs as: u->user, or nobody. */
const char *svdir_user(const struct svc_unit *u);

enum svdir_manager {
	SVDIR_RUNIT,
	SVDIR_S6
};

/*
 * The manager's word for sending u->reload_signal ("HUP" or "SIGHUP"):
 * sv's command ("hup") or s6-svc's option ("-h"); NULL when u has none
 * or the manager cannot send it.
 */
const char *svdir_signal(const struct svc_unit *u, enum svdir_manager m);

#endif

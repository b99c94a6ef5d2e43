/*
 * runit.c: daemons under runit. A service directory per daemon (svdir.h)
 * linked into runsvdir's scan directory; sv sends the commands and
 * metactl-svwait watches runsv's supervise/status for the result.
 */
#include "buildconf.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/service/svdir.h"

static const char log_run[] = "#!/bin/sh\nexec svlogd -tt main\n";

/* Appends "sv CMD DIR". */
static int
sv(const struct svc_node *n, const struct svc_unit *u, const char *cmd,
    unsigned flags, const char *what, struct plan *p)
{
	char dir[PATH_MAX];
	const char *argv[] = {"sv", cmd, dir, NULL};
	int r;

	if ((r = svdir_path(n, u, NULL, dir, sizeof(dir))) < 0)
		return r;
	return svdir_run(u, argv, 0, flags, what, p);
}

static int
runit_install(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	char who[160];
	const char *setuid[] = {"chpst", "-u", who, NULL};
	/* Run by runsv in the service directory: the daemon is not started
	 * again once finish exits. */
	const struct svdir_words w = {
	    .setuid = setuid, .log_run = log_run, .keep_down = "sv down ."};
	int r;

	if (u->group != NULL)
		r = snprintf(
		    who, sizeof(who), "%s:%s", svdir_user(u), u->group);
	else
		r = snprintf(who, sizeof(who), "%s", svdir_user(u));
	if (r < 0 || (size_t)r >= sizeof(who))
		return -ENAMETOOLONG;
	if ((r = svdir_install(n, u, &w, p)) < 0)
		return r;
	/* runsvdir finds the link at its next scan (within seconds). */
	return svdir_svwait(
	    n, u, "runit-supervised", NULL, 0, "wait for runsv of", p);
}

static int
runit_uninstall(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	char dir[PATH_MAX], link[PATH_MAX];
	int r;

	if ((r = svdir_path(n, u, NULL, dir, sizeof(dir))) < 0)
		return r;
	if ((r = svdir_link(n, u, link, sizeof(link))) < 0)
		return r;
	/* Without the link runsvdir does not start runsv again once it
	 * exits; "sv exit" stops the daemon and its logger, then runsv. */
	if ((r = plan_remove(p, link)) < 0 ||
	    (r = sv(n, u, "exit", PLAN_MAY_FAIL, "stop the supervisor of", p)) <
		0 ||
	    (r = svdir_svwait(
		 n, u, "gone", NULL, 0, "wait for the supervisor of", p)) < 0)
		return r;
	return plan_remove(p, dir);
}

static int
runit_start(const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	int r;

	if ((r = svdir_before_start(n, u, p)) < 0 ||
	    (r = sv(n, u, "up", 0, "start", p)) < 0)
		return r;
	return svdir_svwait(n, u, "runit-up", NULL, 1, "wait for", p);
}

static int
runit_stop_only(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	int r;

	if ((r = sv(n, u, "down", 0, "stop", p)) < 0)
		return r;
	return svdir_svwait(n, u, "runit-down", NULL, 0, "wait for", p);
}

static int
runit_stop(const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	int r;

	if ((r = svdir_before_stop(n, u, p)) < 0)
		return r;
	return runit_stop_only(n, u, p);
}

/*
 * Down, then up: the new daemon is the one start waits for, and a
 * last-exit it writes is told from the old one's.
 */
static int
runit_restart(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	int r;

	if ((r = runit_stop_only(n, u, p)) < 0)
		return r;
	return runit_start(n, u, p);
}

static int
runit_reload(const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	const char *cmd = svdir_signal(u, SVDIR_RUNIT);

	if (cmd == NULL)
		return -ENOTSUP;
	return sv(n, u, cmd, 0, "reload", p);
}

static int
runit_status(const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	int r;

	if ((r = sv(n, u, "status", PLAN_OUTPUT | PLAN_MAY_FAIL,
		 "read the state of", p)) < 0)
		return r;
	return svdir_status_last_exit(n, u, p);
}

/*
 * sv status says "run: DIR: (pid 123) 45s; run: log: ..." or
 * "down: DIR: 3s, normally up; ..." or "finish: DIR: (pid 9) 1s" or a
 * "fail:"/"warning:" line when runsv does not run.
 */
static int
runit_status_parse(const struct svc_node *n, const struct svc_unit *u,
    const char *out, struct svc_state *st)
{
	const char *s, *rest;
	size_t len;

	(void)n;
	(void)u;
	if (out == NULL)
		out = "";
	svdir_state_init(st, out, ";\n");
	len = strcspn(out, ";\n");
	if (strncmp(out, "run: ", 5) == 0)
		snprintf(st->state, sizeof(st->state), "up");
	else if (strncmp(out, "down: ", 6) == 0)
		snprintf(st->state, sizeof(st->state), "down");
	else if (strncmp(out, "finish: ", 8) == 0)
		snprintf(st->state, sizeof(st->state), "stopping");
	else
		snprintf(st->state, sizeof(st->state), "failed");
	if ((rest = strstr(out, ": ")) != NULL &&
	    (rest = strstr(rest + 2, ": ")) != NULL && rest < out + len) {
		rest += 2;
		if ((s = strstr(rest, "(pid ")) != NULL && s < out + len) {
			st->pid = strtol(s + 5, NULL, 10);
			rest = strchr(s, ')') != NULL ? strchr(s, ')') + 1 : s;
		}
		st->since_s = strtoll(rest, NULL, 10);
	}
	if (strcmp(st->state, "up") == 0 && strstr(out, "want down") != NULL)
		snprintf(st->state, sizeof(st->state), "stopping");
	svdir_parse_last_exit(out, st);
	return 0;
}

const struct svc_backend svc_backend_runit = {
    .name = "runit",
    .install = runit_install,
    .uninstall = runit_uninstall,
    .start = runit_start,
    .stop = runit_stop,
    .restart = runit_restart,
    .reload = runit_reload,
    .status = runit_status,
    .status_parse = runit_status_parse,
    .logs = svdir_logs,
};

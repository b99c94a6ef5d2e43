/*
 * s6.c: daemons under s6. A service directory per daemon (svdir.h)
 * linked into s6-svscan's scan directory; s6-svc sends the commands and
 * waits for their effect itself (-w), through s6's event FIFOs; a daemon
 * that reports readiness does so on the notification-fd.
 */
#include "buildconf.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/service/svdir.h"

static const char log_run[] = "#!/bin/sh\nexec s6-log T main\n";

/* The file descriptor a notify daemon writes its readiness line to. */
#define S6_NOTIFY_FD 3

/* Appends "s6-svc [-T MS -wX] -C DIR[/rel]" (wait NULL: no wait). */
static int
svc(const struct svc_node *n, const struct svc_unit *u, const char *cmd,
    const char *wait, const char *rel, unsigned flags, const char *what,
    struct plan *p)
{
	char dir[PATH_MAX], t[24];
	const char *argv[] = {"s6-svc", cmd, dir, NULL, NULL, NULL, NULL};
	long long ms = n->start_timeout_ms > 0 ? n->start_timeout_ms : 30000;
	int r;

	if ((r = svdir_path(n, u, rel, dir, sizeof(dir))) < 0)
		return r;
	if (wait != NULL) {
		snprintf(t, sizeof(t), "%lld", ms);
		argv[1] = "-T";
		argv[2] = t;
		argv[3] = wait;
		argv[4] = cmd;
		argv[5] = dir;
	}
	return svdir_run(u, argv, (int)ms + 5000, flags, what, p);
}

static int
scanctl(const struct svc_node *n, const struct svc_unit *u, const char *cmd,
    const char *what, struct plan *p)
{
	const char *argv[] = {"s6-svscanctl", cmd, n->service_dir, NULL};

	return svdir_run(u, argv, 0, 0, what, p);
}

/* "user" or, with a group, "uid:gid" (s6-setuidgid's two forms). */
static int
account(const struct svc_unit *u, char *buf, size_t size)
{
	const struct passwd *pw;
	const struct group *gr;

	if (u->group == NULL)
		return snprintf(buf, size, "%s", svdir_user(u)) < (int)size
		    ? 0
		    : -ENAMETOOLONG;
	if ((pw = getpwnam(svdir_user(u))) == NULL ||
	    (gr = getgrnam(u->group)) == NULL)
		return -ENOENT;
	snprintf(buf, size, "%lu:%lu", (unsigned long)pw->pw_uid,
	    (unsigned long)gr->gr_gid);
	return 0;
}

static int
s6_install(const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	char who[160];
	const char *setuid[] = {"s6-setuidgid", who, NULL};
	/* s6-supervise does not restart a daemon whose finish exits 125. */
	const struct svdir_words w = {.setuid = setuid,
	    .log_run = log_run,
	    .keep_down = "exit 125",
	    .notify_fd = u->notify ? S6_NOTIFY_FD : 0};
	int r;

	if ((r = account(u, who, sizeof(who))) < 0 ||
	    (r = svdir_install(n, u, &w, p)) < 0 ||
	    (r = scanctl(n, u, "-a", "register", p)) < 0)
		return r;
	return svdir_svwait(
	    n, u, "s6-supervised", NULL, 0, "wait for s6-supervise of", p);
}

static int
s6_uninstall(const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	char dir[PATH_MAX], link[PATH_MAX];
	int r;

	if ((r = svdir_path(n, u, NULL, dir, sizeof(dir))) < 0)
		return r;
	if ((r = svdir_link(n, u, link, sizeof(link))) < 0)
		return r;
	/* Without the link s6-svscan starts no new supervisor; -xd brings
	 * the daemon down and its supervisor (and the logger's) to exit. */
	if ((r = plan_remove(p, link)) < 0 ||
	    (r = svc(n, u, "-xd", NULL, NULL, PLAN_MAY_FAIL,
		 "stop the supervisor of", p)) < 0 ||
	    (r = svc(n, u, "-xd", NULL, "log", PLAN_MAY_FAIL,
		 "stop the log supervisor of", p)) < 0 ||
	    (r = scanctl(n, u, "-an", "unregister", p)) < 0 ||
	    (r = svdir_svwait(
		 n, u, "gone", NULL, 0, "wait for the supervisor of", p)) < 0 ||
	    (r = svdir_svwait(n, u, "gone", "log", 0,
		 "wait for the log supervisor of", p)) < 0)
		return r;
	return plan_remove(p, dir);
}

static int
s6_start(const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	int r;

	if ((r = svdir_before_start(n, u, p)) < 0 ||
	    (r = svc(n, u, "-u", u->notify ? "-wU" : "-wu", NULL, 0, "start",
		 p)) < 0)
		return r;
	return svdir_svwait(n, u, "grace", NULL, 1, "wait for", p);
}

static int
s6_stop(const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	int r;

	if ((r = svdir_before_stop(n, u, p)) < 0)
		return r;
	return svc(n, u, "-d", "-wD", NULL, 0, "stop", p);
}

/* Down (finish done), then up: see runit_restart(). */
static int
s6_restart(const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	int r;

	if ((r = svc(n, u, "-d", "-wD", NULL, 0, "stop", p)) < 0)
		return r;
	return s6_start(n, u, p);
}

static int
s6_reload(const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	const char *opt = svdir_signal(u, SVDIR_S6);

	if (opt == NULL)
		return -ENOTSUP;
	return svc(n, u, opt, NULL, NULL, 0, "reload", p);
}

static int
s6_status(const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	char dir[PATH_MAX];
	const char *argv[] = {"s6-svstat", "-o",
	    "up,ready,pid,exitcode,signal,updownfor", dir, NULL};
	int r;

	if ((r = svdir_path(n, u, NULL, dir, sizeof(dir))) < 0 ||
	    (r = svdir_run(u, argv, 0, PLAN_OUTPUT | PLAN_MAY_FAIL,
		 "read the state of", p)) < 0)
		return r;
	return svdir_status_last_exit(n, u, p);
}

/*
 * s6-svstat -o up,ready,pid,exitcode,signal,updownfor prints
 * "true true 123 -1 NA 45" (up) or "false false -1 0 NA 3" (down).
 */
static int
s6_status_parse(const struct svc_node *n, const struct svc_unit *u,
    const char *out, struct svc_state *st)
{
	char up[8], ready[8], sig[16];
	long pid;
	int code;
	long long for_s;

	(void)n;
	if (out == NULL)
		out = "";
	svdir_state_init(st, out, "\n");
	if (sscanf(out, "%7s %7s %ld %d %15s %lld", up, ready, &pid, &code, sig,
		&for_s) != 6) {
		snprintf(st->state, sizeof(st->state), "failed");
		return 0;
	}
	snprintf(st->state, sizeof(st->state), "%s",
	    strcmp(up, "true") == 0 ? "up" : "down");
	st->pid = pid > 0 ? pid : 0;
	/* Without a notification-fd s6 knows nothing of readiness. */
	st->ready = u->notify ? strcmp(ready, "true") == 0 : -1;
	st->since_s = for_s;
	if (strcmp(up, "true") != 0 && code >= 0)
		st->last_exit = code;
	svdir_parse_last_exit(out, st);
	return 0;
}

const struct svc_backend svc_backend_s6 = {
    .name = "s6",
    .install = s6_install,
    .uninstall = s6_uninstall,
    .start = s6_start,
    .stop = s6_stop,
    .restart = s6_restart,
    .reload = s6_reload,
    .status = s6_status,
    .status_parse = s6_status_parse,
    .logs = svdir_logs,
};

/*
 * upstart.c: daemons as Upstart jobs (init(5)).
 *
 * install writes SERVICE_DIR/UNIT.conf (default /etc/init) and runs
 * `initctl reload-configuration`; the job starts on runlevels 2 to 5.
 * start, stop, restart and reload are `initctl VERB UNIT`, which waits
 * until the job reaches its goal (start/running, stop/waiting) and fails
 * when the main process cannot be spawned. Upstart has no readiness
 * protocol of sd_notify's kind (its "expect stop" is a SIGSTOP): a daemon
 * that notifies is treated as up once spawned. The start grace is
 * Upstart's respawn limit: a daemon that dies at once is respawned and,
 * beyond the limit, stopped; start itself does not wait for the grace.
 * The job uses setuid, setgid and console log (Upstart 1.4) and, for a
 * daemon with a reload signal, reload signal (Upstart 1.10).
 *
 * Quoting: Upstart's job parser (libnih's config tokens) removes single
 * and double quotes and turns "\\" into '\'; newlines cannot be carried.
 * description, setuid, setgid, chdir and env arguments are written in
 * double quotes with '\' doubled; a '"' ends them, goes in single quotes
 * and they start again ("a"'"'"b" for a"b). The exec line
 * is not dequoted by Upstart but handed to /bin/sh when it holds shell
 * characters, so every word is single-quoted for sh ("'" as '\''). libnih
 * still reads a backslash as an escape inside single quotes (a word
 * ending in '\' would escape its closing quote), so a backslash is
 * written double-quoted outside them: '"\\"'.
 */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "plugins/service/backend.h"
#include "plugins/service/svcstate.h"
#include "plugins/service/text.h"

#define UPSTART_DIR "/etc/init"
#define UPSTART_MARGIN_MS 10000

/* s as one Upstart stanza argument. */
static int
add_arg(struct text *t, const char *s)
{
	if (!text_printable(s))
		return -EINVAL;
	text_addc(t, '"');
	for (; *s != '\0'; s++)
		if (*s == '\\')
			text_add(t, "\\\\");
		else if (*s == '"')
			text_add(t, "\"'\"'\"");
		else
			text_addc(t, *s);
	text_addc(t, '"');
	return 0;
}

static int
add_stanza(struct text *t, const char *stanza, const char *value)
{
	int r;

	text_addf(t, "%s ", stanza);
	if ((r = add_arg(t, value)) < 0)
		return r;
	text_addc(t, '\n');
	return 0;
}

static int
add_exec(struct text *t, const char *const *argv)
{
	const char *p;
	size_t i;

	if (argv == NULL || argv[0] == NULL || argv[0][0] != '/')
		return -EINVAL;
	text_add(t, "exec");
	for (i = 0; argv[i] != NULL; i++) {
		if (!text_printable(argv[i]))
			return -EINVAL;
		text_add(t, " '");
		for (p = argv[i]; *p != '\0'; p++)
			if (*p == '\'')
				text_add(t, "'\\''");
			else if (*p == '\\')
				text_add(t, "'\"\\\\\"'");
			else
				text_addc(t, *p);
		text_addc(t, '\'');
	}
	text_addc(t, '\n');
	return 0;
}

static int
add_restart(struct text *t, const char *restart)
{
	if (restart == NULL || strcmp(restart, "always") == 0)
		text_add(t, "respawn\n");
	else if (strcmp(restart, "on-failure") == 0)
		text_add(t, "respawn\nnormal exit 0\n");
	else if (strcmp(restart, "never") != 0)
		return -EINVAL;
	return 0;
}

static int
add_job(struct text *t, const struct svc_unit *u)
{
	const char *const *e;
	int r;

	if ((u->cwd != NULL && (r = add_stanza(t, "chdir", u->cwd)) < 0) ||
	    (r = add_restart(t, u->restart)) < 0)
		return r;
	for (e = u->env; e != NULL && *e != NULL; e++)
		if (strchr(*e, '=') == NULL || **e == '=' ||
		    (r = add_stanza(t, "env", *e)) < 0)
			return r < 0 ? r : -EINVAL;
	if (u->stop_timeout_ms > 0)
		text_addf(t, "kill timeout %lld\n",
		    (u->stop_timeout_ms + 999) / 1000);
	if (u->reload_signal != NULL) {
		if (!text_user_ok(u->reload_signal))
			return -EINVAL;
		text_addf(t, "reload signal SIG%s\n", u->reload_signal);
	}
	return add_exec(t, u->argv);
}

static int
render(const struct svc_unit *u, struct text *t)
{
	int r;

	if (!text_user_ok(u->user) ||
	    (u->group != NULL && !text_user_ok(u->group)))
		return -EINVAL;
	/* Upstart drops root (setuid) before the exec line runs, so an
	 * `ip netns exec` there could not enter the app's namespace. */
	if (u->netns != NULL)
		return -ENOTSUP;
	text_addf(t,
	    "# metactl-generated: daemon %s of app %s. metactl rewrites this "
	    "file;\n# change the app's configuration instead.\n",
	    u->daemon, u->app);
	if ((r = add_stanza(t, "description",
		 u->description != NULL ? u->description : u->unit)) < 0)
		return r;
	text_add(t,
	    "start on runlevel [2345]\nstop on runlevel [!2345]\n"
	    "console log\n");
	text_addf(t, "setuid %s\n", u->user);
	if (u->group != NULL)
		text_addf(t, "setgid %s\n", u->group);
	if ((r = add_job(t, u)) < 0)
		return r;
	return t->err;
}

static int
job_path(
    const struct svc_node *n, const struct svc_unit *u, char *buf, size_t size)
{
	return text_path(
	    buf, size, n->service_dir, UPSTART_DIR, u->unit, ".conf");
}

static int
ctl(struct plan *p, const struct svc_unit *u, const char *verb,
    const char *what, int timeout_ms, unsigned flags)
{
	const char *argv[] = {"initctl", verb, u->unit, NULL};

	return text_run(p, u, what, timeout_ms, flags, argv);
}

static int
upstart_install(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	static const char *const reload[] = {
	    "initctl", "reload-configuration", NULL};
	struct text t = TEXT_INIT;
	char path[4096];
	int r;

	if ((r = job_path(n, u, path, sizeof(path))) < 0)
		return r;
	if ((r = render(u, &t)) == 0 &&
	    (r = plan_write(p, path, t.s, t.len, 0644)) == 0)
		r = text_run(p, u, "load the job of", 0, 0, reload);
	text_clear(&t);
	return r;
}

static int
upstart_uninstall(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	static const char *const reload[] = {
	    "initctl", "reload-configuration", NULL};
	char path[4096];
	int r;

	if ((r = job_path(n, u, path, sizeof(path))) < 0)
		return r;
	if ((r = ctl(p, u, "stop", "stop",
		 text_timeout(u->stop_timeout_ms, UPSTART_MARGIN_MS),
		 PLAN_MAY_FAIL)) < 0 ||
	    (r = plan_remove(p, path)) < 0)
		return r;
	return text_run(p, u, "unload the job of", 0, 0, reload);
}

static int
upstart_start(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	return ctl(p, u, "start", "start",
	    text_timeout(n->start_timeout_ms, UPSTART_MARGIN_MS), 0);
}

static int
upstart_stop(const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	(void)n;
	return ctl(p, u, "stop", "stop",
	    text_timeout(u->stop_timeout_ms, UPSTART_MARGIN_MS), 0);
}

static int
upstart_restart(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	return ctl(p, u, "restart", "restart",
	    text_timeout(
		u->stop_timeout_ms + n->start_timeout_ms, UPSTART_MARGIN_MS),
	    0);
}

static int
upstart_reload(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	(void)n;
	if (u->reload_signal == NULL)
		return -ENOTSUP;
	return ctl(p, u, "reload", "reload", 0, 0);
}

static int
upstart_status(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	(void)n;
	return ctl(p, u, "status", "read the state of", 0, PLAN_OUTPUT);
}

static char **
upstart_logs(const struct svc_node *n, const struct svc_unit *u)
{
	char path[4096];
	const char *argv[] = {"less", path, NULL};

	(void)n;
	snprintf(path, sizeof(path), "/var/log/upstart/%s.log", u->unit);
	return strv_copy(argv, 2);
}

const struct svc_backend svc_backend_upstart = {
    .name = "upstart",
    .install = upstart_install,
    .uninstall = upstart_uninstall,
    .start = upstart_start,
    .stop = upstart_stop,
    .restart = upstart_restart,
    .reload = upstart_reload,
    .status = upstart_status,
    .status_parse = svcstate_upstart,
    .logs = upstart_logs,
};

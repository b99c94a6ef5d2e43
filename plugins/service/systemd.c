/*
 * systemd.c: daemons as systemd services (systemd.service(5)).
 *
 * install writes SERVICE_DIR/UNIT.service (default /etc/systemd/system),
 * reloads systemd's units and enables the unit for multi-user.target.
 * start, stop, restart and reload are `systemctl VERB UNIT.service`, which
 * blocks until systemd's job completes: Type=notify waits for the
 * daemon's READY=1, Type=exec for the execve() of its binary, so a missing
 * binary or user fails the job.
 *
 * The start grace: a daemon that dies just after it started must make
 * start fail. The unit carries ExecStartPost=/bin/sleep GRACE: systemd
 * keeps the start job running until that command ends, and when the main
 * process exits with an error meanwhile the unit fails and `systemctl
 * start` (or restart) exits non-zero with systemd's reason. The wait is
 * systemd's own timer around its job, not a poll of ours. One case
 * escapes it: a daemon that exits with status 0 inside the grace ends the
 * job as "done"; the `systemctl is-active` that follows start and restart
 * catches it, since the grace is over when systemctl returns. The grace
 * also delays systemd's own restarts of the daemon (Restart=) by the same
 * time.
 *
 * Quoting (systemd.syntax(7), systemd.service(5) "Command lines"): each
 * ExecStart word is written in double quotes with C escapes for '"', '\'
 * and control characters, '$' doubled (no variable expansion) and '%'
 * doubled (no specifiers). Environment= takes one quoted "NAME=value" per
 * line; there '$' has no meaning, '%' is doubled, and systemd refuses
 * control characters, so we do too. Values written unquoted (Description,
 * WorkingDirectory) double '%' and may not end with a backslash (a line
 * continuation).
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

#define SYSTEMD_DIR "/etc/systemd/system"
#define SYSTEMCTL "systemctl"
/* What systemctl may take beyond the unit's own timeouts. */
#define SYSTEMD_MARGIN_MS 10000

/* The properties svcstate_systemd() reads. */
#define SYSTEMD_PROPS \
	"Id,LoadState,ActiveState,SubState,Result,MainPID,ExecMainCode," \
	"ExecMainStatus,StateChangeTimestampMonotonic," \
	"ActiveEnterTimestampMonotonic"

static int
unit_path(
    const struct svc_node *n, const struct svc_unit *u, char *buf, size_t size)
{
	return text_path(
	    buf, size, n->service_dir, SYSTEMD_DIR, u->unit, ".service");
}

static void
unit_name(const struct svc_unit *u, char *buf, size_t size)
{
	snprintf(buf, size, "%s.service", u->unit);
}

/* s with '%' doubled, unquoted; -EINVAL when it cannot be written so. */
static int
add_plain(struct text *t, const char *s)
{
	size_t n = strlen(s);

	if (!text_printable(s) || (n > 0 && s[n - 1] == '\\'))
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s == '%')
			text_addc(t, '%');
		text_addc(t, *s);
	}
	return 0;
}

/* The letter of c's C escape ("\\n"), or 0 when it has none. */
static char
c_escape(unsigned char c)
{
	switch (c) {
	case '\a':
		return 'a';
	case '\b':
		return 'b';
	case '\f':
		return 'f';
	case '\n':
		return 'n';
	case '\r':
		return 'r';
	case '\t':
		return 't';
	case '\v':
		return 'v';
	default:
		return 0;
	}
}

/* One character inside a double-quoted item; dollar: double '$'. */
static void
add_quoted_char(struct text *t, unsigned char c, int dollar)
{
	if (c == '"' || c == '\\') {
		text_addc(t, '\\');
		text_addc(t, (char)c);
	} else if (c == '%' || (c == '$' && dollar)) {
		text_addc(t, (char)c);
		text_addc(t, (char)c);
	} else if (c < 0x20 || c == 0x7f) {
		if (c_escape(c) != 0)
			text_addf(t, "\\%c", c_escape(c));
		else
			text_addf(t, "\\x%02x", c);
	} else
		text_addc(t, (char)c);
}

/*
 * One ExecStart word in double quotes. Control characters are escaped;
 * the rest must be valid UTF-8 (systemd refuses other bytes).
 */
static int
add_exec_word(struct text *t, const char *w)
{
	const char *p;
	char *copy;
	int ok;

	/* Valid UTF-8 once control characters are set aside. */
	if ((copy = strdup(w)) == NULL)
		return -ENOMEM;
	for (p = w; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			copy[p - w] = ' ';
	ok = text_printable(copy);
	free(copy);
	if (!ok)
		return -EINVAL;
	text_addc(t, '"');
	for (p = w; *p != '\0'; p++)
		add_quoted_char(t, (unsigned char)*p, 1);
	text_addc(t, '"');
	return 0;
}

static int
add_exec(struct text *t, const char *const *argv)
{
	size_t i;
	int r;

	if (argv == NULL || argv[0] == NULL || argv[0][0] != '/' ||
	    !text_printable(argv[0]))
		return -EINVAL;
	text_add(t, "ExecStart=");
	for (i = 0; argv[i] != NULL; i++) {
		if (i > 0)
			text_addc(t, ' ');
		if ((r = add_exec_word(t, argv[i])) < 0)
			return r;
	}
	text_addc(t, '\n');
	return 0;
}

static int
env_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static int
add_env(struct text *t, const char *const *env)
{
	const char *eq, *p;

	for (; env != NULL && *env != NULL; env++) {
		if ((eq = strchr(*env, '=')) == NULL ||
		    !env_name_ok(*env, (size_t)(eq - *env)) ||
		    !text_printable(*env))
			return -EINVAL;
		text_add(t, "Environment=\"");
		for (p = *env; *p != '\0'; p++)
			add_quoted_char(t, (unsigned char)*p, 0);
		text_add(t, "\"\n");
	}
	return 0;
}

/* ms as a systemd time span: "10s" or "1500ms". */
static void
add_span(struct text *t, const char *key, long long ms)
{
	if (ms % 1000 == 0)
		text_addf(t, "%s=%llds\n", key, ms / 1000);
	else
		text_addf(t, "%s=%lldms\n", key, ms);
}

static const char *
restart_value(const char *restart)
{
	if (restart == NULL || strcmp(restart, "always") == 0)
		return "always";
	if (strcmp(restart, "on-failure") == 0)
		return "on-failure";
	if (strcmp(restart, "never") == 0)
		return "no";
	return NULL;
}

static int
add_service(struct text *t, const struct svc_node *n, const struct svc_unit *u)
{
	const char *restart = restart_value(u->restart);
	long long grace = n->start_grace_ms;
	int r;

	if (restart == NULL || !text_user_ok(u->user) ||
	    (u->group != NULL && !text_user_ok(u->group)))
		return -EINVAL;
	text_add(t, "\n[Service]\n");
	text_addf(t, "Type=%s\n", u->notify ? "notify" : "exec");
	text_addf(t, "User=%s\n", u->user);
	if (u->netns != NULL)
		text_addf(t, "NetworkNamespacePath=/run/netns/%s\n", u->netns);
	if (u->group != NULL)
		text_addf(t, "Group=%s\n", u->group);
	if (u->cwd != NULL) {
		if (u->cwd[0] != '/')
			return -EINVAL;
		text_add(t, "WorkingDirectory=");
		if ((r = add_plain(t, u->cwd)) < 0)
			return r;
		text_addc(t, '\n');
	}
	if ((r = add_env(t, u->env)) < 0 || (r = add_exec(t, u->argv)) < 0)
		return r;
	if (grace > 0) {
		text_add(t, "ExecStartPost=/bin/sleep ");
		if (grace % 1000 == 0)
			text_addf(t, "%lld\n", grace / 1000);
		else
			text_addf(
			    t, "%lld.%03lld\n", grace / 1000, grace % 1000);
	}
	if (u->reload_signal != NULL) {
		if (!text_user_ok(u->reload_signal))
			return -EINVAL;
		text_addf(
		    t, "ExecReload=/bin/kill -%s $MAINPID\n", u->reload_signal);
	}
	text_addf(t, "Restart=%s\n", restart);
	if (n->start_timeout_ms > 0)
		add_span(t, "TimeoutStartSec",
		    n->start_timeout_ms + (grace > 0 ? grace : 0));
	if (u->stop_timeout_ms > 0)
		add_span(t, "TimeoutStopSec", u->stop_timeout_ms);
	return 0;
}

/* The unit file of u, into t. 0, -EINVAL or -ENOMEM. */
static int
render(const struct svc_node *n, const struct svc_unit *u, struct text *t)
{
	int r;

	text_addf(t,
	    "# metactl-generated: daemon %s of app %s. metactl rewrites this "
	    "file;\n# change the app's configuration instead.\n",
	    u->daemon, u->app);
	text_add(t, "[Unit]\nDescription=");
	if ((r = add_plain(
		 t, u->description != NULL ? u->description : u->unit)) < 0)
		return r;
	text_add(t, "\nAfter=network.target\n");
	if ((r = add_service(t, n, u)) < 0)
		return r;
	text_add(t, "\n[Install]\nWantedBy=multi-user.target\n");
	return t->err;
}

/* `systemctl VERB [OPTION] UNIT.service`. */
static int
ctl(struct plan *p, const struct svc_unit *u, const char *verb,
    const char *option, const char *what, int timeout_ms, unsigned flags)
{
	char name[300];

	unit_name(u, name, sizeof(name));
	return text_cmd(
	    p, u, SYSTEMCTL, verb, option, name, what, timeout_ms, flags);
}

static int
systemd_install(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	static const char *const reload[] = {SYSTEMCTL, "daemon-reload", NULL};
	struct text t = TEXT_INIT;
	char path[4096];
	int r;

	if ((r = unit_path(n, u, path, sizeof(path))) < 0)
		return r;
	if ((r = render(n, u, &t)) == 0 &&
	    (r = plan_write(p, path, t.s, t.len, 0644)) == 0 &&
	    (r = text_run(p, u, "load the unit of", 0, 0, reload)) == 0)
		r = ctl(p, u, "enable", NULL, "enable", 0, 0);
	text_clear(&t);
	return r;
}

static int
systemd_uninstall(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	static const char *const reload[] = {SYSTEMCTL, "daemon-reload", NULL};
	char path[4096];
	int r;

	if ((r = unit_path(n, u, path, sizeof(path))) < 0)
		return r;
	if ((r = ctl(p, u, "disable", "--now", "stop and disable",
		 text_timeout(u->stop_timeout_ms, SYSTEMD_MARGIN_MS),
		 PLAN_MAY_FAIL)) < 0 ||
	    (r = plan_remove(p, path)) < 0)
		return r;
	return text_run(p, u, "unload the unit of", 0, 0, reload);
}

/* After start or restart: still up once the grace is over. */
static int
check_active(struct plan *p, const struct svc_unit *u)
{
	return ctl(
	    p, u, "is-active", "--quiet", "check the start grace of", 0, 0);
}

static int
start_timeout(const struct svc_node *n)
{
	return text_timeout(
	    n->start_timeout_ms + n->start_grace_ms, SYSTEMD_MARGIN_MS);
}

static int
systemd_start(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	int r;

	if ((r = ctl(p, u, "start", NULL, "start", start_timeout(n), 0)) < 0)
		return r;
	return check_active(p, u);
}

static int
systemd_stop(const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	(void)n;
	return ctl(p, u, "stop", NULL, "stop",
	    text_timeout(u->stop_timeout_ms, SYSTEMD_MARGIN_MS), 0);
}

static int
systemd_restart(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	int r;

	if ((r = ctl(p, u, "restart", NULL, "restart",
		 text_timeout(u->stop_timeout_ms, start_timeout(n)), 0)) < 0)
		return r;
	return check_active(p, u);
}

static int
systemd_reload(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	(void)n;
	if (u->reload_signal == NULL)
		return -ENOTSUP;
	return ctl(p, u, "reload", NULL, "reload", 0, 0);
}

static int
systemd_status(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	(void)n;
	return ctl(p, u, "show", "--property=" SYSTEMD_PROPS,
	    "read the state of", 0, PLAN_OUTPUT);
}

static char **
systemd_logs(const struct svc_node *n, const struct svc_unit *u)
{
	char name[300];
	const char *argv[] = {"journalctl", "-u", name, NULL};

	(void)n;
	unit_name(u, name, sizeof(name));
	return strv_copy(argv, 3);
}

const struct svc_backend svc_backend_systemd = {
    .name = "systemd",
    .install = systemd_install,
    .uninstall = systemd_uninstall,
    .start = systemd_start,
    .stop = systemd_stop,
    .restart = systemd_restart,
    .reload = systemd_reload,
    .status = systemd_status,
    .status_parse = svcstate_systemd,
    .logs = systemd_logs,
};
